import { EventEmitter } from 'node:events'
import * as pkcs11js from 'pkcs11js'
import { describe, expect, it } from 'vitest'
import type { CardStatus } from '../../src/shared/card-status'
import { AppError } from '../../src/shared/errors'
import { CardService } from '../../src/main/card/card-service'
import { pinBytes } from '../../src/main/card/card-signer'
import { findToken, login, openOnToken, type P11 } from '../../src/main/card/pkcs11-ops'
import type { ReaderMonitor, ReaderSnapshot } from '../../src/main/card/reader-monitor'
import type { TokenContents } from '../../src/main/card/worker-protocol'

// PIN rules against a TEST DOUBLE of the pkcs11js surface: SoftHSM never sets FINAL_TRY or LOCKED,
// so those token-flag paths can only be driven by a fake. (The real SoftHSM path — success and
// CKR_PIN_INCORRECT with COUNT_LOW — is covered in test/rig/card-signing.test.ts.)

const MAX_TRIES = 3

class FakeToken {
  logins: (string | undefined)[] = []
  logouts = 0
  loggedIn = false
  triesLeft = MAX_TRIES
  pinPad = false
  constructor(
    readonly pin = '123456',
    readonly serial = 'abc123',
    initialised = true
  ) {
    this.initialised = initialised
  }
  initialised: boolean
  flags(): number {
    let f = this.initialised ? pkcs11js.CKF_TOKEN_INITIALIZED : 0
    if (this.pinPad) f |= pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH
    if (this.triesLeft < MAX_TRIES) f |= pkcs11js.CKF_USER_PIN_COUNT_LOW
    if (this.triesLeft === 1) f |= pkcs11js.CKF_USER_PIN_FINAL_TRY
    if (this.triesLeft === 0) f |= pkcs11js.CKF_USER_PIN_LOCKED
    return f
  }
}

function ckr(code: number, name: string): Error {
  return Object.assign(new Error(name), { code })
}

/** Just enough of pkcs11js.PKCS11 for login and token lookup; slot handle = index byte. */
function fakeP11(tokens: FakeToken[]): P11 {
  const slot = (h: Buffer): FakeToken => tokens[h[0] ?? 0] as FakeToken
  const unused = (): never => {
    throw new Error('not used by these tests')
  }
  return {
    C_Initialize: () => undefined,
    C_Finalize: () => undefined,
    C_GetSlotList: () => tokens.map((_, i) => Buffer.from([i])),
    C_GetTokenInfo: (h: Buffer) => {
      const t = slot(h)
      return {
        label: t.initialised ? 'HiCOS PKI Smart Card\0\0\0\0' : ''.padEnd(32, ' '),
        serialNumber: `${t.serial}    `,
        flags: t.flags()
      } as unknown as pkcs11js.TokenInfo
    },
    C_OpenSession: (h: Buffer) => h,
    C_CloseSession: () => undefined,
    C_Login: (session: Buffer, _type: number, pin?: string) => {
      const t = slot(session)
      t.logins.push(pin)
      if (t.loggedIn) throw ckr(pkcs11js.CKR_USER_ALREADY_LOGGED_IN, 'CKR_USER_ALREADY_LOGGED_IN')
      if (t.triesLeft === 0) throw ckr(pkcs11js.CKR_PIN_LOCKED, 'CKR_PIN_LOCKED')
      if (!t.pinPad && pin !== t.pin) {
        t.triesLeft--
        throw ckr(pkcs11js.CKR_PIN_INCORRECT, 'CKR_PIN_INCORRECT')
      }
      t.triesLeft = MAX_TRIES
      t.loggedIn = true
    },
    C_Logout: (session: Buffer) => {
      slot(session).logouts++
      slot(session).loggedIn = false
    },
    C_FindObjectsInit: unused,
    C_FindObjects: unused,
    C_FindObjectsFinal: unused,
    C_GetAttributeValue: unused,
    C_SignInit: unused,
    C_Sign: unused
  } as unknown as P11
}

function attempt(token: FakeToken, pin: string | null): string {
  const p11 = fakeP11([token])
  const { slot, state } = findToken(p11, null)
  try {
    login(p11, slot, p11.C_OpenSession(slot, 0), state, pin === null ? null : Buffer.from(pin))
    return 'ok'
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    return err.detail ? `${err.code} ${err.detail}` : err.code
  }
}

