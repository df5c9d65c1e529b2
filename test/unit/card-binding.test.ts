import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import * as pkcs11js from 'pkcs11js'
import { describe, expect, it } from 'vitest'
import type { CardStatus } from '../../src/shared/card-status'
import { AppError } from '../../src/shared/errors'
import type { PinTries } from '../../src/shared/pin-ticket'
import { pcscInstallHint, pcscInstalled, type CardIdentity } from '../../src/main/card/card-service'
import type { SigningToken } from '../../src/main/card/card-signer'
import { PinGate } from '../../src/main/card/pin-gate'
import { checkBeforeLogin, type P11, type TokenState } from '../../src/main/card/pkcs11-ops'
import { ReaderMonitor } from '../../src/main/card/reader-monitor'
import type { PCSCLite } from 'pcsclite'

// Issue 14, "the PIN is bound to a card", without hardware: the PIN gate's tickets, card binding,
// tries confirmation and throttle against a stand-in card; the worker's last check before C_Login
// against a TEST DOUBLE of the pkcs11js surface (SoftHSM never reports FINAL_TRY); the reader
// monitor's teardown against a stand-in pcsclite that, like the real one, announces readers on a
// later tick. The real card swap on SoftHSM is test/rig/card-binding.test.ts.

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p)
    return 'ok'
  } catch (err) {
    if (err instanceof AppError) return err.code
    throw err
  }
}

const CERT_A = Buffer.from('certificate of card A')
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

function identity(over: Partial<CardIdentity> = {}): CardIdentity {
  return { reader: 'Reader 0', atr: '3BB8', tokenSerial: 'serial-A', certSha256: sha(CERT_A), generation: 1, ...over }
}
function token(over: Partial<CardIdentity> = {}, locked = false): SigningToken {
  return {
    module: 'm',
    target: { serial: over.tokenSerial ?? 'serial-A', label: 'L' },
    keyId: '01',
    certificateDer: CERT_A,
    pinPad: false,
    pinLocked: locked,
    identity: identity(over)
  }
}
const STATUS = {
  phase: 'ready',
  readers: [],
  certificate: { subjectName: '王小明', cardSerial: 'TP1', issuer: 'MOICA', notBefore: '', notAfter: '' },
  updatedAt: ''
} as unknown as CardStatus

function gateWith(opts: { tries?: PinTries; delays?: number[] } = {}) {
  let now = 1_000_000
  let current: SigningToken | null = token()
  let tries: PinTries = opts.tries ?? 'ok'
  const gate = new PinGate({
    token: () => current,
    status: () => STATUS,
    tokenState: async (t): Promise<TokenState> => ({
      ...t.target,
      pinPad: false,
      pinCountLow: tries !== 'ok',
      pinFinalTry: tries === 'final-try',
      pinLocked: false
    }),
    now: () => now,
    wrongPinDelaysMs: opts.delays ?? [3_000, 10_000, 30_000]
  })
  return {
    gate,
    tick: (ms: number) => (now += ms),
    setCard: (t: SigningToken | null) => (current = t),
    setTries: (t: PinTries) => (tries = t)
  }
}

