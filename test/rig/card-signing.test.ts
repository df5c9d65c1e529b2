import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, getChallenge, loginPassword } from '../../server-mock/test-helpers'
import {
  buildAuthSignedData as mockAuthData,
  buildDecisionStatement as mockStatement
} from '../../server-mock/protocol'
import type { CardPhase, CardStatus } from '../../src/shared/card-status'
import { AppError } from '../../src/shared/errors'
import type { PinOperation } from '../../src/shared/pin-ticket'
import type { PinEntry, DecisionFields, PerItemResult } from '../../src/main/card/card-operations'
import { createCardLayer, type CardLayer } from '../../src/main/card/card-layer'
import { CardSigner } from '../../src/main/card/card-signer'
import { Pkcs11Client } from '../../src/main/card/pkcs11-client'
import { buildAuthSignedData, buildDecisionStatement } from '../../src/main/card/statement'
import { startRig, type Rig } from './rig'
import { MOICA_ATR } from './virtual-card'
import { waitForPhase } from './wait-for-phase'

// PIN, signing, busy/cancel/timeout and card removal through the PKCS#11 worker, on the rig's
// SoftHSM token behind a virtual reader; signatures are checked with the openssl CLI and by
// server-mock's own verifier.

const resources = join(__dirname, '../../resources')
const NONCE = Buffer.alloc(32, 7).toString('base64')
let rig: Rig
let layer: CardLayer
let origin: string

const waitFor = (phase: CardPhase, timeoutMs = 10_000): Promise<CardStatus> =>
  waitForPhase(layer.service, phase, timeoutMs)

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  throw new Error('expected a rejection')
}

function opensslVerifies(data: Buffer, signatureB64: string, certDerB64: string): boolean {
  const dir = rig.dir
  const certPem = `-----BEGIN CERTIFICATE-----\n${certDerB64.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`
  writeFileSync(join(dir, 'cert.pem'), certPem)
  const pub = execFileSync('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-pubkey', '-noout'])
  writeFileSync(join(dir, 'pub.pem'), pub)
  writeFileSync(join(dir, 'data.bin'), data)
  writeFileSync(join(dir, 'sig.bin'), Buffer.from(signatureB64, 'base64'))
  try {
    const out = execFileSync(
      'openssl',
      ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.bin'), join(dir, 'data.bin')],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }
    )
    return out.includes('Verified OK')
  } catch {
    return false
  }
}

/**
 * What the PIN dialog does when shown: a ticket for the ready card (waiting out the pause after a
 * wrong PIN, acknowledging COUNT_LOW as the dialog's confirmation would), plus the typed PIN.
 */
async function entry(
  pin: string = rig.token.pin,
  operation: PinOperation = 'login',
  signer: Pick<CardSigner, 'promptPin'> = layer.operations
): Promise<PinEntry> {
  for (;;) {
    try {
      const p = await signer.promptPin(operation)
      return { pin, ticket: p.ticket, ...(p.confirmRequired ? { acknowledgedTries: p.tries } : {}) }
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'PIN_THROTTLED') throw err
      await new Promise((r) => setTimeout(r, Number(/retry-after-ms=(\d+)/.exec(err.detail ?? '')?.[1] ?? 100)))
    }
  }
}

function decision(i: number, overrides: Partial<DecisionFields> = {}): DecisionFields {
  return {
    origin,
    nonce: NONCE,
    delegationId: `dlg_TEST${String(i).padStart(6, '0')}`,
    houseBillNo: `SF${1000 + i}`,
    decision: 'MATCH',
    reason: '',
    ...overrides
  }
}

beforeAll(async () => {
  rig = await startRig({ server: true })
  Object.assign(process.env, rig.env) // libpcsclite and SoftHSM read these at first use
  origin = rig.server?.origin ?? 'https://127.0.0.1:1'
  layer = createCardLayer({
    resourcesDir: resources,
    devTrustDir: rig.trustDir,
    preferredModules: [rig.token.module],
    monitor: { backoffMs: [100, 200, 400] },
    pinGate: { wrongPinDelaysMs: [200] }
  })
  layer.start()
  await rig.cards[0].insert(MOICA_ATR)
  await waitFor('ready', 20_000)
}, 90_000)

afterAll(async () => {
  await layer?.stop()
  await rig?.stop()
})

