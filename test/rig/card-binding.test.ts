import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CardPhase, CardStatus } from '../../src/shared/card-status'
import { AppError } from '../../src/shared/errors'
import { createCardLayer, type CardLayer } from '../../src/main/card/card-layer'
import type { PinEntry, DecisionFields } from '../../src/main/card/card-operations'
import { loginSpy, type LoginSpy } from './login-spy'
import { startRig, type Rig } from './rig'
import { provisionCard, type SoftHsmCard } from './softhsm'
import { MOICA_ATR } from './virtual-card'
import { waitForPhase } from './wait-for-phase'

// Issue 14, "the PIN is bound to a card", on the rig: two SoftHSM tokens (card A: PIN 123456,
// card B: another token serial and PIN 654321, the same citizen certificate — as alike as two
// cards can look) behind one virtual reader. "Swapping" pulls the virtual card, points SoftHSM at
// the other token directory (read at C_Initialize, which detection redoes for a new card) and
// inserts again. Every C_Login that reaches SoftHSM is counted through OpenSC's pkcs11-spy.

const resources = join(__dirname, '../../resources')
const NONCE = Buffer.alloc(32, 5).toString('base64')
let rig: Rig
let cardA: SoftHsmCard
let cardB: SoftHsmCard
let spy: LoginSpy
let layer: CardLayer
let origin: string
/** C_Login calls counted while card B was in the reader. */
let loginsOnB = 0

const waitFor = (phase: CardPhase, timeoutMs = 15_000): Promise<CardStatus> =>
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

async function entry(pin: string, operation: 'login' | 'decision' = 'login'): Promise<PinEntry> {
  const p = await layer.operations.promptPin(operation)
  return { pin, ticket: p.ticket, ...(p.confirmRequired ? { acknowledgedTries: p.tries } : {}) }
}

/** Pulls the card in reader 0 and inserts `card` instead; resolves when it is detected as ready. */
async function insert(card: SoftHsmCard): Promise<CardStatus> {
  await rig.cards[0].remove()
  await waitFor('no-card')
  process.env.SOFTHSM2_CONF = card.conf // SoftHSM reads it at the next C_Initialize (detection of the new card)
  await rig.cards[0].insert(MOICA_ATR)
  const ready = await waitFor('ready')
  expect(layer.service.signingToken()?.target.serial).toBe(card.tokenSerial)
  return ready
}

/** Runs `fn` with card B in the reader and adds the C_Logins counted meanwhile to loginsOnB. */
async function onB<T>(fn: () => Promise<T>): Promise<T> {
  const before = spy.logins()
  try {
    return await fn()
  } finally {
    loginsOnB += spy.logins() - before
  }
}

function decision(i: number): DecisionFields {
  return {
    origin,
    nonce: NONCE,
    delegationId: `dlg_SWAP${String(i).padStart(6, '0')}`,
    houseBillNo: `SW${1000 + i}`,
    decision: 'MATCH',
    reason: ''
  }
}

beforeAll(async () => {
  rig = await startRig({ server: false })
  cardA = rig.token
  cardB = await provisionCard(rig.pki.citizens.valid, { dir: join(rig.dir, 'softhsm-b'), pin: '654321' })
  expect(cardB.tokenSerial).not.toBe(cardA.tokenSerial)
  spy = loginSpy(rig.dir)
  Object.assign(process.env, rig.env, spy.env)
  origin = 'https://127.0.0.1:48123'
  layer = createCardLayer({
    resourcesDir: resources,
    devTrustDir: rig.trustDir,
    preferredModules: [spy.module],
    monitor: { backoffMs: [100, 200, 400] },
    pinGate: { wrongPinDelaysMs: [1_500] }
  })
  layer.start()
  await rig.cards[0].insert(MOICA_ATR)
  await waitFor('ready', 20_000)
}, 90_000)

afterAll(async () => {
  await layer?.stop()
  await rig?.stop()
  console.log(`[card-binding] C_Login calls that reached card B while A's PIN was pending: ${loginsOnB}`)
})

