import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as pkcs11js from 'pkcs11js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/errors'
import { createCardLayer, type CardLayer } from '../../src/main/card/card-layer'
import type { DecisionFields, PerItemResult, PinEntry } from '../../src/main/card/card-operations'
import { defaultWorkerEntry } from '../../src/main/card/pkcs11-client'
import { loginSpy, type LoginSpy } from '../rig/login-spy'
import { startRig, type Rig } from '../rig/rig'
import { provisionCard, SOFTHSM_MODULE } from '../rig/softhsm'
import { MOICA_ATR } from '../rig/virtual-card'
import { waitForPhase } from '../rig/wait-for-phase'

// Fault suite, streamed batch (issue 17): the card layer's streamed signing (one C_Login, chunks
// sent while later rows are still prepared) aborted between chunks — the rows never come, the user
// cancels, the card is pulled, the worker dies, the row source fails — on the rig's real worker
// and SoftHSM token behind pcscd + vpcd. After each: the stream settles (no hang) with the right
// code, the rows signed before it are reported once, exactly one C_Login reached the token, the
// token is no longer logged in (SoftHSM's login state is per process: a probe session in this
// process sees it), and the card is usable again (no CARD_BUSY left behind).

const resources = join(__dirname, '../../resources')
const NONCE = Buffer.alloc(32, 9).toString('base64')
const ORIGIN = 'https://127.0.0.1:48123'
const TIMEOUT_MS = 2_000
const HANG_MS = 10_000

let rig: Rig
let spy: LoginSpy
let layer: CardLayer
let crashFlag: string

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function decision(i: number): DecisionFields {
  return {
    origin: ORIGIN,
    nonce: NONCE,
    delegationId: `dlg_STR${String(i).padStart(7, '0')}`,
    houseBillNo: `ST${1000 + i}`,
    decision: 'MATCH',
    reason: ''
  }
}

async function entry(): Promise<PinEntry> {
  const p = await layer.operations.promptPin('decision')
  return { pin: rig.token.pin, ticket: p.ticket, ...(p.confirmRequired ? { acknowledgedTries: p.tries } : {}) }
}

// PKCS#11 v2.40 §5.7 session states (pkcs11js does not export them).
const CKS_RO_USER_FUNCTIONS = 1
const CKS_RW_USER_FUNCTIONS = 3

/** True when the test token is logged in in this process (a probe session's state). */
function loggedIn(): boolean {
  const p11 = new pkcs11js.PKCS11()
  p11.load(SOFTHSM_MODULE)
  try {
    p11.C_Initialize()
  } catch (err) {
    if (!String((err as Error).message).includes('CKR_CRYPTOKI_ALREADY_INITIALIZED')) throw err
  }
  const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).serialNumber.trim() === rig.token.tokenSerial)
  if (!slot) throw new Error('test token not found')
  const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION)
  try {
    const state = p11.C_GetSessionInfo(session).state
    return state === CKS_RO_USER_FUNCTIONS || state === CKS_RW_USER_FUNCTIONS
  } finally {
    p11.C_CloseSession(session)
  }
}

async function eventually(check: () => boolean, ms = 3_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (check()) return true
  return check()
}

/**
 * A stream whose first chunk (`first` rows) is signed, then `between` happens while the worker
 * waits for the next chunk; the next chunk never comes (or the source fails when `fail`).
 */
