import { createHash } from 'node:crypto'
import * as pkcs11js from 'pkcs11js'
import { AppError } from '../../shared/errors'
import type { PinTries } from '../../shared/pin-ticket'

// The PKCS#11 steps the worker performs, written against the small part of pkcs11js they use so
// that unit tests can drive them with a fake token (SoftHSM never reports FINAL_TRY or LOCKED).
// Nothing here knows about threads; everything here blocks.

export type P11 = Pick<
  pkcs11js.PKCS11,
  | 'C_Initialize'
  | 'C_Finalize'
  | 'C_GetSlotList'
  | 'C_GetTokenInfo'
  | 'C_OpenSession'
  | 'C_CloseSession'
  | 'C_Login'
  | 'C_Logout'
  | 'C_FindObjectsInit'
  | 'C_FindObjects'
  | 'C_FindObjectsFinal'
  | 'C_GetAttributeValue'
  | 'C_SignInit'
  | 'C_Sign'
>

/** How the app recognises its card across C_Initialize calls (slot IDs are not stable). */
export interface TokenTarget {
  serial: string
  label: string
}

export interface TokenState extends TokenTarget {
  /** Protected authentication path: the PIN is typed on the reader's PIN pad. */
  pinPad: boolean
  pinCountLow: boolean
  pinFinalTry: boolean
  pinLocked: boolean
}

export interface TokenCertificate {
  id: string // CKA_ID as hex
  label: string
  der: Buffer
}

/** pkcs11js pads fixed-size strings with NULs (PKCS#11 says blanks): strip both. */
export function cleanText(value: string): string {
  return value.replace(/[\0\s]+$/g, '').trim()
}

export function pkcs11Code(err: unknown): number | null {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'number' ? code : null
}

export function initialize(p11: P11): void {
  try {
    p11.C_Initialize()
  } catch (err) {
    // Another thread of this process (e.g. a worker still stuck in a native call) holds it.
    if (pkcs11Code(err) !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) throw err
  }
}

export function tokenState(info: pkcs11js.TokenInfo): TokenState {
  const f = info.flags
  return {
    serial: cleanText(info.serialNumber),
    label: cleanText(info.label),
    pinPad: (f & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH) !== 0,
    pinCountLow: (f & pkcs11js.CKF_USER_PIN_COUNT_LOW) !== 0,
    pinFinalTry: (f & pkcs11js.CKF_USER_PIN_FINAL_TRY) !== 0,
    pinLocked: (f & pkcs11js.CKF_USER_PIN_LOCKED) !== 0
  }
}

/**
 * The slot holding our token: by serial, else by label, else (no target) the first initialised one.
 * Uninitialised tokens (SoftHSM's spare slot, blank label) are never candidates.
 */
export function findToken(p11: P11, target: TokenTarget | null): { slot: pkcs11js.Handle; state: TokenState } {
  const found: { slot: pkcs11js.Handle; state: TokenState }[] = []
  for (const slot of p11.C_GetSlotList(true)) {
    const info = p11.C_GetTokenInfo(slot)
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0 || cleanText(info.label) === '') continue
    found.push({ slot, state: tokenState(info) })
  }
  const pick = target
    ? (found.find((t) => t.state.serial === target.serial) ??
      found.find((t) => !target.serial && t.state.label === target.label))
    : found[0]
  if (!pick)
    throw new AppError(
      'TOKEN_NOT_FOUND',
      target ? `token ${target.label} (${target.serial}) is not present` : 'no initialised token'
    )
  return pick
}

/** Codes from C_OpenSession meaning "that slot no longer holds a token" (a stale slot hint). */
export const STALE_SLOT = new Set<number>([
  pkcs11js.CKR_SLOT_ID_INVALID,
  pkcs11js.CKR_TOKEN_NOT_PRESENT,
  pkcs11js.CKR_DEVICE_REMOVED
])

/**
 * Opens a session on our token. With a slot hint (where the token was last time) it opens there
 * directly: C_GetSlotList + C_GetTokenInfo cost more than the rest of the path's own overhead.
 * A different card in that slot is not possible without a removal, and a removal aborts the
 * operation and re-initialises the module (dropping every hint). A hint whose slot is gone falls
 * back to the full search — before C_Login, so it never costs a PIN attempt. The returned state
 * is the target's on the hinted path; the signer reads the real flags and serial right before
 * C_Login anyway (checkBeforeLogin).
 */