describe('the PIN goes only to the card shown when it was asked', () => {
  it('the pkcs11-spy counts a real login', async () => {
    const before = spy.logins()
    const sig = await layer.operations.authenticate({ origin, nonce: NONCE }, await entry(cardA.pin), 'login')
    expect(sig.algorithm).toBe('RS256')
    expect(spy.logins() - before).toBe(1)
  })

  it('card A swapped for card B between the PIN dialog and signing (the preparation window): CARD_CHANGED, 0 C_Login', async () => {
    const single = await entry(cardA.pin, 'decision') // the dialog named card A
    const batch = await entry(cardA.pin, 'decision') // (a second dialog: the first ticket is now void)
    await insert(cardB)
    await onB(async () => {
      expect((await rejection(layer.operations.signDecisions([decision(1)], single))).code).toBe('PIN_TICKET_INVALID')
      expect((await rejection(layer.operations.signDecisions([decision(2), decision(3)], batch))).code).toBe(
        'CARD_CHANGED'
      )
      // A stale ticket for card A cannot be replayed either.
      expect((await rejection(layer.operations.authenticate({ origin, nonce: NONCE }, batch, 'login'))).code).toBe(
        'PIN_TICKET_INVALID'
      )
    })
    // Card B still has all its tries: no PIN reached it.
    expect((await layer.client.readToken(spy.module)).pinCountLow).toBe(false)
  })

  it("control: the counting sees a PIN that does reach card B (a ticket taken for B, A's PIN typed)", async () => {
    const before = spy.logins()
    const forB = await entry(cardA.pin) // the dialog now names card B
    expect((await rejection(layer.operations.authenticate({ origin, nonce: NONCE }, forB, 'login'))).code).toBe(
      'PIN_INCORRECT'
    )
    expect(spy.logins() - before).toBe(1)
    expect((await layer.client.readToken(spy.module)).pinCountLow).toBe(true) // it cost B a try
    await new Promise((r) => setTimeout(r, 1_600)) // the pause after a wrong PIN
    await layer.operations.authenticate({ origin, nonce: NONCE }, await entry(cardB.pin), 'login') // B's own PIN restores it
    expect((await layer.client.readToken(spy.module)).pinCountLow).toBe(false)
  })

  it("the worker itself refuses card A's PIN on card B (main-thread checks bypassed): 0 C_Login", async () => {
    const a = { module: spy.module, keyId: '01', items: [Buffer.from('x')] }
    const target = { serial: cardA.tokenSerial, label: cardA.tokenLabel }
    const certSha256 = layer.service.signingToken()?.identity.certSha256 ?? ''
    await onB(async () => {
      const err = await rejection(
        layer.client.sign({ ...a, target, expect: { certSha256, allowTries: 'ok' }, pin: Buffer.from(cardA.pin) })
      )
      expect(['TOKEN_NOT_FOUND', 'CARD_CHANGED']).toContain(err.code)
    })
  })

  it('back to card A: a ticket taken before pulling and re-inserting the same card → CARD_REMOVED, 0 C_Login', async () => {
    await insert(cardA)
    const pending = await entry(cardA.pin, 'decision')
    await insert(cardA) // same card, same reader, same ATR: only the detection generation differs
    const before = spy.logins()
    expect((await rejection(layer.operations.signDecisions([decision(4)], pending))).code).toBe('CARD_REMOVED')
    await rig.cards[0].remove()
    await waitFor('no-card')
    const none = await rejection(layer.operations.promptPin('login'))
    expect(none.code).toBe('NOT_READY')
    expect(spy.logins() - before).toBe(0)
    await rig.cards[0].insert(MOICA_ATR)
    await waitFor('ready')
  })

  it('Must show — the card-swap test: 0 PINs reach the second card', () => {
    expect(loginsOnB).toBe(0)
  })
})

describe('PIN safety whatever the caller does: wrong PINs and repeated submissions', () => {
  it('after a wrong PIN: old tickets void, no new ticket during the pause, then only with the tries acknowledged', async () => {
    const start = spy.logins()
    const wrong = await entry('000000')
    expect((await rejection(layer.operations.authenticate({ origin, nonce: NONCE }, wrong, 'login'))).code).toBe(
      'PIN_INCORRECT'
    )
    expect(spy.logins() - start).toBe(1)

    // A caller hammering the core: 30 submissions right away — tickets replayed, made up, or fresh.
    const outcomes: Record<string, number> = {}
    for (let i = 0; i < 30; i++) {
      const kind = i % 3
      const attempt =
        kind === 0
          ? layer.operations.authenticate({ origin, nonce: NONCE }, wrong, 'login')
          : kind === 1
            ? layer.operations.authenticate(
                { origin, nonce: NONCE },
                { pin: cardA.pin, ticket: 'A'.repeat(43) },
                'login'
              )
            : layer.operations.promptPin('login')
      const c = (await rejection(attempt)).code
      outcomes[c] = (outcomes[c] ?? 0) + 1
    }
    expect(outcomes).toEqual({ PIN_TICKET_INVALID: 20, PIN_THROTTLED: 10 })
    expect(spy.logins() - start).toBe(1)

    // After the pause: the card is at COUNT_LOW and the ticket says so; unacknowledged → refused.
    await new Promise((r) => setTimeout(r, 1_600))
    const low = await layer.operations.promptPin('login')
    expect(low).toMatchObject({ tries: 'count-low', confirmRequired: true })
    expect(
      (
        await rejection(
          layer.operations.authenticate({ origin, nonce: NONCE }, { pin: cardA.pin, ticket: low.ticket }, 'login')
        )
      ).code
    ).toBe('PIN_CONFIRM_REQUIRED')
    expect(spy.logins() - start).toBe(1)
    const ack = await layer.operations.promptPin('login')
    await layer.operations.authenticate(
      { origin, nonce: NONCE },
      { pin: cardA.pin, ticket: ack.ticket, acknowledgedTries: 'count-low' },
      'login'
    )
    expect(spy.logins() - start).toBe(2)
    expect((await layer.operations.promptPin('login')).tries).toBe('ok') // the good PIN cleared COUNT_LOW
  })
})
