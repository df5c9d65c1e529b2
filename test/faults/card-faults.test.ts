import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CardPhase, CardStatus } from '../../src/shared/card-status'
import { AppError } from '../../src/shared/errors'
import { createCardLayer, type CardLayer } from '../../src/main/card/card-layer'
import type { DecisionFields, PinEntry } from '../../src/main/card/card-operations'
import { ReaderMonitor } from '../../src/main/card/reader-monitor'
import { loginSpy, type LoginSpy } from '../rig/login-spy'
import { startRig, type Rig } from '../rig/rig'
import { MOICA_ATR } from '../rig/virtual-card'
import { waitForPhase } from '../rig/wait-for-phase'

// Fault suite, card part (issue 14 item 7): the card pulled at random moments during login,
// single and batch signing — no hang, never a second C_Login for one PIN entry, ready again after
// re-insertion — and pcscd killed and restarted (card ready again ≤ 3 s after pcscd is back, with
// the app's default reconnect back-off). C_Login is counted by OpenSC's pkcs11-spy in front of
// SoftHSM. Bounded: 3 × 18 pulls and 5 pcscd kills (about a minute on a 2-core CI box). The random
// moments come from a seeded generator (FAULTS_SEED=… reproduces a run); a table of counts is
// printed at the end.

const RUNS_PER_KIND = 18
const PCSCD_KILLS = 5
/** An operation not settled by then counts as a hang. */
const HANG_MS = 15_000
const READY_MS = 10_000
const RECOVERY_GOAL_MS = 3_000

const resources = join(__dirname, '../../resources')
const NONCE = Buffer.alloc(32, 3).toString('base64')
const ORIGIN = 'https://127.0.0.1:48123'
const SEED = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000)

let rig: Rig
let spy: LoginSpy
let layer: CardLayer

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with FAULTS_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = prng(SEED)
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const waitFor = (phase: CardPhase, ms: number): Promise<CardStatus> => waitForPhase(layer.service, phase, ms)

type Kind = 'login' | 'single' | 'batch'
const BATCH = 120
/** About how long pcscd (polling vpcd) takes to notice a pulled card. */
const NOTICE_MS = 700

interface Tally {
  runs: number
  outcomes: Record<string, number>
  hangs: number
  extraLogins: number
  logins: number
  notReadyAgain: number
  maxReadyMs: number
}
const tallies: Record<Kind, Tally> = {
  login: { runs: 0, outcomes: {}, hangs: 0, extraLogins: 0, logins: 0, notReadyAgain: 0, maxReadyMs: 0 },
  single: { runs: 0, outcomes: {}, hangs: 0, extraLogins: 0, logins: 0, notReadyAgain: 0, maxReadyMs: 0 },
  batch: { runs: 0, outcomes: {}, hangs: 0, extraLogins: 0, logins: 0, notReadyAgain: 0, maxReadyMs: 0 }
}
const pcscd = { kills: 0, recoveredMs: [] as number[], notRecovered: 0, crashes: 0 }

function decision(i: number): DecisionFields {
  return {
    origin: ORIGIN,
    nonce: NONCE,
    delegationId: `dlg_FLT${String(i).padStart(7, '0')}`,
    houseBillNo: `FL${1000 + i}`,
    decision: 'MATCH',
    reason: ''
  }
}

async function entry(operation: 'login' | 'decision'): Promise<PinEntry> {
  const p = await layer.operations.promptPin(operation)
  return { pin: rig.token.pin, ticket: p.ticket, ...(p.confirmRequired ? { acknowledgedTries: p.tries } : {}) }
}

function operation(kind: Kind, pin: PinEntry): Promise<unknown> {
  if (kind === 'login') return layer.operations.authenticate({ origin: ORIGIN, nonce: NONCE }, pin, 'login')
  const items = kind === 'single' ? [decision(1)] : Array.from({ length: BATCH }, (_, i) => decision(i))
  return layer.operations.signDecisions(items, pin).then((results) => {
    // A batch that finished reports every row; none may be silently missing.
    if (results.length !== items.length) throw new Error(`${results.length} results for ${items.length} items`)
    return results
  })
}

/** Settles with the outcome's name, or 'HANG' after HANG_MS. */
async function outcome(p: Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<string>((r) => (timer = setTimeout(() => r('HANG'), HANG_MS)))
  const done = p.then(
    () => 'ok',
    (err: unknown) => (err instanceof AppError ? err.code : `THROWN ${(err as Error)?.message}`)
  )
  try {
    return await Promise.race([done, hang])
  } finally {
    clearTimeout(timer)
  }
}

/** Median duration of an unpulled operation, to spread the pulls over its whole length. */
async function calibrate(kind: Kind): Promise<number> {
  const ms: number[] = []
  for (let i = 0; i < 3; i++) {
    const pin = await entry(kind === 'login' ? 'login' : 'decision')
    const t = performance.now()
    await operation(kind, pin)
    ms.push(performance.now() - t)
  }
  return ms.sort((a, b) => a - b)[1] ?? 50
}

beforeAll(async () => {
  rig = await startRig({ server: false })
  spy = loginSpy(rig.dir)
  Object.assign(process.env, rig.env, spy.env)
  layer = createCardLayer({
    resourcesDir: resources,
    devTrustDir: rig.trustDir,
    preferredModules: [spy.module]
    // the app's default reader-monitor back-off: recovery times below are what users get
  })
  layer.start()
  await rig.cards[0].insert(MOICA_ATR)
  await waitFor('ready', 20_000)
}, 90_000)