describe('PKCS#11 worker: token read', () => {
  it('reads the token identity and both certificates off the main thread, skipping the blank token', async () => {
    const contents = await layer.client.readToken(rig.token.module)
    expect(contents.label).toBe('HiCOS PKI Smart Card')
    expect(contents.serial).toBe(rig.token.tokenSerial)
    expect(contents.certificates.map((c) => c.id).sort()).toEqual(['01', '02'])
    expect(contents.pinLocked).toBe(false)
    expect(contents.pinPad).toBe(false)
    expect(layer.service.signingToken()?.keyId).toBe('01')
  })

  it('names the module file when it does not exist', async () => {
    const err = await rejection(layer.client.readToken('/nonexistent/libHicos.so'))
    expect(err.code).toBe('MODULE_MISSING')
    expect(err.detail).toContain('/nonexistent/libHicos.so')
  })
})

describe('signing bound to origin and purpose', () => {
  it('authenticates: signs SHA-256(origin) ‖ SHA-256(nonce), verified by openssl', async () => {
    const sig = await layer.operations.authenticate({ origin, nonce: NONCE }, await entry(), 'login')
    expect(sig.algorithm).toBe('RS256')
    expect(Buffer.from(sig.certificate, 'base64').equals(rig.token.citizen.signCertDer)).toBe(true)
    const data = buildAuthSignedData({ origin, nonce: NONCE })
    expect(data.equals(mockAuthData(origin, NONCE))).toBe(true) // cross-check with server-mock's builder
    expect(opensslVerifies(data, sig.signature, sig.certificate)).toBe(true)
    expect(opensslVerifies(mockAuthData('https://evil.example', NONCE), sig.signature, sig.certificate)).toBe(false)
  })

  it('refuses a bad nonce or origin and a malformed PIN without touching the card', async () => {
    let calls = 0
    const counting = new CardSigner({
      client: {
        sign: async () => (calls++, []),
        cancel: () => undefined,
        tokenState: (m, t) => layer.client.tokenState(m, t)
      },
      token: () => layer.service.signingToken(),
      status: () => layer.service.current()
    })
    expect(
      (
        await rejection(
          counting.authenticate({ origin, nonce: 'c2hvcnQ=' }, await entry(rig.token.pin, 'login', counting), 'login')
        )
      ).code
    ).toBe('INVALID_REQUEST')
    expect(
      (
        await rejection(
          counting.authenticate(
            { origin: `${origin}/path`, nonce: NONCE },
            await entry(rig.token.pin, 'login', counting),
            'login'
          )
        )
      ).code
    ).toBe('INVALID_REQUEST')
    for (const pin of ['12345', '123456789', '12345a', ' 123456', '']) {
      expect(
        (await rejection(counting.authenticate({ origin, nonce: NONCE }, await entry(pin, 'login', counting), 'login')))
          .code
      ).toBe('PIN_FORMAT')
    }
    expect(calls).toBe(0)
  })

  it('a wrong PIN is PIN_INCORRECT (count low on SoftHSM), submitted once, and the right PIN works afterwards', async () => {
    const err = await rejection(layer.operations.authenticate({ origin, nonce: NONCE }, await entry('654321'), 'login'))
    expect(err.code).toBe('PIN_INCORRECT')
    expect(err.detail).toContain('count-low')
    const contents = await layer.client.readToken(rig.token.module)
    expect(contents.pinCountLow).toBe(true)
    await layer.operations.authenticate({ origin, nonce: NONCE }, await entry(), 'login')
    expect((await layer.client.readToken(rig.token.module)).pinCountLow).toBe(false)
  })

  it('signs a batch of decisions after one login, per item, with progress; statements verified by openssl', async () => {
    const items = [
      decision(1),
      decision(2, { decision: 'MISMATCH', reason: '品名不符：收到 Cafe\u0301 杯\r\n路徑 C:\\tmp' }),
      decision(3, { decision: 'MATCH', reason: 'not allowed' }), // refused: reason with MATCH
      decision(4)
    ]
    const progress: [number, number][] = []
    const results = await layer.operations.signDecisions(items, await entry(rig.token.pin, 'decision'), (d, t) =>
      progress.push([d, t])
    )
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true])
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3]
    ])
    for (const i of [0, 1, 3]) {
      const r = results[i]
      const fields = items[i]
      if (!r?.ok || !fields) throw new Error('expected a signature')
      const statement = buildDecisionStatement(fields)
      expect(statement.equals(mockStatement(fields))).toBe(true)
      expect(opensslVerifies(statement, r.value.signature, r.value.certificate)).toBe(true)
    }
  })

  it('a streamed batch: one login, chunks signed as they arrive (the card stays reserved meanwhile), verified by openssl', async () => {
    const chunks = [
      [decision(11), decision(12)],
      [decision(13, { decision: 'MISMATCH', reason: '數量不符' })],
      [decision(14)]
    ]
    const signed: { k: number; ok: boolean[] }[] = []
    let busyWhileWaiting = ''
    async function* arriving(): AsyncGenerator<DecisionFields[]> {
      for (const [k, chunk] of chunks.entries()) {
        if (k === 1) busyWhileWaiting = (await rejection(layer.operations.promptPin('login'))).code
        await new Promise((r) => setTimeout(r, 30)) // the platform prepares the next rows
        yield chunk
      }
    }
    const results: PerItemResult[] = []
    await layer.operations.signDecisionStream(arriving(), await entry(rig.token.pin, 'decision'), (k, r) => {
      signed.push({ k, ok: r.map((x) => x.ok) })
      results.push(...r)
    })
    expect(signed).toEqual([
      { k: 0, ok: [true, true] },
      { k: 1, ok: [true] },
      { k: 2, ok: [true] }
    ])
    expect(busyWhileWaiting).toBe('CARD_BUSY')
    chunks.flat().forEach((fields, i) => {
      const r = results[i]
      if (!r?.ok) throw new Error('expected a signature')
      expect(opensslVerifies(buildDecisionStatement(fields), r.value.signature, r.value.certificate)).toBe(true)
    })
    // Over: the card takes the next PIN prompt again.
    expect((await layer.operations.promptPin('login')).operation).toBe('login')
  })

  it('cancel while a streamed batch still waits for its first rows: OPERATION_CANCELLED, the card free again', async () => {
    async function* never(): AsyncGenerator<DecisionFields[]> {
      await new Promise(() => undefined) // the platform never answers the preparation
      yield []
    }
    const run = layer.operations.signDecisionStream(never(), await entry(rig.token.pin, 'decision'), () => undefined)
    await new Promise((r) => setTimeout(r, 50))
    expect((await rejection(layer.operations.promptPin('login'))).code).toBe('CARD_BUSY') // reserved meanwhile
    layer.operations.cancel()
    expect((await rejection(run)).code).toBe('OPERATION_CANCELLED')
    expect((await layer.operations.promptPin('login')).operation).toBe('login') // not held
  })

  it('server-mock accepts a decision and a certificate login signed through the card', async () => {
    if (!rig.server) throw new Error('rig started without server-mock')
    const api = new ApiClient(rig.server)
    api.token = await loginPassword(api, 'demo', 'Demo1234')
    const created = await api.post('/dev/delegations', { account: 'demo', count: 1, houseBillNo: 'SF900000000777' })
    const d = created.body.items[0] as { id: string; houseBillNo: string }
    const ch = await getChallenge(api, 'decision', { delegationId: d.id })
    const reason = '非本人訂購\n請退回'
    const [r] = await layer.operations.signDecisions(
      [
        {
          origin: rig.server.origin,
          nonce: ch.nonce,
          delegationId: d.id,
          houseBillNo: d.houseBillNo,
          decision: 'MISMATCH',
          reason
        }
      ],
      await entry(rig.token.pin, 'decision')
    )
    if (!r?.ok) throw new Error(`signing failed: ${JSON.stringify(r)}`)
    const res = await api.post(`/delegations/${d.id}/decision`, {
      decision: 'MISMATCH',
      reason,
      challengeId: ch.challengeId,
      certificate: r.value.certificate,
      signature: r.value.signature,
      algorithm: 'RS256',
      idempotencyKey: 'card-rig-0001'
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.confirmation).toMatchObject({
      delegationId: d.id,
      decision: 'MISMATCH',
      confirmedVia: 'certificate'
    })

    const anon = new ApiClient(rig.server)
    const login = await getChallenge(anon, 'login')
    const auth = await layer.operations.authenticate(
      { origin: rig.server.origin, nonce: login.nonce },
      await entry(),
      'login'
    )
    const session = await anon.post('/sessions/certificate', { challengeId: login.challengeId, ...auth })
    expect(session.status, JSON.stringify(session.body)).toBe(201)
  })
})

