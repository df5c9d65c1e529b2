import type { Decision } from '../../shared/delegation'
import type { AppErrorPayload } from '../../shared/errors'
import type { PinOperation, PinPrompt, PinTries } from '../../shared/pin-ticket'

// The async interface through which the rest of main uses the card for anything that needs the PIN.
// The signer builds every byte it signs itself from typed fields (docs/protocol.md); it never signs
// bytes handed to it. Implementations run PKCS#11 off the main thread, allow one operation at a
// time (a second caller gets CARD_BUSY), log out and close the session after every operation,
// never retry a PIN, wipe PIN buffers after use, and send a PIN only to the card its ticket names.

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

/** A PIN as the user typed it, with the ticket its dialog obtained (src/shared/pin-ticket.ts). */
export interface PinEntry {
  pin: string
  ticket: string
  acknowledgedTries?: PinTries | undefined
}

export type PerItemResult = { ok: true; value: CardSignature } | { ok: false; error: AppErrorPayload }

export interface CardOperations {
  /**
   * For a PIN dialog being shown: a single-use ticket bound to the ready card and its PIN-tries
   * state (PinGate.prompt). Every PIN below needs one.
   */
  promptPin(operation: PinOperation): Promise<PinPrompt>
  /**
   * Web eID authentication: signs SHA-256(origin) ‖ SHA-256(nonce). One PIN login, only on the
   * card the ticket names (else CARD_REMOVED / CARD_CHANGED, PIN not sent).
   */
  authenticate(
    challenge: AuthChallenge,
    pin: PinEntry,
    operation: Exclude<PinOperation, 'decision'>
  ): Promise<CardSignature>
  /**
   * Signs decision statements (batch confirmation) as a stream — the batch's later rows may still
   * be in preparation while the first are signed (core/decision-pipeline.ts): one PIN login, each
   * chunk of `chunks` signed as soon as it arrives, `onSigned(k, results)` with the k-th chunk's
   * per-item results (in order, as soon as the card has signed it), `onProgress(done, total)`
   * counting signed items of those handed to the card so far. The card is busy (CARD_BUSY for
   * other operations and PIN prompts) from the call until the stream ends. The ticket is redeemed at once (ticket and card errors throw before anything
   * else); a stream that yields nothing to sign never logs in. A rejection of `chunks` ends the
   * login and is rethrown once the card is done; card errors (PIN_INCORRECT, CARD_REMOVED, …)
   * reject and the rest of the stream is not signed.
   */
  signDecisionStream(
    chunks: AsyncIterable<DecisionFields[]>,
    pin: PinEntry,
    onSigned: (chunk: number, results: PerItemResult[]) => void,
    onProgress?: (done: number, total: number) => void
  ): Promise<void>
  /** Cancels the running operation, if any (it fails with OPERATION_CANCELLED). */
  cancel(): void
}