afterAll(async () => {
  await layer?.stop()
  await rig?.stop()
  const rows = (Object.keys(tallies) as Kind[]).map((k) => {
    const t = tallies[k]
    const outcomes = Object.entries(t.outcomes)
      .map(([c, n]) => `${c}=${n}`)
      .join(' ')
    return `| ${k.padEnd(6)} | ${String(t.runs).padStart(4)} | ${String(t.hangs).padStart(5)} | ${String(t.logins).padStart(7)} | ${String(t.extraLogins).padStart(13)} | ${String(t.notReadyAgain).padStart(15)} | ${String(Math.round(t.maxReadyMs)).padStart(12)} | ${outcomes}`
  })
  const rec = pcscd.recoveredMs
  console.log(
    [
      `card faults (seed ${SEED}; batch = ${BATCH} statements)`,
      '| kind   | runs | hangs | C_Login | extra C_Login | not ready again | max ready ms | outcomes',
      ...rows,
      `pcscd killed+restarted: ${pcscd.kills}, recovered ≤ ${RECOVERY_GOAL_MS} ms: ${rec.filter((m) => m <= RECOVERY_GOAL_MS).length}, ` +
        `not recovered: ${pcscd.notRecovered}, max recovery ${Math.round(Math.max(0, ...rec))} ms, process crashes: ${pcscd.crashes}`
    ].join('\n')
  )
})

describe('card pulled at random moments (login, single, batch)', () => {
  for (const kind of ['login', 'single', 'batch'] as const) {
    it(`${kind}: ${RUNS_PER_KIND} pulls — no hang, at most one C_Login per PIN entry, ready again after re-insertion`, async () => {
      const span = (await calibrate(kind)) * 1.3
      const t = tallies[kind]
      for (let run = 0; run < RUNS_PER_KIND; run++) {
        const pin = await entry(kind === 'login' ? 'login' : 'decision') // the dialog was shown with the card in
        const before = spy.logins()
        // pcscd notices a pull only at its next poll of the reader (~400 ms with vpcd), so the pull
        // moment ranges from NOTICE_MS before the operation starts to the end of its run: the
        // removal then lands anywhere from "before the ticket is redeemed" to "after the last C_Sign".
        const offset = random() * (span + NOTICE_MS) - NOTICE_MS
        let op: Promise<unknown>
        let pulled: Promise<void>
        if (offset < 0) {
          pulled = rig.cards[0].remove()
          await sleep(-offset)
          op = operation(kind, pin)
        } else {
          op = operation(kind, pin)
          await sleep(offset)
          pulled = rig.cards[0].remove()
        }
        const result = await outcome(op)
        await pulled
        t.runs++
        t.outcomes[result] = (t.outcomes[result] ?? 0) + 1
        if (result === 'HANG') t.hangs++
        // Let a worker cut off mid-operation finish its clean-up before counting.
        await waitFor('no-card', READY_MS)
        while (layer.client.busy) await sleep(20)
        const logins = spy.logins() - before
        t.logins += logins
        t.extraLogins += Math.max(0, logins - 1)
        const insertedAt = performance.now()
        await rig.cards[0].insert(MOICA_ATR)
        try {
          await waitFor('ready', READY_MS)
          t.maxReadyMs = Math.max(t.maxReadyMs, performance.now() - insertedAt)
        } catch {
          t.notReadyAgain++
          await waitFor('ready', READY_MS) // let the next run start from a ready card, or fail here
        }
      }
      expect(t.runs).toBe(RUNS_PER_KIND)
      expect(t.hangs).toBe(0)
      expect(t.extraLogins).toBe(0)
      expect(t.notReadyAgain).toBe(0)
      // Only the two honest outcomes: finished before the pull, or stopped by it.
      expect(Object.keys(t.outcomes).filter((c) => c !== 'ok' && c !== 'CARD_REMOVED')).toEqual([])
      // And the card still signs afterwards with the same PIN (no try was wasted).
      expect(await outcome(operation(kind, await entry(kind === 'login' ? 'login' : 'decision')))).toBe('ok')
    }, 180_000)
  }
})

describe('pcscd killed and restarted', () => {
  it(`${PCSCD_KILLS} kills: the card is ready again ≤ ${RECOVERY_GOAL_MS} ms after pcscd is back; monitors stopped in the tick they started do not crash the process`, async () => {
    const crashes = (err: Error): void => {
      pcscd.crashes++
      console.error('[card-faults] uncaught:', err.message)
    }
    process.on('uncaughtException', crashes)
    try {
      for (let k = 0; k < PCSCD_KILLS; k++) {
        // Monitors stopped in the same tick they started (core.stop() right after start()):
        // pcsclite still announces their readers later; the coming kill must not end the process.
        for (let m = 0; m < 3; m++) {
          const early = new ReaderMonitor()
          early.start()
          early.stop()
        }
        await sleep(50)
        await rig.pcscd.kill()
        pcscd.kills++
        await waitFor('pcsc-unavailable', READY_MS)
        await sleep(random() * 6_000) // pcscd down for 0–6 s (past the back-off's longest step)
        await rig.pcscd.restart()
        const backAt = performance.now()
        await rig.cards[0].insert(MOICA_ATR) // the virtual card reconnects to the new vpcd
        try {
          await waitFor('ready', READY_MS)
          pcscd.recoveredMs.push(performance.now() - backAt)
        } catch {
          pcscd.notRecovered++
        }
      }
      await sleep(500) // late native errors from the killed daemon's readers would surface here
    } finally {
      process.off('uncaughtException', crashes)
    }
    expect(pcscd.crashes).toBe(0)
    expect(pcscd.notRecovered).toBe(0)
    expect(Math.max(...pcscd.recoveredMs)).toBeLessThanOrEqual(RECOVERY_GOAL_MS)
    expect(
      await outcome(layer.operations.authenticate({ origin: ORIGIN, nonce: NONCE }, await entry('login'), 'login'))
    ).toBe('ok')
  }, 120_000)
})