describe('PIN gate: tickets', () => {
  it('describes the card; a ticket is single-use and only for its own operation', async () => {
    const { gate } = gateWith()
    const p = await gate.prompt('decision')
    expect(p).toMatchObject({
      operation: 'decision',
      tries: 'ok',
      triesLeft: null,
      confirmRequired: false,
      card: { reader: 'Reader 0', subjectName: '王小明', cardSerial: 'TP1' }
    })
    expect(p.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(gate.redeem({ ticket: p.ticket }, 'decision').identity).toEqual(identity())
    expect(await code(() => gate.redeem({ ticket: p.ticket }, 'decision'))).toBe('PIN_TICKET_INVALID') // used
    const q = await gate.prompt('login')
    expect(await code(() => gate.redeem({ ticket: q.ticket }, 'decision'))).toBe('PIN_TICKET_INVALID') // other operation
    expect(await code(() => gate.redeem({ ticket: 'x'.repeat(43) }, 'login'))).toBe('PIN_TICKET_INVALID') // never issued
  })

  it('a new dialog voids the older ticket; tickets expire after 5 minutes', async () => {
    const { gate, tick } = gateWith()
    const first = await gate.prompt('login')
    const second = await gate.prompt('login')
    expect(await code(() => gate.redeem({ ticket: first.ticket }, 'login'))).toBe('PIN_TICKET_INVALID')
    tick(5 * 60_000)
    expect(await code(() => gate.redeem({ ticket: second.ticket }, 'login'))).toBe('PIN_TICKET_INVALID')
  })

  it('no ticket without a ready card or for a locked one', async () => {
    const { gate, setCard } = gateWith()
    setCard(null)
    expect(await code(gate.prompt('login'))).toBe('NOT_READY')
    setCard(token({}, true))
    expect(await code(gate.prompt('login'))).toBe('PIN_LOCKED')
  })
})

describe('PIN gate: the card bound to the ticket', () => {
  it('removal → CARD_REMOVED; another token serial, certificate, ATR or reader → CARD_CHANGED; re-inserted → CARD_REMOVED', async () => {
    const { gate, setCard } = gateWith()
    const cases: [SigningToken | null, string][] = [
      [null, 'CARD_REMOVED'],
      [token({ tokenSerial: 'serial-B' }), 'CARD_CHANGED'],
      [token({ certSha256: sha(Buffer.from('B')) }), 'CARD_CHANGED'],
      [token({ atr: '3BFF' }), 'CARD_CHANGED'],
      [token({ reader: 'Reader 1' }), 'CARD_CHANGED'],
      [token({ generation: 2 }), 'CARD_REMOVED'], // the same card, pulled and inserted again
      [token(), 'ok']
    ]
    for (const [card, expected] of cases) {
      setCard(token())
      const p = await gate.prompt('decision')
      setCard(card)
      expect(await code(() => gate.redeem({ ticket: p.ticket }, 'decision')), expected).toBe(expected)
    }
  })

  it('the grant re-checks the binding later (after preparation): a swap after redeeming is still caught', async () => {
    const { gate, setCard } = gateWith()
    const grant = gate.redeem({ ticket: (await gate.prompt('decision')).ticket }, 'decision')
    expect(grant.check().identity.tokenSerial).toBe('serial-A')
    setCard(token({ tokenSerial: 'serial-B' }))
    expect(await code(() => grant.check())).toBe('CARD_CHANGED')
  })
})

describe('PIN gate: wrong PINs', () => {
  it('a wrong PIN voids outstanding tickets and pauses prompts 3 s, then 10 s, then 30 s; a good PIN resets', async () => {
    const { gate, tick } = gateWith()
    const wrong = async (): Promise<void> => {
      gate.redeem({ ticket: (await gate.prompt('login')).ticket }, 'login')
      gate.settle(new AppError('PIN_INCORRECT'))
    }
    await wrong()
    expect(await code(gate.prompt('login'))).toBe('PIN_THROTTLED')
    tick(2_999)
    expect(await code(gate.prompt('login'))).toBe('PIN_THROTTLED')
    tick(1)
    const p = await gate.prompt('login')
    gate.settle(new AppError('PIN_INCORRECT')) // e.g. a wrong PIN from an operation started earlier
    expect(await code(() => gate.redeem({ ticket: p.ticket }, 'login'))).toBe('PIN_TICKET_INVALID')
    tick(9_999)
    expect(await code(gate.prompt('login'))).toBe('PIN_THROTTLED')
    tick(1)
    await wrong()
    tick(29_999)
    const err = await gate.prompt('login').catch((e: AppError) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).detail).toBe('retry-after-ms=1')
    tick(1)
    gate.redeem({ ticket: (await gate.prompt('login')).ticket }, 'login')
    gate.settle(null)
    await wrong()
    tick(3_000) // back to the first pause
    await gate.prompt('login')
  })

  it('COUNT_LOW and FINAL_TRY need the same tries state acknowledged; ok never escalates', async () => {
    const { gate, setTries } = gateWith({ tries: 'count-low' })
    let p = await gate.prompt('login')
    expect(p).toMatchObject({ tries: 'count-low', confirmRequired: true, triesLeft: null })
    expect(await code(() => gate.redeem({ ticket: p.ticket }, 'login'))).toBe('PIN_CONFIRM_REQUIRED')
    p = await gate.prompt('login')
    expect(gate.redeem({ ticket: p.ticket, acknowledgedTries: 'count-low' }, 'login').allowTries).toBe('count-low')
    setTries('final-try')
    p = await gate.prompt('login')
    expect(p).toMatchObject({ tries: 'final-try', triesLeft: 1 })
    expect(await code(() => gate.redeem({ ticket: p.ticket, acknowledgedTries: 'count-low' }, 'login'))).toBe(
      'PIN_CONFIRM_REQUIRED'
    )
    p = await gate.prompt('login')
    expect(gate.redeem({ ticket: p.ticket, acknowledgedTries: 'final-try' }, 'login').allowTries).toBe('final-try')
    setTries('ok')
    p = await gate.prompt('login')
    // Acknowledging more than was shown does not widen what the worker accepts.
    expect(gate.redeem({ ticket: p.ticket, acknowledgedTries: 'final-try' }, 'login').allowTries).toBe('ok')
  })
})

