import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configFromEnv, findResourcesDir } from '../../src/main/config'
import { createAppCore, type AppCore } from '../../src/main/core/app-core'
import { formatSupportText } from '../../src/main/core/support-text'
import type { DiagnosticsReport, DiagnosticsResult } from '../../src/shared/diagnostics'
import type { IpcResult } from '../../src/shared/ipc-contract'
import type { SettingsView } from '../../src/shared/settings'
import { startRig, type Rig } from '../rig/rig'
import { pinFields } from '../rig/pin-entry'
import { MOICA_ATR } from '../rig/virtual-card'

// settings:get/update over the real policy module (a policy file locking two keys, a private
// user-data folder) and diagnostics:get on the rig (pcscd + SoftHSM card + server-mock), then
// with server-mock stopped: the probe and the platform calls fail with NETWORK_UNREACHABLE.

let rig: Rig
let core: AppCore
let dir: string
const POLICY = { revocationCheck: 'hard-fail', autoUpdate: false }

async function call<T = unknown>(channel: string, payload: unknown = {}): Promise<IpcResult<T>> {
  return (await core.dispatch(channel, payload)) as IpcResult<T>
}
function value<T>(r: IpcResult<T>): T {
  if (!r.ok) throw new Error(`IPC failed: ${JSON.stringify(r.error)}`)
  return r.value
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eccs-settings-'))
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(POLICY))
  rig = await startRig({ server: true })
  Object.assign(process.env, rig.env)
  const env = {
    ...process.env,
    ...rig.env,
    ECCS_POLICY_FILE: join(dir, 'policy.json'),
    ECCS_USER_DATA_DIR: join(dir, 'user')
  }
  core = createAppCore(configFromEnv(rig.env, { version: 'test', resourcesDir: findResourcesDir(__dirname) }), 'web', {
    env
  })
  core.start()
  await rig.cards[0].insert(MOICA_ATR)
  const end = Date.now() + 45_000
  while (value(await call<{ phase: string }>('card:getStatus')).phase !== 'ready') {
    if (Date.now() > end) throw new Error('card never became ready')
    await new Promise((r) => setTimeout(r, 100))
  }
}, 90_000)

afterAll(async () => {
  core?.stop()
  await rig?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('settings:get / settings:update', () => {
  it('shows effective values with their sources and the policy-locked keys', async () => {
    const v = value(await call<SettingsView>('settings:get'))
    expect(v.policy.status).toBe('valid')
    expect([...v.locked].sort()).toEqual(['autoUpdate', 'revocationCheck'])
    expect(v.values.revocationCheck).toBe('hard-fail')
    expect(v.sources.revocationCheck).toBe('policy')
    expect(v.sources.apiBaseUrl).toBe('environment') // ECCS_API_URL from the rig
    expect(v.sources.logLevel).toBe('default')
    expect(v.restartRequired).toBe(false)
    expect(v.userSettingsPath).toBe(join(dir, 'user', 'settings.json'))
  })

  it('refuses to change a locked key and writes nothing', async () => {
    const r = await call('settings:update', { revocationCheck: 'off' })
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', retriable: false } })
    if (!r.ok) expect(r.error.detail).toContain('revocationCheck')
    expect(() => readFileSync(join(dir, 'user', 'settings.json'))).toThrow()
  })

  it("saves unlocked keys to settings.json, reports them as the user's, and asks for a restart", async () => {
    const v = value(await call<SettingsView>('settings:update', { logLevel: 'debug', cacheRetentionDays: 30 }))
    expect(v.values.logLevel).toBe('debug')
    expect(v.sources.cacheRetentionDays).toBe('user')
    expect(v.restartRequired).toBe(true)
    expect(JSON.parse(readFileSync(join(dir, 'user', 'settings.json'), 'utf8'))).toEqual({
      logLevel: 'debug',
      cacheRetentionDays: 30
    })
    // null returns a key to its default
    const back = value(await call<SettingsView>('settings:update', { logLevel: null }))
    expect(back.sources.logLevel).toBe('default')
    expect(back.values.logLevel).toBe('info')
  })

  it('validates values with the policy schema and rejects unknown keys at the IPC boundary', async () => {
    const bad = await call('settings:update', { proxy: 'ftp://proxy.example' })
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } })
    const unknown = await call('settings:update', { apiBaseUrl: 'https://evil.example' })
    expect(unknown).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
  })
})

