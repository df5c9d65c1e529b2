// Verification of signed requests (authentication tokens and decision statements) with audit
// logging and a limit on failed signature attempts.
import { verifyCitizenCertificate, verifyRs256, type VerifiedCertificate } from './certs'
import { consumeChallenge, type ChallengeBinding } from './challenges'
import type { Ctx } from './context'
import { writeAudit, type AuditEntry } from './db'
import { ApiError } from './errors'
import { formatName } from './x509'
import type { ChallengePurpose } from './protocol'

export interface SignedInput {
  challengeId: string
  certificate: string
  signature: string
  algorithm?: string
}

export interface SignedResult {
  cert: VerifiedCertificate
  challengeId: string
  nonce: string
  signedData: Buffer
  signature: Buffer
}

export interface SignedAudit extends Omit<AuditEntry, 'at' | 'outcome'> {
  rateKey: string
}

/** Failures that count towards the signature-attempt limit. */
const COUNTED =
  /^(SIGNATURE_INVALID|CERTIFICATE_|NATIONAL_ID_MISMATCH|IDENTITY_NOT_MATCHED|NAME_MISMATCH|CHALLENGE_(EXPIRED|ALREADY_USED|BINDING_MISMATCH|NOT_FOUND))/

/** Whether a failure with this code counts towards the signature-attempt limit. */
export function countsAsSignatureFailure(code: string): boolean {
  return COUNTED.test(code)
}

/** Decodes base64 that must be canonical (400 VALIDATION_FAILED naming `what` otherwise). */
export function strictBase64(value: string, what: string): Buffer {
  const buf = Buffer.from(value, 'base64')
  if (buf.toString('base64') !== value)
    throw new ApiError('VALIDATION_FAILED', `${what} is not canonical base64`, [
      { path: `/body/${what}`, message: 'must be canonical base64' }
    ])
  return buf
}

/**
 * Runs `fn` (which performs a signed operation), writing one audit-log row with the outcome, and
 * counting failures towards the per-session/registration/IP signature-attempt limit.
 */
export function audited<T>(ctx: Ctx, audit: SignedAudit, fn: (audit: SignedAudit) => T): T {
  const { rateKey } = audit
  const windowMs = ctx.limits.signatureFailureWindowMs
  const write = (outcome: string, detail: string | null): void => {
    const { rateKey: _ignored, ...entry } = audit
    writeAudit(ctx.db, { ...entry, at: ctx.nowIso(), outcome, detail })
  }
  try {
    if (ctx.limiter.count(rateKey, windowMs) >= ctx.limits.signatureFailuresMax) {
      throw new ApiError(
        'RATE_LIMITED',
        'too many failed signature attempts; try again later',
        undefined,
        ctx.limiter.retryAfter(rateKey, windowMs)
      )
    }
    const result = fn(audit)
    write('OK', null)
    return result
  } catch (err) {
    if (err instanceof ApiError) {
      if (COUNTED.test(err.code)) ctx.limiter.hit(rateKey, windowMs)
      write(err.code, err.message)
    } else {
      write('INTERNAL_ERROR', err instanceof Error ? err.message : String(err))
    }
    throw err
  }
}

/** Consumes the challenge, validates the certificate and checks the RS256 signature over `build(nonce)`. */
export function verifySigned(
  ctx: Ctx,
  input: SignedInput,
  purpose: ChallengePurpose,
  binding: ChallengeBinding,
  build: (nonce: string) => Buffer,
  audit: SignedAudit
): SignedResult {
  if (input.algorithm !== undefined && input.algorithm !== 'RS256')
    throw new ApiError('UNSUPPORTED_ALGORITHM', 'only RS256 is supported')
  const certDer = strictBase64(input.certificate, 'certificate')
  const signature = strictBase64(input.signature, 'signature')
  audit.challengeId = input.challengeId
  const challenge = consumeChallenge(ctx, input.challengeId, purpose, binding)
  const cert = verifyCitizenCertificate(certDer, ctx.trust, ctx.now())
  audit.certSerial = cert.cert.serialHex
  audit.cardSerial = cert.cardSerial
  audit.certFingerprint = cert.cert.fingerprint256
  const signedData = build(challenge.nonce)
  if (!verifyRs256(cert.cert, signedData, signature)) {
    throw new ApiError(
      'SIGNATURE_INVALID',
      `signature does not verify over the ${purpose === 'decision' ? 'decision statement' : 'authentication data'} (see docs/protocol.md)`
    )
  }
  return { cert, challengeId: challenge.id, nonce: challenge.nonce, signedData, signature }
}

/**
 * Last four digits of the national ID in the certificate must equal those of `nationalId`: a cheap
 * early refusal of a typo, NOT a proof (see proveIdentity in identity-registry.ts).
 */
export function checkNationalIdDigits(cert: VerifiedCertificate, nationalId: string): void {
  if (!cert.nationalIdLast4)
    throw new ApiError('NATIONAL_ID_MISMATCH', 'certificate carries no national ID digits (2.16.886.1.100.2.51)')
  if (cert.nationalIdLast4 !== nationalId.slice(-4))
    throw new ApiError('NATIONAL_ID_MISMATCH', 'national ID does not match the certificate holder')
}

export function certColumns(cert: VerifiedCertificate) {
  return {
    cert_card_serial: cert.cardSerial,
    cert_serial: cert.cert.serialHex,
    cert_subject: formatName(cert.cert.subject),
    cert_issuer: formatName(cert.cert.issuer),
    cert_not_before: cert.cert.notBefore.toISOString(),
    cert_not_after: cert.cert.notAfter.toISOString()
  }
}

/**
 * The per-row half of verifySigned for a batch whose certificate was verified once (routes/
 * decision-batches.ts): consumes the row's challenge and checks its RS256 signature over
 * `build(nonce)` with `cert`. Throws the same ApiErrors as verifySigned (CHALLENGE_*,
 * SIGNATURE_INVALID, VALIDATION_FAILED for non-canonical base64 at `where`).
 */
export function verifyRowSignature(
  ctx: Ctx,
  cert: VerifiedCertificate,
  input: { challengeId: string; signature: string },
  purpose: ChallengePurpose,
  binding: ChallengeBinding,
  build: (nonce: string) => Buffer,
  where: string
): SignedResult {
  const signature = strictBase64(input.signature, where)
  const challenge = consumeChallenge(ctx, input.challengeId, purpose, binding)
  const signedData = build(challenge.nonce)
  if (!verifyRs256(cert.cert, signedData, signature)) {
    throw new ApiError(
      'SIGNATURE_INVALID',
      'signature does not verify over the decision statement (see docs/protocol.md)'
    )
  }
  return { cert, challengeId: challenge.id, nonce: challenge.nonce, signedData, signature }
}