describe('PIN login and token flags (fake token)', () => {
  it('wrong PIN: attempts are reported from the flags after each try, never retried', () => {
    const t = new FakeToken()
    expect(attempt(t, '000000')).toBe('PIN_INCORRECT attempts-left=unknown;count-low')
    expect(t.logins).toHaveLength(1)
    expect(attempt(t, '000000')).toBe('PIN_FINAL_TRY attempts-left=1')
    expect(attempt(t, '000000')).toBe('PIN_LOCKED')
    expect(t.logins).toHaveLength(3) // one C_Login per user attempt
  })

  it('a locked token is refused before any C_Login', () => {
    const t = new FakeToken()
    t.triesLeft = 0
    expect(attempt(t, '123456')).toBe('PIN_LOCKED')
    expect(t.logins).toHaveLength(0)
  })

  it('CKR_PIN_LOCKED from the token is PIN_LOCKED', () => {
    const t = new FakeToken()
    const p11 = fakeP11([t])
    const { slot, state } = findToken(p11, null)
    t.triesLeft = 0 // locked by someone else after detection read the flags
    expect(() => login(p11, slot, slot, state, Buffer.from('123456'))).toThrow(/PIN_LOCKED/)
  })

  it('the right PIN clears COUNT_LOW', () => {
    const t = new FakeToken()
    attempt(t, '000000')
    expect(attempt(t, '123456')).toBe('ok')
    expect(t.flags() & pkcs11js.CKF_USER_PIN_COUNT_LOW).toBe(0)
  })

  it('PIN pad: C_Login without a PIN (protected authentication path)', () => {
    const t = new FakeToken()
    t.pinPad = true
    expect(attempt(t, null)).toBe('ok')
    expect(t.logins).toEqual([undefined])
  })

  it('a stale login left by a killed worker is logged out so this PIN is really checked', () => {
    const t = new FakeToken()
    t.loggedIn = true
    expect(attempt(t, '000000')).toBe('PIN_INCORRECT attempts-left=unknown;count-low')
    expect(t.logouts).toBe(1)
    t.loggedIn = true
    expect(attempt(t, '123456')).toBe('ok')
  })

  it('finds the token by serial, skipping uninitialised tokens, with NUL/blank padding stripped', () => {
    const p11 = fakeP11([new FakeToken('1', 'blank', false), new FakeToken('1', 'first'), new FakeToken('1', 'second')])
    expect(findToken(p11, null).state).toMatchObject({ serial: 'first', label: 'HiCOS PKI Smart Card' })
    expect(findToken(p11, { serial: 'second', label: 'HiCOS PKI Smart Card' }).slot).toEqual(Buffer.from([2]))
    expect(() => findToken(p11, { serial: 'gone', label: 'HiCOS PKI Smart Card' })).toThrow(/TOKEN_NOT_FOUND/)
  })

  it('opens on the hinted slot directly, and falls back to a search (before any C_Login) when it is stale', () => {
    const tokens = [new FakeToken('1', 'first'), new FakeToken('1', 'second')]
    const p11 = fakeP11(tokens)
    const infoCalls: number[] = []
    const getInfo = p11.C_GetTokenInfo.bind(p11)
    p11.C_GetTokenInfo = (h) => (infoCalls.push(h[0] ?? -1), getInfo(h))
    const target = { serial: 'second', label: 'HiCOS PKI Smart Card' }
    const hinted = openOnToken(p11, target, Buffer.from([1]))
    expect(hinted.session).toEqual(Buffer.from([1]))
    expect(infoCalls).toEqual([]) // no slot scan on the fast path
    // The slot went away (e.g. a reader re-enumerated): C_OpenSession refuses, we search again.
    const open = p11.C_OpenSession.bind(p11)
    p11.C_OpenSession = (h, flags) => {
      if (h[0] === 7) throw ckr(pkcs11js.CKR_SLOT_ID_INVALID, 'CKR_SLOT_ID_INVALID')
      return open(h, flags)
    }
    const found = openOnToken(p11, target, Buffer.from([7]))
    expect(found.slot).toEqual(Buffer.from([1]))
    expect(infoCalls.length).toBeGreaterThan(0)
    expect(tokens.every((t) => t.logins.length === 0)).toBe(true)
    // Anything else from C_OpenSession is not "stale": it propagates.
    p11.C_OpenSession = () => {
      throw ckr(pkcs11js.CKR_DEVICE_ERROR, 'CKR_DEVICE_ERROR')
    }
    expect(() => openOnToken(p11, target, Buffer.from([1]))).toThrow(/CKR_DEVICE_ERROR/)
  })
})

describe('PIN format (before the card is touched)', () => {
  it('accepts 6–8 digits only; a PIN-pad reader takes no PIN', () => {
    expect(pinBytes('123456', false)?.toString()).toBe('123456')
    expect(pinBytes('12345678', false)?.toString()).toBe('12345678')
    for (const bad of ['12345', '123456789', '１２３４５６', '12345x', '', null, 123456]) {
      expect(() => pinBytes(bad, false)).toThrow(/PIN_FORMAT/)
    }
    expect(pinBytes('', true)).toBeNull()
    expect(() => pinBytes('123456', true)).toThrow(/PIN_FORMAT/)
  })
})

describe('detection reports a locked card before asking for a PIN', () => {
  it('publishes PIN_LOCKED instead of ready', async () => {
    const monitor = Object.assign(new EventEmitter(), {
      start: () => undefined,
      stop: () => undefined
    }) as unknown as ReaderMonitor
    const contents: TokenContents = {
      module: process.execPath,
      serial: 's',
      label: 'HiCOS PKI Smart Card',
      pinPad: false,
      pinCountLow: true,
      pinFinalTry: false,
      pinLocked: true,
      certificates: []
    }
    const service = new CardService({
      monitor,
      table: {
        version: 1,
        cards: [{ id: 'moica', name: 'MOICA', atr: '3B', mask: 'FF', modules: 'm' }],
        moduleSets: {}
      },
      trust: { anchors: [], intermediates: [] },
      preferredModules: [process.execPath], // any existing file: the fake read never loads it
      readToken: async () => contents
    })
    const seen: CardStatus[] = []
    service.on('status', (s: CardStatus) => seen.push(s))
    service.start()
    const snap: ReaderSnapshot = { service: 'up', readers: [{ name: 'R', cardPresent: true, atr: '3B' }] }
    monitor.emit('change', snap)
    await expect.poll(() => service.current().problem).toBe('PIN_LOCKED')
    expect(service.current().phase).toBe('card-locked')
    expect(service.signingToken()).toBeNull()
    expect(seen.map((s) => s.phase)).not.toContain('ready')
  })
})