describe('diagnostics:get', () => {
  it('reports versions, reader/card/module/chain, a live API probe and the policy, with a redacted support text', async () => {
    value(await call('session:loginCertificate', await pinFields((c, p) => core.dispatch(c, p), 'login', '123456')))
    const { report, supportText } = value(await call<DiagnosticsResult>('diagnostics:get'))
    expect(report.app).toEqual({ version: 'test', host: 'web', demo: false })
    expect(report.runtime.node).toBe(process.versions.node)
    expect(report.card.phase).toBe('ready')
    expect(report.card.chain).toBe('valid')
    expect(report.card.readers.some((r) => r.cardPresent)).toBe(true)
    expect(report.card.module).toBe(rig.env.ECCS_PKCS11_MODULE)
    expect(report.card.certificate?.cardSerialEnd).toHaveLength(4)
    expect(report.card.certificate?.idMasked).toBe('A12****789') // as the platform masks it
    expect(report.api.origin).toBe(new URL(rig.env.ECCS_API_URL ?? '').origin)
    expect(report.api.probe).toMatchObject({ reachable: true })
    expect(report.policy).toEqual({
      status: 'valid',
      locked: expect.arrayContaining(['autoUpdate', 'revocationCheck'])
    })
    expect(report.session.loggedIn).toBe(true)

    expect(supportText).toContain('card: ready')
    expect(supportText).toContain('chain: valid')
    expect(supportText).toMatch(/api probe: reachable in \d+ ms/)
    expect(supportText).toContain(report.card.readers.find((r) => r.cardPresent)?.name ?? '?')
    // No secrets: not the bearer token main holds, not the citizen's national ID, no PIN field.
    const token = Reflect.get(core.api as object, 'token') as string
    expect(token).toBeTruthy()
    expect(supportText).not.toContain(token)
    expect(rig.pki.citizens.valid.nationalId).toBe('A123456789')
    expect(supportText).not.toContain('A123456789')
    expect(supportText).toContain('ID A12****789')
    expect(supportText).not.toMatch(/pin/i)
  })

  it('with the platform down: the probe says unreachable, the banner state is offline, actions fail retriably', async () => {
    await rig.server?.close()
    // (delegations:query would now be answered from the offline history; this needs the platform.)
    const q = await call('profile:get')
    expect(q).toMatchObject({ ok: false, error: { code: 'NETWORK_UNREACHABLE', retriable: true } })
    expect(value(await call<{ state: string }>('api:getStatus')).state).toBe('offline')
    const { report, supportText } = value(await call<DiagnosticsResult>('diagnostics:get'))
    expect(report.api.state).toBe('offline')
    expect(report.api.probe).toMatchObject({ reachable: false, problem: 'NETWORK_UNREACHABLE' })
    expect(supportText).toContain('[NETWORK_UNREACHABLE]')
  })
})

describe('support text', () => {
  it('masks anything shaped like a national ID that reaches it (backstop)', () => {
    const report: DiagnosticsReport = {
      generatedAt: '2025-01-01T00:00:00.000Z',
      app: { version: '1', host: 'electron', demo: false },
      runtime: { node: '20', electron: '45', chrome: '140', platform: 'win32-x64', osRelease: '10' },
      card: {
        phase: 'ready',
        readers: [{ name: 'Reader of A123456789', cardPresent: true, atr: '3BDF' }],
        certificate: { issuer: 'MOICA', notAfter: '2030-01-01', cardSerialEnd: '1234', idMasked: 'A12****789' }
      },
      api: { configured: true, origin: 'https://eccs.example', state: 'online', probe: { reachable: true, ms: 12 } },
      policy: { status: 'absent', locked: [] },
      session: { loggedIn: false }
    }
    const text = formatSupportText(report)
    expect(text).not.toContain('A123456789')
    expect(text).toContain('Reader of A12****789')
    expect(text).toContain('electron 45')
  })
})