async function stalledStream(
  first: number,
  between: () => Promise<void> | void,
  fail = false
): Promise<{ code: string; signed: PerItemResult[]; logins: number; loggedInBetween: boolean }> {
  const before = spy.logins()
  const signed: PerItemResult[] = []
  let loggedInBetween = false
  let firstSigned!: () => void
  const gotFirst = new Promise<void>((r) => (firstSigned = r))
  const source = (async function* () {
    yield Array.from({ length: first }, (_, i) => decision(i))
    await gotFirst
    loggedInBetween = loggedIn() // the probe sees the stream's open login
    await between()
    if (fail) throw new AppError('NETWORK_UNREACHABLE', 'lost while preparing')
    await new Promise(() => undefined) // the rows never come
  })()
  const run = layer.operations
    .signDecisionStream(source, await entry(), (_k, results) => {
      signed.push(...results)
      firstSigned()
    })
    .then(
      () => 'ok',
      (err: unknown) => (err instanceof AppError ? err.code : `THROWN ${String(err)}`)
    )
  const code = await Promise.race([run, sleep(HANG_MS).then(() => 'HANG')])
  return { code, signed, logins: spy.logins() - before, loggedInBetween }
}

/** The card signs again (no CARD_BUSY left, the login state fresh). */
async function usableAgain(): Promise<void> {
  const out = await layer.operations.signDecisions([decision(99)], await entry())
  expect(out.map((r) => r.ok)).toEqual([true])
}

beforeAll(async () => {
  rig = await startRig({ server: false })
  spy = loginSpy(rig.dir)
  Object.assign(process.env, rig.env, spy.env)
  crashFlag = join(rig.dir, 'crash-worker')
  // The real worker, behind a listener that kills the thread at a signMore while the flag file exists.
  const real = defaultWorkerEntry(join(__dirname, '../../src/main/card'))
  const script = [
    `const { parentPort } = require('node:worker_threads')`,
    `const { existsSync } = require('node:fs')`,
    `parentPort.on('message', (req) => { if (req.op === 'signMore' && existsSync(${JSON.stringify(crashFlag)})) process.exit(9) })`,
    real.eval ? real.script : `require(${JSON.stringify(real.script)})`
  ].join('\n')
  layer = createCardLayer({
    resourcesDir: resources,
    devTrustDir: rig.trustDir,
    preferredModules: [spy.module],
    client: { operationTimeoutMs: TIMEOUT_MS, workerEntry: { script, eval: true } }
  })
  layer.start()
  await rig.cards[0].insert(MOICA_ATR)
  await waitForPhase(layer.service, 'ready', 20_000)
}, 90_000)

afterAll(async () => {
  await layer?.stop()
  await rig?.stop()
})