// ---- the worker's last check before C_Login (fake token) ----

interface FakeCard {
  serial: string
  cert: Buffer
  countLow: boolean
  finalTry: boolean
  locked: boolean
}

function fakeP11(card: FakeCard): P11 & { logins: number } {
  const fake = {
    logins: 0,
    C_GetTokenInfo: () =>
      ({
        label: 'HiCOS PKI Smart Card'.padEnd(32, ' '),
        serialNumber: card.serial.padEnd(16, ' '),
        flags:
          pkcs11js.CKF_TOKEN_INITIALIZED |
          (card.countLow ? pkcs11js.CKF_USER_PIN_COUNT_LOW : 0) |
          (card.finalTry ? pkcs11js.CKF_USER_PIN_FINAL_TRY : 0) |
          (card.locked ? pkcs11js.CKF_USER_PIN_LOCKED : 0)
      }) as unknown as pkcs11js.TokenInfo,
    C_FindObjectsInit: () => undefined,
    C_FindObjects: (_s: Buffer, max: number) =>
      max > 0 && !fake.found ? ((fake.found = true), [Buffer.from([9])]) : [],
    C_FindObjectsFinal: () => {
      fake.found = false
    },
    C_GetAttributeValue: () => [{ type: pkcs11js.CKA_VALUE, value: card.cert }],
    C_Login: () => {
      fake.logins++
    },
    found: false
  }
  return fake as unknown as P11 & { logins: number }
}

describe('worker: last check before C_Login', () => {
  const target = { serial: 'serial-A', label: 'HiCOS PKI Smart Card' }
  const slot = Buffer.from([0])
  const run = (card: FakeCard, allowTries: PinTries = 'ok') => {
    const p11 = fakeP11(card)
    return code(() => checkBeforeLogin(p11, slot, slot, target, '01', { certSha256: sha(CERT_A), allowTries }))
  }
  const good: FakeCard = { serial: 'serial-A', cert: CERT_A, countLow: false, finalTry: false, locked: false }

  it('passes the card the PIN was typed for', async () => {
    expect(await run(good)).toBe('ok')
  })
  it('refuses another token or another certificate with CARD_CHANGED', async () => {
    expect(await run({ ...good, serial: 'serial-B' })).toBe('CARD_CHANGED')
    expect(await run({ ...good, cert: Buffer.from('certificate of card B') })).toBe('CARD_CHANGED')
  })
  it('refuses a tries state worse than acknowledged (a PIN wasted elsewhere meanwhile), and a locked card', async () => {
    expect(await run({ ...good, countLow: true })).toBe('PIN_CONFIRM_REQUIRED')
    expect(await run({ ...good, countLow: true }, 'count-low')).toBe('ok')
    expect(await run({ ...good, countLow: true, finalTry: true }, 'count-low')).toBe('PIN_CONFIRM_REQUIRED')
    expect(await run({ ...good, countLow: true, finalTry: true }, 'final-try')).toBe('ok')
    expect(await run({ ...good, locked: true }, 'final-try')).toBe('PIN_LOCKED')
  })
})

// ---- reader monitor teardown and the PC/SC hint ----

