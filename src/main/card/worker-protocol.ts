import type { ErrorCode } from '../../shared/errors'
import type { LoginExpectation, TokenCertificate, TokenState, TokenTarget } from './pkcs11-ops'

// Messages between the card client (main thread) and the PKCS#11 worker. Plain structured-clone
// data only; PIN bytes travel in a transferred ArrayBuffer so the sender keeps no copy.

export interface TokenContents extends TokenState {
  module: string
  certificates: TokenCertificate[]
}

export type WorkerRequest =
  | { id: number; op: 'read'; module: string }
  /** Fresh PIN flags of one token (for the PIN prompt); no login, no re-initialisation. */
  | { id: number; op: 'state'; module: string; target: TokenTarget }
  /** After an aborted sign: end the login the terminated worker left on the token. */
  | { id: number; op: 'logout'; module: string; target: TokenTarget }
  | {
      id: number
      op: 'sign'
      module: string
      target: TokenTarget
      /** CKA_ID (hex) of the signing certificate; the private key must share it. */
      keyId: string
      /** Checked right before C_Login: same card, acknowledged tries state (checkBeforeLogin). */
      expect: LoginExpectation
      /** UTF-8 PIN bytes, or null for the PIN pad (protected authentication path). */
      pin: Uint8Array | null
      items: Uint8Array[]
      /** false: stay logged in for `signMore` chunks of the same id (a streamed batch). */
      last: boolean
    }
  /** The next chunk of a streamed sign (same id), on the login its `sign` opened; `last` ends it. */
  | { id: number; op: 'signMore'; items: Uint8Array[]; last: boolean }

export type WireItemResult = { ok: true; signature: Uint8Array } | { ok: false; code: ErrorCode; detail?: string }

export type WorkerReply =
  | { id: number; type: 'progress'; done: number; total: number }
  | { id: number; type: 'read'; contents: TokenContents }
  | { id: number; type: 'state'; state: TokenState }
  | { id: number; type: 'done' }
  /** One chunk's signatures; `last` once the login is closed (the operation is over). */
  | { id: number; type: 'signed'; results: WireItemResult[]; last: boolean }
  | { id: number; type: 'error'; code: ErrorCode; detail?: string }