export function openOnToken(
  p11: P11,
  target: TokenTarget,
  hint: pkcs11js.Handle | undefined
): { slot: pkcs11js.Handle; state: TokenState; session: pkcs11js.Handle } {
  if (hint) {
    try {
      const session = p11.C_OpenSession(hint, pkcs11js.CKF_SERIAL_SESSION)
      return {
        slot: hint,
        state: { ...target, pinPad: false, pinCountLow: false, pinFinalTry: false, pinLocked: false },
        session
      }
    } catch (err) {
      const code = pkcs11Code(err)
      if (code === null || !STALE_SLOT.has(code)) throw err
    }
  }
  const { slot, state } = findToken(p11, target)
  return { slot, state, session: p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION) }
}

function bufferAttr(p11: P11, session: pkcs11js.Handle, handle: pkcs11js.Handle, type: number): Buffer {
  const [attr] = p11.C_GetAttributeValue(session, handle, [{ type }])
  const value = attr?.value
  return Buffer.isBuffer(value) ? value : Buffer.alloc(0)
}

function findAll(p11: P11, session: pkcs11js.Handle, template: pkcs11js.Template): pkcs11js.Handle[] {
  p11.C_FindObjectsInit(session, template)
  try {
    const out: pkcs11js.Handle[] = []
    for (;;) {
      const batch = p11.C_FindObjects(session, 16)
      out.push(...batch)
      if (batch.length < 16) return out
    }
  } finally {
    p11.C_FindObjectsFinal(session)
  }
}

export function readCertificates(p11: P11, session: pkcs11js.Handle): TokenCertificate[] {
  return findAll(p11, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }]).map((h) => ({
    id: bufferAttr(p11, session, h, pkcs11js.CKA_ID).toString('hex'),
    label: cleanText(bufferAttr(p11, session, h, pkcs11js.CKA_LABEL).toString('utf8')),
    der: bufferAttr(p11, session, h, pkcs11js.CKA_VALUE)
  }))
}

/** What the user's PIN may meet: the card they were shown and the tries state they accepted. */
export interface LoginExpectation {
  /** SHA-256 (hex) of the signing certificate (CKA_ID = keyId) shown when the PIN was asked. */
  certSha256: string
  /** The worst PIN-tries state the user acknowledged ('ok' = none). */
  allowTries: PinTries
}

const TRIES_RANK: Record<PinTries, number> = { ok: 0, 'count-low': 1, 'final-try': 2 }

export function pinTries(state: Pick<TokenState, 'pinCountLow' | 'pinFinalTry'>): PinTries {
  return state.pinFinalTry ? 'final-try' : state.pinCountLow ? 'count-low' : 'ok'
}

/**
 * The last check before C_Login (issue 14): the token in this slot is the one the PIN was typed
 * for (same serial, same signing certificate), is not locked, and is not at a worse PIN-tries
 * state than the user acknowledged. Reads fresh token flags (C_GetTokenInfo), so a PIN wasted
 * elsewhere meanwhile is seen. Throws CARD_CHANGED / PIN_LOCKED / PIN_CONFIRM_REQUIRED; a card
 * gone during these reads surfaces as its PKCS#11 error (mapped to CARD_REMOVED by the worker).
 * Returns the fresh state for login().
 */
export function checkBeforeLogin(
  p11: P11,
  slot: pkcs11js.Handle,
  session: pkcs11js.Handle,
  target: TokenTarget,
  keyIdHex: string,
  expect: LoginExpectation
): TokenState {
  const state = tokenState(p11.C_GetTokenInfo(slot))
  if (state.serial !== target.serial)
    throw new AppError('CARD_CHANGED', 'token serial differs from the card the PIN was asked for')
  const certs = findAll(p11, session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
    { type: pkcs11js.CKA_ID, value: Buffer.from(keyIdHex, 'hex') }
  ])
  const matches = certs.some(
    (h) =>
      createHash('sha256')
        .update(bufferAttr(p11, session, h, pkcs11js.CKA_VALUE))
        .digest('hex') === expect.certSha256
  )
  if (!matches) throw new AppError('CARD_CHANGED', 'signing certificate differs from the card the PIN was asked for')
  if (state.pinLocked) throw new AppError('PIN_LOCKED')
  const tries = pinTries(state)
  if (TRIES_RANK[tries] > TRIES_RANK[expect.allowTries]) throw new AppError('PIN_CONFIRM_REQUIRED', `tries=${tries}`)
  return state
}

