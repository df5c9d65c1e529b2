import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCoreConfig } from '../../src/main/config'
import { createAppCore } from '../../src/main/core/app-core'
import { loadPolicyFile, MAX_CA_FILE_BYTES, parsePolicyText } from '../../src/main/policy/load-policy'
import { networkOptions } from '../../src/main/policy/network'
import { resolveSettings } from '../../src/main/policy/effective'
import { loadOrGenerateTestPki } from '../../server-mock/test-pki'

// Every kind of bad machine policy is refused with a message naming the key, and the app that
// loads it stays off the network (POLICY_INVALID), instead of quietly falling back to defaults.

const dir = mkdtempSync(join(tmpdir(), 'eccs-policy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const resourcesDir = join(__dirname, '../../resources')

function file(name: string, text: string): string {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

// [what, policy text, key that must be named, words the message must contain]
const badValues: [string, string, string, string][] = [
  ['unknown key (typo)', '{"apiBaseURL":"https://x.example"}', 'apiBaseURL', 'unknown key'],
  ['apiBaseUrl not a URL', '{"apiBaseUrl":"eccs.example"}', 'apiBaseUrl', 'must be a URL'],
  ['apiBaseUrl over http', '{"apiBaseUrl":"http://eccs.example"}', 'apiBaseUrl', 'https://'],
  ['apiBaseUrl with credentials', '{"apiBaseUrl":"https://u:p@eccs.example"}', 'apiBaseUrl', 'password'],
  ['apiBaseUrl wrong type', '{"apiBaseUrl":42}', 'apiBaseUrl', 'must be a string'],
  ['pkcs11Modules not a list', '{"pkcs11Modules":"/usr/lib/x.so"}', 'pkcs11Modules', 'list'],
  ['pkcs11Modules relative path', '{"pkcs11Modules":["/ok.so","lib/x.so"]}', 'pkcs11Modules[1]', 'absolute path'],
  ['pkcs11Modules empty string', '{"pkcs11Modules":[""]}', 'pkcs11Modules[0]', ''],
  [
    'pkcs11Modules too many',
    `{"pkcs11Modules":${JSON.stringify(Array.from({ length: 17 }, (_, i) => `/m${i}.so`))}}`,
    'pkcs11Modules',
    ''
  ],
  [
    'extraCaCertificates missing file',
    '{"extraCaCertificates":["/nonexistent/ca.pem"]}',
    'extraCaCertificates[0]',
    'ENOENT'
  ],
  [
    'extraCaCertificates device (read for ever before)',
    '{"extraCaCertificates":["/dev/zero"]}',
    'extraCaCertificates[0]',
    'not a regular file'
  ],
  [
    'extraCaCertificates relative file',
    '{"extraCaCertificates":["ca.pem"]}',
    'extraCaCertificates[0]',
    'absolute path'
  ],
  [
    'extraCaCertificates garbage PEM',
    '{"extraCaCertificates":["-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----"]}',
    'extraCaCertificates[0]',
    'cannot be parsed'
  ],
  [
    'extraCaCertificates not PEM',
    '{"extraCaCertificates":["-----BEGIN PRIVATE KEY-----"]}',
    'extraCaCertificates[0]',
    'no PEM certificate'
  ],
  ['proxy bad scheme', '{"proxy":"socks5://proxy:1080"}', 'proxy', 'http://'],
  ['proxy not a URL', '{"proxy":"proxy.corp:8080 "}', 'proxy', ''],
  ['proxy wrong type', '{"proxy":true}', 'proxy', 'must be a string'],
  ['proxyBypass bad host', '{"proxyBypass":["a b"]}', 'proxyBypass[0]', ''],
  ['revocationCheck outside enum', '{"revocationCheck":"maybe"}', 'revocationCheck', '"soft-fail"'],
  ['revocationCheck wrong case', '{"revocationCheck":"Hard-Fail"}', 'revocationCheck', 'one of'],
  ['autoUpdate as string', '{"autoUpdate":"false"}', 'autoUpdate', 'true or false'],
  ['updateChannel outside enum', '{"updateChannel":"nightly"}', 'updateChannel', 'one of'],
  ['updateUrl over http', '{"updateUrl":"http://updates.corp"}', 'updateUrl', 'https://'],
  ['cacheRetentionDays negative', '{"cacheRetentionDays":-1}', 'cacheRetentionDays', ''],
  ['cacheRetentionDays fraction', '{"cacheRetentionDays":1.5}', 'cacheRetentionDays', 'integer'],
  ['cacheRetentionDays too large', '{"cacheRetentionDays":100000}', 'cacheRetentionDays', ''],
  ['cacheRetentionDays as string', '{"cacheRetentionDays":"30"}', 'cacheRetentionDays', 'number'],
  ['cacheRetentionDays null', '{"cacheRetentionDays":null}', 'cacheRetentionDays', ''],
  ['wipeCacheOnSignOut as number', '{"wipeCacheOnSignOut":1}', 'wipeCacheOnSignOut', 'true or false'],
  ['allowedReaders not a list', '{"allowedReaders":"ACS"}', 'allowedReaders', 'list'],
  ['allowedReaders item not a string', '{"allowedReaders":[5]}', 'allowedReaders[0]', 'string'],
  ['logLevel outside enum', '{"logLevel":"verbose"}', 'logLevel', 'one of']
]

const badFiles: [string, string, string][] = [
  ['empty file', '', 'empty'],
  ['whitespace only', '  \n', 'empty'],
  ['JSON syntax error', '{"logLevel": "info",}', 'not valid JSON'],
  ['truncated JSON', '{"logLevel": "in', 'not valid JSON'],
  ['top-level array', '[{"logLevel":"info"}]', 'JSON object'],
  ['top-level null', 'null', 'JSON object'],
  ['top-level string', '"hello"', 'JSON object']
]

describe('machine policy: fail closed', () => {
  it.each(badValues)('refuses %s, naming the key', (_what, text, key, words) => {
    const state = parsePolicyText(text, 'policy.json')
    expect(state.status).toBe('invalid')
    if (state.status !== 'invalid') return
    expect(state.issues.map((i) => i.key)).toContain(key)
    expect(state.error.code).toBe('POLICY_INVALID')
    expect(state.error.message).toContain(`${key}:`)
    if (words) expect(state.error.message).toContain(words)
  })

  it.each(badFiles)('refuses a file that is %s', (_what, text, words) => {
    const state = loadPolicyFile(file(`bad-${Math.random().toString(36).slice(2)}.json`, text))
    expect(state.status).toBe('invalid')
    if (state.status === 'invalid') expect(state.error.message).toContain(words)
  })

  it('refuses a path that is a folder and a file larger than 1 MiB', () => {
    const folder = join(dir, 'folder.json')
    mkdirSync(folder)
    expect(loadPolicyFile(folder).status).toBe('invalid')
    const big = file('big.json', `{"$schema":"${'x'.repeat(1024 * 1024)}"}`)
    const state = loadPolicyFile(big)
    expect(state.status === 'invalid' && state.error.message).toContain('larger than')
    const bigCa = file('big-ca.pem', '')
    truncateSync(bigCa, MAX_CA_FILE_BYTES + 1) // sparse
    const caState = parsePolicyText(JSON.stringify({ extraCaCertificates: [bigCa] }), 'p.json')
    expect(caState.status === 'invalid' && caState.error.message).toContain(
      `extraCaCertificates[0]: ${bigCa} is larger than`
    )
  })

  it('names every bad key when there are several', () => {
    const state = parsePolicyText('{"logLevel":"loud","cacheRetentionDays":-3,"foo":1}', 'p.json')
    expect(state.status === 'invalid' && state.issues.map((i) => i.key).sort()).toEqual([
      'cacheRetentionDays',
      'foo',
      'logLevel'
    ])
  })

  it('accepts a valid policy, a UTF-8 BOM (Notepad) and a CA file, and reports a missing file as absent', async () => {
    const pki = await loadOrGenerateTestPki()
    const ca = file('corp-ca.pem', pki.root.certPem)
    const text = `\uFEFF${JSON.stringify({ $schema: './policy.schema.json', apiBaseUrl: 'https://eccs.example', extraCaCertificates: [ca, pki.moica.certPem], revocationCheck: 'hard-fail', proxy: 'http://proxy.corp:3128', cacheRetentionDays: 0 })}`
    const state = loadPolicyFile(file('good.json', text))
    expect(state.status).toBe('valid')
    if (state.status === 'valid') expect(state.caPems).toHaveLength(2)
    expect(loadPolicyFile(join(dir, 'nope.json'))).toEqual({ status: 'absent', path: join(dir, 'nope.json') })
  })

  it('refuses a CA entry that is not a CA certificate (a leaf pasted by mistake)', async () => {
    const pki = await loadOrGenerateTestPki()
    const state = parsePolicyText(JSON.stringify({ extraCaCertificates: [pki.citizens.valid.signCertPem] }), 'p.json')
    expect(state.status === 'invalid' && state.error.message).toContain('extraCaCertificates[0]: ')
    expect(state.status === 'invalid' && state.error.message).toContain('not a CA certificate')
  })

  it('keeps the app off the network with an invalid policy, even when the environment names an API', () => {
    const policy = file('invalid-for-core.json', '{"revocationCheck":"sometimes"}')
    const config = loadCoreConfig(
      { ECCS_POLICY_FILE: policy, ECCS_API_URL: 'https://127.0.0.1:48123' },
      { version: '0.0.0', resourcesDir, userDataDir: join(dir, 'user-a') }
    )
    expect(config.apiBaseUrl).toBeNull()
    expect(config.settings.networkBlocked?.code).toBe('POLICY_INVALID')
    expect(config.settings.networkBlocked?.detail).toContain('revocationCheck')
    expect(config.settings.policy.status).toBe('invalid')
    expect(config.settings.locked.length).toBeGreaterThan(10) // nothing may be changed by the user meanwhile
    let thrown: unknown
    try {
      networkOptions(config.settings, { target: 'https://127.0.0.1:48123' })
    } catch (err) {
      thrown = err
    }
    expect((thrown as { code?: string }).code).toBe('POLICY_INVALID')
  })

  it('tells the user POLICY_INVALID (not "no platform address") when a platform action is refused', async () => {
    const policy = file('invalid-for-actions.json', '{"apiBaseUrl":42,"cacheRetentionDays":"30"}')
    const env = { ECCS_POLICY_FILE: policy, ECCS_API_URL: 'https://127.0.0.1:48123' }
    const config = loadCoreConfig(env, { version: '0.0.0', resourcesDir, userDataDir: join(dir, 'user-b') })
    const core = createAppCore(config, 'web', { env })
    try {
      const login = await core.dispatch('session:loginPassword', { account: 'demo', password: 'Demo1234' })
      expect(login.ok).toBe(false)
      if (login.ok) return
      expect(login.error.code).toBe('POLICY_INVALID')
      expect(login.error.detail).toContain('apiBaseUrl')
      const query = await core.dispatch('delegations:query', { pageSize: 20 })
      expect(!query.ok && query.error.code).toBe('POLICY_INVALID')
    } finally {
      await core.stop()
    }
  })

  it('a valid policy lets the network options through', () => {
    const settings = resolveSettings({
      policy: parsePolicyText('{"apiBaseUrl":"https://eccs.example","proxy":"direct"}', 'p.json'),
      user: { path: 'x', values: {}, warnings: [] },
      env: {}
    })
    const net = networkOptions(settings, { target: 'https://eccs.example', systemCas: () => ['SYS'] })
    expect(net).toEqual({ ca: ['SYS'], proxy: null })
  })
})
