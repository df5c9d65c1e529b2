import type { Decision } from '../../shared/delegation'
import type { AppErrorPayload } from '../../shared/errors'

// The async interface through which the rest of main uses the card for anything that needs the PIN.
// The signer builds every byte it signs itself from typed fields (docs/protocol.md); it never signs
// bytes handed to it. Implementations run PKCS#11 off the main thread, allow one operation at a
// time (a second caller gets CARD_BUSY), log out and close the session after every operation,
// never retry a PIN, and wipe PIN buffers after use.

export interface AuthChallenge {
  /** API origin, e.g. https://127.0.0.1:48123 (canonical: scheme://host[:port], lowercase). */
  origin: string
  /** Server nonce, base64 of ≥ 32 random bytes, 44–128 characters. */
  nonce: string
}

export interface DecisionFields {
  origin: string
  nonce: string
  delegationId: string
  houseBillNo: string
  decision: Decision
  /** 原因 for MISMATCH (normalised to NFC by the builder); empty for MATCH. */
  reason: string
}

export interface CardSignature {
  /** base64 DER of the signing/authentication certificate. */
  certificate: string
  /** base64 RSASSA-PKCS1-v1_5 SHA-256 signature. */
  signature: string
  algorithm: 'RS256'
}

export type PerItemResult = { ok: true; value: CardSignature } | { ok: false; error: AppErrorPayload }

export interface CardOperations {
  /** Web eID authentication: signs SHA-256(origin) ‖ SHA-256(nonce). One PIN login. */
  authenticate(challenge: AuthChallenge, pin: string): Promise<CardSignature>
  /** Signs each decision statement after one PIN login (batch confirmation); per-item results. */
  signDecisions(items: DecisionFields[], pin: string, onProgress?: (done: number, total: number) => void): Promise<PerItemResult[]>
  /** Cancels the running operation, if any (it fails with OPERATION_CANCELLED). */
  cancel(): void
}