class StandInReader extends EventEmitter {
  readonly SCARD_STATE_PRESENT = 0x20
  readonly SCARD_STATE_MUTE = 0x200
  closed = false
  constructor(readonly name: string) {
    super()
  }
  close(): void {
    this.closed = true
  }
}

/** Like pcsclite(): the context lists its readers on the next tick, whether or not it was closed. */
function standInPcsclite(made: StandInReader[]): () => PCSCLite {
  return () => {
    const p = Object.assign(new EventEmitter(), {
      readers: {} as Record<string, StandInReader>,
      close: () => undefined
    })
    process.nextTick(() => {
      const r = new StandInReader('Stand-in Reader 00')
      p.readers[r.name] = r
      made.push(r)
      p.emit('reader', r)
    })
    return p as unknown as PCSCLite
  }
}

describe('reader monitor: stop() in the same tick as start()', () => {
  it('readers announced after stop get an error handler and are closed (no crash on a later RPC transport error)', async () => {
    const made: StandInReader[] = []
    const monitor = new ReaderMonitor({ pcscFactory: standInPcsclite(made) })
    monitor.start()
    monitor.stop()
    await new Promise((r) => setImmediate(r))
    expect(made).toHaveLength(1)
    const reader = made[0] as StandInReader
    expect(reader.listenerCount('error')).toBeGreaterThan(0)
    expect(reader.closed).toBe(true)
    expect(() =>
      reader.emit('error', new Error('SCardGetStatusChange error: RPC transport error.(0x8010002F)'))
    ).not.toThrow()
  })

  it('a running monitor still watches its readers', async () => {
    const made: StandInReader[] = []
    const monitor = new ReaderMonitor({ pcscFactory: standInPcsclite(made) })
    monitor.start()
    await new Promise((r) => setImmediate(r))
    expect(monitor.snapshot().readers.map((r) => r.name)).toEqual(['Stand-in Reader 00'])
    expect(made[0]?.closed).toBe(false)
    monitor.stop()
    expect(made[0]?.closed).toBe(true)
  })
})

describe('PC/SC hint: not installed vs not running', () => {
  it('on Linux says install when pcscd is absent, and restart when it is installed', () => {
    expect(pcscInstalled('linux', () => false)).toBe(false)
    expect(pcscInstalled('linux', (p) => p === '/usr/sbin/pcscd')).toBe(true)
    expect(pcscInstallHint('linux', false)).toMatch(/not installed: sudo apt install pcscd/)
    expect(pcscInstallHint('linux', true)).toMatch(/installed but not running.*systemctl restart/)
    expect(pcscInstallHint('linux', true)).not.toMatch(/apt install/)
    expect(pcscInstalled('win32', () => false)).toBe(true)
    expect(pcscInstallHint('win32')).toMatch(/SCardSvr/)
  })
})

describe('IPC contract: every PIN travels with a ticket', () => {
  it('PIN requests without a well-formed ticket are refused at the boundary, naming the field only', async () => {
    const { createDispatcher } = await import('../../src/main/ipc/dispatcher')
    let reached = 0
    const dispatch = createDispatcher({
      'session:loginCertificate': async () => {
        reached++
        throw new AppError('INTERNAL')
      },
      'delegations:decideBatch': async () => {
        reached++
        return { results: [] }
      },
      'card:pinPrompt': async () => {
        reached++
        throw new AppError('NOT_READY')
      }
    })
    const item = { id: 'dlg_ABCDEFGH12', decision: 'MATCH' }
    for (const [channel, payload] of [
      ['session:loginCertificate', { pin: '123456' }],
      ['session:loginCertificate', { pin: '123456', ticket: 'short' }],
      ['session:loginCertificate', { pin: '123456', ticket: 'A'.repeat(43), acknowledgedTries: 'many' }],
      ['delegations:decideBatch', { items: [item], pin: '123456' }]
    ] as const) {
      const r = await dispatch(channel, payload)
      expect(r.ok, JSON.stringify(payload)).toBe(false)
      if (!r.ok) {
        expect(r.error.code).toBe('INVALID_REQUEST')
        expect(r.error.detail).not.toContain('123456')
      }
    }
    expect(await dispatch('card:pinPrompt', { operation: 'sign-anything' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' }
    })
    expect(reached).toBe(0)
  })
})