describe('streamed batch aborted between chunks (real worker, SoftHSM, pcscd + vpcd)', () => {
  it('the next rows never come: OPERATION_TIMEOUT, first chunk reported once, logged out, card usable', async () => {
    const r = await stalledStream(3, () => undefined)
    expect(r).toMatchObject({ code: 'OPERATION_TIMEOUT', logins: 1, loggedInBetween: true })
    expect(r.signed.map((x) => x.ok)).toEqual([true, true, true])
    expect(await eventually(() => !loggedIn())).toBe(true)
    await usableAgain()
  })

  it('cancelled while the worker waits: OPERATION_CANCELLED, logged out, card usable', async () => {
    const r = await stalledStream(2, () => layer.operations.cancel())
    expect(r).toMatchObject({ code: 'OPERATION_CANCELLED', logins: 1, loggedInBetween: true })
    expect(r.signed).toHaveLength(2)
    expect(await eventually(() => !loggedIn())).toBe(true)
    await usableAgain()
  })

  it('the row source fails: its error, logged out at once, card usable', async () => {
    const r = await stalledStream(2, () => undefined, true)
    expect(r).toMatchObject({ code: 'NETWORK_UNREACHABLE', logins: 1 })
    expect(r.signed).toHaveLength(2)
    expect(await eventually(() => !loggedIn(), 500)).toBe(true)
    await usableAgain()
  })

  it('the worker dies at the next chunk: INTERNAL, its login logged out, card usable', async () => {
    writeFileSync(crashFlag, '')
    try {
      // The source fails, so the worker gets its closing chunk — and dies on it, still logged in.
      const r = await stalledStream(2, () => undefined, true)
      expect(r).toMatchObject({ code: 'INTERNAL', logins: 1, loggedInBetween: true })
      expect(await eventually(() => !loggedIn())).toBe(true)
    } finally {
      rmSync(crashFlag, { force: true })
    }
    await usableAgain()
  })

  it('the card pulled while the worker waits: CARD_REMOVED, logged out, ready and usable after re-insertion', async () => {
    const r = await stalledStream(2, async () => {
      await rig.cards[0].remove()
    })
    expect(r).toMatchObject({ code: 'CARD_REMOVED', logins: 1, loggedInBetween: true })
    expect(r.signed).toHaveLength(2)
    expect(await eventually(() => !loggedIn())).toBe(true)
    await rig.cards[0].insert(MOICA_ATR)
    await waitForPhase(layer.service, 'ready', 15_000)
    await usableAgain()
  })

  it('pcscd killed while the worker waits: the stream ends (no hang), logged out, ready and usable after pcscd is back', async () => {
    const r = await stalledStream(2, async () => {
      await rig.pcscd.kill()
    })
    console.log(`[stream-faults] pcscd killed between chunks: ${r.code}`)
    expect(r).toMatchObject({ logins: 1, loggedInBetween: true })
    expect(['CARD_REMOVED', 'OPERATION_TIMEOUT']).toContain(r.code)
    expect(r.signed).toHaveLength(2)
    expect(await eventually(() => !loggedIn())).toBe(true)
    await rig.pcscd.restart()
    await rig.cards[0].insert(MOICA_ATR)
    await waitForPhase(layer.service, 'ready', 15_000)
    await usableAgain()
  }, 30_000)

  it('card A swapped for card B while the stream waits for its first rows: CARD_CHANGED, no C_Login on either card', async () => {
    const cardB = await provisionCard(rig.pki.citizens.valid, { dir: join(rig.dir, 'softhsm-b'), pin: '654321' })
    const swapTo = async (conf: string, serial: string): Promise<void> => {
      await rig.cards[0].remove()
      await waitForPhase(layer.service, 'no-card', 15_000)
      process.env.SOFTHSM2_CONF = conf // read at the C_Initialize of the new card's detection
      await rig.cards[0].insert(MOICA_ATR)
      await waitForPhase(layer.service, 'ready', 15_000)
      expect(layer.service.signingToken()?.target.serial).toBe(serial)
    }
    const before = spy.logins()
    let swapped!: () => void
    const rowsReady = new Promise<void>((r) => (swapped = r))
    const source = (async function* () {
      await rowsReady // the rows are still being prepared when the card is swapped
      yield [decision(1), decision(2)]
    })()
    const run = layer.operations
      .signDecisionStream(source, await entry(), () => undefined)
      .then(
        () => 'ok',
        (err: unknown) => (err instanceof AppError ? err.code : `THROWN ${String(err)}`)
      )
    try {
      await swapTo(cardB.conf, cardB.tokenSerial)
      swapped()
      expect(await Promise.race([run, sleep(HANG_MS).then(() => 'HANG')])).toBe('CARD_CHANGED')
      expect(spy.logins() - before).toBe(0)
      expect((await layer.client.readToken(spy.module)).pinCountLow).toBe(false) // B lost no try
    } finally {
      swapped()
      await swapTo(rig.token.conf, rig.token.tokenSerial)
    }
    await usableAgain()
  }, 60_000)

  it('the spy saw no PIN sent without a C_Logout after it (every login closed)', () => {
    const log = existsSync(join(rig.dir, 'pkcs11-spy.log'))
      ? readFileSync(join(rig.dir, 'pkcs11-spy.log'), 'latin1')
      : ''
    const logins = (log.match(/^\d+: C_Login$/gm) ?? []).length
    const logouts = (log.match(/^\d+: C_Logout$/gm) ?? []).length
    expect(logins).toBeGreaterThan(0)
    expect(logouts).toBeGreaterThanOrEqual(logins)
  })
})