/** Turns a failed C_Login into the user-facing verdict, reading the token flags afterwards. */
export function loginError(p11: P11, slot: pkcs11js.Handle, err: unknown): AppError {
  const code = pkcs11Code(err)
  if (code === pkcs11js.CKR_PIN_LOCKED) return new AppError('PIN_LOCKED')
  if (code === pkcs11js.CKR_PIN_LEN_RANGE || code === pkcs11js.CKR_PIN_INVALID) return new AppError('PIN_FORMAT')
  if (code === pkcs11js.CKR_FUNCTION_CANCELED) return new AppError('OPERATION_CANCELLED', 'cancelled on the PIN pad')
  if (code === pkcs11js.CKR_PIN_INCORRECT) {
    let after: TokenState | null = null
    try {
      after = tokenState(p11.C_GetTokenInfo(slot))
    } catch {
      // card gone right after the attempt: the attempt still counted; say only "wrong PIN"
    }
    if (after?.pinLocked) return new AppError('PIN_LOCKED')
    if (after?.pinFinalTry) return new AppError('PIN_FINAL_TRY', 'attempts-left=1')
    // COUNT_LOW says "fewer than the maximum", not how many: the exact number is not knowable.
    return new AppError(
      'PIN_INCORRECT',
      after?.pinCountLow ? 'attempts-left=unknown;count-low' : 'attempts-left=unknown'
    )
  }
  return new AppError('SIGNING_FAILED', `C_Login: ${(err as Error)?.message ?? String(err)}`)
}

/**
 * One C_Login with the given PIN (or on the PIN pad when pin is null). A login left behind by a
 * worker that was terminated mid-operation (the module's login state is per process) is logged
 * out first, so this PIN is the one actually checked — it is still submitted exactly once.
 */
export function login(
  p11: P11,
  slot: pkcs11js.Handle,
  session: pkcs11js.Handle,
  state: TokenState,
  pin: Buffer | null
): void {
  if (state.pinLocked) throw new AppError('PIN_LOCKED')
  const attempt = (): void => {
    if (pin === null) p11.C_Login(session, pkcs11js.CKU_USER)
    else p11.C_Login(session, pkcs11js.CKU_USER, pin.toString('utf8'))
  }
  try {
    attempt()
  } catch (err) {
    if (pkcs11Code(err) !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw loginError(p11, slot, err)
    p11.C_Logout(session)
    try {
      attempt()
    } catch (again) {
      throw loginError(p11, slot, again)
    }
  }
}

/** The private key paired with the certificate: same CKA_ID, may sign. Needs a logged-in session. */
export function findSigningKey(p11: P11, session: pkcs11js.Handle, keyIdHex: string): pkcs11js.Handle {
  const [key] = findAll(p11, session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_ID, value: Buffer.from(keyIdHex, 'hex') },
    { type: pkcs11js.CKA_SIGN, value: true }
  ])
  if (!key) throw new AppError('SIGNING_FAILED', `no private key with CKA_ID ${keyIdHex}`)
  return key
}

/** RSASSA-PKCS1-v1_5 with SHA-256; the token hashes `data` itself. */
export function signSha256Rsa(p11: P11, session: pkcs11js.Handle, key: pkcs11js.Handle, data: Buffer): Uint8Array {
  p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key)
  // An exact-size copy: a pooled Buffer slice would drag its whole 8 KiB pool through postMessage.
  return new Uint8Array(p11.C_Sign(session, data, Buffer.alloc(1024)))
}

/** Log out and close, ignoring errors: the card may already be gone. */
export function endSession(p11: P11, session: pkcs11js.Handle, loggedIn: boolean): void {
  if (loggedIn) {
    try {
      p11.C_Logout(session)
    } catch {
      // CKR_USER_NOT_LOGGED_IN / device removed: nothing left to log out
    }
  }
  try {
    p11.C_CloseSession(session)
  } catch {
    // session already invalidated by a removed token
  }
}
