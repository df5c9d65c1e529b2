import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCoreConfig } from '../../src/main/config'
import { resolveSettings } from '../../src/main/policy/effective'
import { machinePolicyPath, defaultLogDir, defaultUserDataDir } from '../../src/main/policy/locations'
import { parsePolicyText } from '../../src/main/policy/load-policy'
import { DEFAULT_SETTINGS } from '../../src/main/policy/schema'
import { loadUserSettings, saveUserSettings } from '../../src/main/policy/user-settings'
import { readerAllowed } from '../../src/main/policy/readers'
import { updateSettings } from '../../src/main/policy/update-settings'

// Precedence policy > launcher environment > user settings > defaults, the record of locked
// keys the settings screen shows, and the user file's tolerance of bad keys.

const dir = mkdtempSync(join(tmpdir(), 'eccs-precedence-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const resourcesDir = join(__dirname, '../../resources')

function userDir(name: string, settings: unknown): string {
  const d = join(dir, name)
  saveUserSettings(join(d, 'settings.json'), settings as Record<string, unknown>, [])
  return d
}

describe('settings precedence', () => {
  it('policy beats environment beats user beats default, and records sources and locks', () => {
    const policy = join(dir, 'policy.json')
    writeFileSync(policy, JSON.stringify({ apiBaseUrl: 'https://policy.example', logLevel: 'warn', autoUpdate: false }))
    const user = userDir('u1', {
      apiBaseUrl: 'https://user.example',
      logLevel: 'debug',
      cacheRetentionDays: 7,
      pkcs11Modules: ['/user/p11.so'],
      revocationCheck: 'hard-fail'
    })
    const config = loadCoreConfig(
      { ECCS_POLICY_FILE: policy, ECCS_API_URL: 'https://env.example', ECCS_PKCS11_MODULE: '/env/a.so:/env/b.so' },
      { version: '1.2.3', resourcesDir, userDataDir: user }
    )
    const s = config.settings
    expect(config.apiBaseUrl).toBe('https://policy.example')
    expect(s.sources.apiBaseUrl).toBe('policy')
    expect(s.values.logLevel).toBe('warn')
    expect(s.values.autoUpdate).toBe(false)
    expect(config.pkcs11Modules).toEqual(['/env/a.so', '/env/b.so'])
    expect(s.sources.pkcs11Modules).toBe('environment')
    expect(s.values.cacheRetentionDays).toBe(7)
    expect(s.values.revocationCheck).toBe('hard-fail')
    expect(s.sources.cacheRetentionDays).toBe('user')
    expect(s.values.wipeCacheOnSignOut).toBe(DEFAULT_SETTINGS.wipeCacheOnSignOut)
    expect(s.sources.wipeCacheOnSignOut).toBe('default')
    expect(s.locked.sort()).toEqual(['apiBaseUrl', 'autoUpdate', 'logLevel'])
    expect(s.networkBlocked).toBeNull()
    expect(s.policy).toEqual({ status: 'valid', path: policy, issues: [] })
  })

  it('without a policy file the environment and user settings apply and nothing is locked', () => {
    const user = userDir('u2', { apiBaseUrl: 'https://user.example', proxy: 'direct' })
    const none = loadCoreConfig(
      { ECCS_POLICY_FILE: join(dir, 'absent.json') },
      { version: '1', resourcesDir, userDataDir: user }
    )
    expect(none.apiBaseUrl).toBe('https://user.example')
    expect(none.settings.values.proxy).toBe('direct')
    expect(none.settings.locked).toEqual([])
    expect(none.settings.policy.status).toBe('absent')
    const withEnv = loadCoreConfig(
      { ECCS_POLICY_FILE: join(dir, 'absent.json'), ECCS_API_URL: 'https://env.example' },
      { version: '1', resourcesDir, userDataDir: user }
    )
    expect(withEnv.apiBaseUrl).toBe('https://env.example')
  })

  it('a bad user settings file never locks the user out: bad keys are dropped with warnings', () => {
    const d = join(dir, 'u3')
    saveUserSettings(join(d, 'settings.json'), {}, [])
    writeFileSync(
      join(d, 'settings.json'),
      JSON.stringify({ logLevel: 'loud', cacheRetentionDays: 30, nonsense: 1, extraCaCertificates: ['/missing.pem'] })
    )
    const state = loadUserSettings(join(d, 'settings.json'))
    expect(state.values).toEqual({ cacheRetentionDays: 30, extraCaCertificates: ['/missing.pem'] })
    expect(state.warnings.map((w) => w.key).sort()).toEqual(['logLevel', 'nonsense'])
    const s = resolveSettings({ policy: { status: 'absent', path: 'p' }, user: state, env: {} })
    expect(s.values.cacheRetentionDays).toBe(30)
    expect(s.caPems).toEqual([]) // an unreadable user CA is dropped, not fatal
    expect(s.userWarnings.map((w) => w.key)).toContain('extraCaCertificates[0]')
    writeFileSync(join(d, 'settings.json'), '{not json')
    expect(loadUserSettings(join(d, 'settings.json')).values).toEqual({})
  })

  it('saving refuses keys the policy locks and validates values', () => {
    const path = join(dir, 'u4', 'settings.json')
    saveUserSettings(path, { logLevel: 'debug' }, ['apiBaseUrl'])
    expect(() => saveUserSettings(path, { apiBaseUrl: 'https://x.example' }, ['apiBaseUrl'])).toThrow(
      /locked by machine policy: apiBaseUrl/
    )
    expect(() => saveUserSettings(path, { cacheRetentionDays: -4 }, [])).toThrow(/cacheRetentionDays/)
    saveUserSettings(path, { logLevel: null }, [])
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({})
  })

  it('uses the OS-standard locations', () => {
    expect(machinePolicyPath('win32', { ProgramData: 'C:\\ProgramData' })).toBe('C:\\ProgramData\\ECCS\\policy.json')
    expect(machinePolicyPath('darwin', {})).toBe('/Library/Application Support/ECCS/policy.json')
    expect(machinePolicyPath('linux', {})).toBe('/etc/eccs/policy.json')
    expect(defaultLogDir({ LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, 'win32', 'C:\\Users\\a')).toBe(
      'C:\\Users\\a\\AppData\\Local\\ECCS\\logs'
    )
    expect(defaultLogDir({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Logs/ECCS')
    expect(defaultLogDir({}, 'linux', '/home/a')).toBe('/home/a/.local/state/eccs/logs')
    expect(defaultLogDir({ XDG_STATE_HOME: '/xdg' }, 'linux', '/home/a')).toBe('/xdg/eccs/logs')
    expect(defaultUserDataDir({}, 'linux', '/home/a')).toBe('/home/a/.config/eccs')
  })
})

describe('update decision from policy', () => {
  const settingsFrom = (policy: string, user: Record<string, unknown> = {}) =>
    resolveSettings({
      policy: parsePolicyText(policy, 'p.json'),
      user: { path: 'u', values: user, warnings: [] },
      env: {}
    })

  it('is on by default in packaged builds on the latest channel', () => {
    expect(updateSettings(settingsFrom('{}'), { packaged: true })).toEqual({
      enabled: true,
      channel: 'latest',
      url: null,
      reason: null
    })
    expect(updateSettings(settingsFrom('{}'), { packaged: false }).enabled).toBe(false)
  })
  it('follows the policy: off, channel, mirror URL', () => {
    expect(updateSettings(settingsFrom('{"autoUpdate":false}'), { packaged: true })).toMatchObject({
      enabled: false,
      reason: 'turned off by machine policy'
    })
    expect(
      updateSettings(settingsFrom('{"updateChannel":"beta","updateUrl":"https://mirror.corp/eccs/"}'), {
        packaged: true
      })
    ).toEqual({
      enabled: true,
      channel: 'beta',
      url: 'https://mirror.corp/eccs/',
      reason: null
    })
    // the user may turn it off, but not on against the policy
    expect(updateSettings(settingsFrom('{}', { autoUpdate: false }), { packaged: true }).reason).toBe(
      'turned off in settings'
    )
    expect(updateSettings(settingsFrom('{"autoUpdate":false}', { autoUpdate: true }), { packaged: true }).enabled).toBe(
      false
    )
  })
  it('is off while the policy is invalid', () => {
    expect(updateSettings(settingsFrom('{"updateChannel":"nightly"}'), { packaged: true })).toMatchObject({
      enabled: false
    })
  })
})

describe('allowedReaders', () => {
  it('allows every reader when empty, else matches case-insensitive substrings with * wildcards', () => {
    expect(readerAllowed('Virtual PCD 00 00', [])).toBe(true)
    expect(readerAllowed('ACS ACR39U ICC Reader 00 00', ['acr39u'])).toBe(true)
    expect(
      readerAllowed('HID Global OMNIKEY 3021 [OMNIKEY 3x21 Smart Card Reader] 00 00', ['HID Global OMNIKEY*Smart Card'])
    ).toBe(true)
    expect(readerAllowed('Virtual PCD 00 00', ['ACS', 'OMNIKEY'])).toBe(false)
    expect(readerAllowed('Reader (x) [y]', ['(x) [y]'])).toBe(true) // regex characters are literal
  })
})