describe('one operation at a time, cancel, timeout, card removal', () => {
  const many = (n: number): DecisionFields[] => Array.from({ length: n }, (_, i) => decision(i))

  it('the main thread stays responsive while the card works', async () => {
    const h = monitorEventLoopDelay({ resolution: 10 })
    h.enable()
    const results = await layer.operations.signDecisions(many(1500), await entry(rig.token.pin, 'decision'))
    h.disable()
    expect(results.every((r) => r.ok)).toBe(true)
    // 1500 signatures take seconds; the event loop never waited on them (generous bound for a busy CI box).
    expect(h.max / 1e6).toBeLessThan(250)
  })

  it('a second operation while one runs gets CARD_BUSY', async () => {
    const first = layer.operations.signDecisions(many(300), await entry(rig.token.pin, 'decision'))
    // A second PIN dialog cannot even get a ticket while the card signs.
    expect((await rejection(layer.operations.promptPin('login'))).code).toBe('CARD_BUSY')
    expect((await first).every((r) => r.ok)).toBe(true)
  })

  it('cancel fails the running operation with OPERATION_CANCELLED; the next one works', async () => {
    let cancelled = false
    const run = layer.operations.signDecisions(many(20_000), await entry(rig.token.pin, 'decision'), () => {
      if (!cancelled) {
        cancelled = true
        layer.operations.cancel()
      }
    })
    expect((await rejection(run)).code).toBe('OPERATION_CANCELLED')
    const sig = await layer.operations.authenticate({ origin, nonce: NONCE }, await entry(), 'login')
    expect(opensslVerifies(buildAuthSignedData({ origin, nonce: NONCE }), sig.signature, sig.certificate)).toBe(true)
    // The terminated worker's login was ended: a wrong PIN is still checked, not waved through.
    expect(
      (await rejection(layer.operations.authenticate({ origin, nonce: NONCE }, await entry('000000'), 'login'))).code
    ).toBe('PIN_INCORRECT')
    await layer.operations.authenticate({ origin, nonce: NONCE }, await entry(), 'login') // clears COUNT_LOW again
  })

  it('a timed-out operation fails with OPERATION_TIMEOUT and the worker is replaced', async () => {
    // The timeout is the longest the card may stay silent (a long batch that keeps signing is not
    // cut off): a stream whose next rows never come leaves the card silent, logged in.
    const client = new Pkcs11Client({ operationTimeoutMs: 3_000 })
    const signer = new CardSigner({
      client,
      token: () => layer.service.signingToken(),
      status: () => layer.service.current()
    })
    try {
      const started = Date.now()
      const stalled = (async function* () {
        yield many(5)
        await new Promise(() => undefined)
      })()
      const entered = await entry(rig.token.pin, 'decision', signer)
      const err = await rejection(signer.signDecisionStream(stalled, entered, () => undefined))
      expect(err.code).toBe('OPERATION_TIMEOUT')
      expect(Date.now() - started).toBeLessThan(15_000)
      const sig = await signer.authenticate(
        { origin, nonce: NONCE },
        await entry(rig.token.pin, 'login', signer),
        'login'
      )
      expect(sig.algorithm).toBe('RS256')
    } finally {
      await client.close()
    }
  })

  it('card removed mid-sign → CARD_REMOVED without hanging; works again after reinsertion', async () => {
    let pulled = false
    const run = layer.operations.signDecisions(many(40_000), await entry(rig.token.pin, 'decision'), () => {
      if (!pulled) {
        pulled = true
        void rig.cards[0].remove()
      }
    })
    const err = await rejection(run)
    expect(err.code).toBe('CARD_REMOVED')
    await waitFor('no-card')
    expect((await rejection(layer.operations.promptPin('login'))).code).toBe('NOT_READY') // no card: no PIN dialog ticket
    await rig.cards[0].insert(MOICA_ATR)
    await waitFor('ready')
    const sig = await layer.operations.authenticate({ origin, nonce: NONCE }, await entry(), 'login')
    expect(opensslVerifies(buildAuthSignedData({ origin, nonce: NONCE }), sig.signature, sig.certificate)).toBe(true)
  })
})
