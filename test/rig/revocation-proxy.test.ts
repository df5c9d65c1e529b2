import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDoctor } from '../../src/main/cli/doctor'
import { findResourcesDir, loadCoreConfig } from '../../src/main/config'
import { createAppCore, type AppCore } from '../../src/main/core/app-core'
import type { CardStatus } from '../../src/shared/card-status'
import { startAuthProxy, type AuthProxy } from '../unit/auth-proxy'
import { startRig, type Rig } from './rig'
import { MOICA_ATR } from './virtual-card'

// Field case "revocation ignores proxy" (../shared/field-cases/README.md, issue 12 item 4): machine
// policy {"proxy": "http://127.0.0.1:PORT", "revocationCheck": "hard-fail"}, a logging proxy on that
// port, and the card's certificate naming its OCSP responder (the test PKI's AIA,
// http://127.0.0.1/test-pki/OCSP — nothing listens there; the proxy knows the responder, as a
// corporate network's proxy resolves names the desk cannot). The card's OCSP request must go
// through the proxy like the API's, and the card must reach 讀卡機準備完成. With "direct" instead,
// the same card is revocation-unknown (hard-fail) and the proxy sees nothing.

const AIA_OCSP = 'http://127.0.0.1/test-pki/OCSP'
let rig: Rig
let proxy: AuthProxy
const home = mkdtempSync(join(tmpdir(), 'eccs-revocation-proxy-'))

beforeAll(async () => {
  rig = await startRig({ server: true })
  Object.assign(process.env, rig.env) // libpcsclite and SoftHSM read these at first use
  proxy = await startAuthProxy({
    routes: { [AIA_OCSP]: `${rig.server?.apiBase ?? ''}/ocsp` },
    trustCa: readFileSync(rig.server?.caCertPath ?? '', 'utf8')
  })
}, 90_000)

afterAll(async () => {
  await proxy?.close()
  await rig?.stop()
})

/** Starts the app core with `policy` as the machine policy; the card's own OCSP URL is used. */
function envWith(policy: object, name: string): NodeJS.ProcessEnv {
  const policyFile = join(home, `${name}.json`)
  writeFileSync(policyFile, JSON.stringify(policy))
  const env: NodeJS.ProcessEnv = { ...rig.env, ECCS_POLICY_FILE: policyFile, ECCS_USER_DATA_DIR: join(home, name) }
  delete env.ECCS_OCSP_URL // the rig's override: here the certificate's own AIA URL is the point
  return env
}

async function coreWith(policy: object, name: string): Promise<{ core: AppCore; statuses: CardStatus[] }> {
  const env = envWith(policy, name)
  const config = loadCoreConfig(env, {
    version: 'test',
    resourcesDir: findResourcesDir(__dirname),
    userDataDir: join(home, name)
  })
  expect(config.settings.networkBlocked).toBeNull()
  const core = createAppCore(config, 'web', { env })
  const statuses: CardStatus[] = []
  core.onEvent((event, payload) => {
    if (event === 'card:status') statuses.push(payload as CardStatus)
  })
  core.start()
  return { core, statuses }
}

async function settled(statuses: CardStatus[]): Promise<CardStatus> {
  await expect.poll(() => statuses.at(-1)?.phase, { timeout: 20_000 }).toMatch(/^(ready|chain-invalid)$/)
  return statuses.at(-1) as CardStatus
}

describe('field case: revocation ignores proxy', () => {
  it('policy proxy + hard-fail: the card OCSP request goes through the proxy → ready', async () => {
    const n = proxy.log.length
    const { core, statuses } = await coreWith({ proxy: proxy.url, revocationCheck: 'hard-fail' }, 'via-proxy')
    try {
      await rig.cards[0].insert(MOICA_ATR)
      const s = await settled(statuses)
      expect(s.phase).toBe('ready')
      expect(s.chain).toBe('valid')
      expect(proxy.log.slice(n)).toContainEqual({ method: 'POST', target: AIA_OCSP, auth: 'none', status: 200 })
      // The API goes the same way (the core's health check): a CONNECT to server-mock.
      const api = new URL(rig.server?.url ?? '').host
      await expect
        .poll(() => proxy.log.slice(n).some((e) => e.method === 'CONNECT' && e.target === api && e.status === 200), {
          timeout: 15_000
        })
        .toBe(true)
    } finally {
      await rig.cards[0].remove()
      await core.stop()
    }
  })

  it('the same card with proxy "direct": the responder is unreachable → revocation-unknown, nothing through the proxy', async () => {
    const n = proxy.log.length
    const { core, statuses } = await coreWith({ proxy: 'direct', revocationCheck: 'hard-fail' }, 'direct')
    try {
      await rig.cards[0].insert(MOICA_ATR)
      const s = await settled(statuses)
      expect(s.phase).toBe('chain-invalid')
      expect(s.chain).toBe('revocation-unknown')
      expect(proxy.log.slice(n)).toEqual([])
    } finally {
      await rig.cards[0].remove()
      await core.stop()
    }
  })

  it('doctor probes the same path: the card OCSP URL and the API through the policy proxy', async () => {
    const n = proxy.log.length
    await rig.cards[0].insert(MOICA_ATR)
    try {
      const report = await runDoctor({
        env: envWith({ proxy: proxy.url, revocationCheck: 'hard-fail' }, 'doctor'),
        version: 'test',
        resourcesDir: findResourcesDir(__dirname)
      })
      const revocation = report.checks.find((c) => c.id === 'revocation')
      expect(revocation?.status).toBe('ok')
      expect(revocation?.detail).toContain(`${AIA_OCSP} answered`)
      expect(revocation?.detail).toContain(`via proxy 127.0.0.1:${proxy.port}`)
      expect(report.checks.find((c) => c.id === 'api')?.detail).toContain(`via proxy 127.0.0.1:${proxy.port}`)
      expect(proxy.log.slice(n).map((e) => `${e.method} ${e.target}`)).toEqual(
        expect.arrayContaining([`GET ${AIA_OCSP}`, `CONNECT ${new URL(rig.server?.url ?? '').host}`])
      )
    } finally {
      await rig.cards[0].remove()
    }
  })
})
