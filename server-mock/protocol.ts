// The signature protocol as the server side sees it (docs/protocol.md): the bytes it expects a
// card to have signed. The client does NOT reuse this file: it builds the same bytes in its own
// src/main/card/statement.ts, and the tests compare both (test/unit/card-statement.test.ts), so a
// bug cannot silently agree with itself on both sides. Pure functions, node: built-ins only.
import { createHash } from 'node:crypto'

export const PROTOCOL_VERSION = 'ECCS-DELEGATION-DECISION-V1'
export const CHALLENGE_PURPOSES = ['login', 'registration', 'enable-certificate', 'decision'] as const
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number]
export const DECISIONS = ['MATCH', 'MISMATCH'] as const
export type Decision = (typeof DECISIONS)[number]
/** Signature algorithm identifier: RSASSA-PKCS1-v1_5 with SHA-256 (PKCS#11 CKM_SHA256_RSA_PKCS). */
export const SIGNATURE_ALGORITHM = 'RS256'
/** Challenge nonce: 32 random bytes, standard base64 with padding (44 characters). */
export const NONCE_BYTES = 32
export const NONCE_MIN_LENGTH = 44
export const NONCE_MAX_LENGTH = 128
export const CHALLENGE_LIFETIME_MS = 5 * 60 * 1000
export const REASON_MAX_LENGTH = 200
/** DER DigestInfo prefix for SHA-256 (what CKM_RSA_PKCS signers prepend to the hash). */
export const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex')

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/
const ORIGIN_RE = /^https?:\/\/(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
}

/** True when `nonce` is a base64 string of 44–128 characters (Web eID rule). */
export function isValidNonce(nonce: string): boolean {
  return (
    typeof nonce === 'string' &&
    nonce.length >= NONCE_MIN_LENGTH &&
    nonce.length <= NONCE_MAX_LENGTH &&
    nonce.length % 4 === 0 &&
    BASE64_RE.test(nonce)
  )
}

/**
 * ASCII serialization of a URL's origin (WHATWG): lower-case scheme and host, default port
 * omitted, no path and no trailing slash. `https://127.0.0.1:48123/api/v1` → `https://127.0.0.1:48123`.
 */
export function canonicalOrigin(url: string): string {
  const origin = new URL(url).origin
  if (!ORIGIN_RE.test(origin)) throw new ProtocolError(`not an http(s) origin: ${url}`)
  return origin
}

function assertOrigin(origin: string): void {
  if (typeof origin !== 'string' || !ORIGIN_RE.test(origin) || canonicalOrigin(origin) !== origin) {
    throw new ProtocolError(
      `origin must be a canonical origin such as https://127.0.0.1:48123, got ${JSON.stringify(origin)}`
    )
  }
}

function assertNonce(nonce: string): void {
  if (!isValidNonce(nonce)) throw new ProtocolError('nonce must be 44–128 base64 characters')
}

function assertSingleLine(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || /[\r\n]/.test(value)) {
    throw new ProtocolError(`${name} must be a non-empty single-line string`)
  }
}

export function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest()
}

/**
 * Authentication signed data (Web eID rule): SHA-256(UTF-8 origin) ‖ SHA-256(UTF-8 nonce) — 64 bytes.
 * The signer signs these 64 bytes with RSASSA-PKCS1-v1_5/SHA-256 (i.e. it hashes them once more).
 */
export function buildAuthSignedData(origin: string, nonce: string): Buffer {
  assertOrigin(origin)
  assertNonce(nonce)
  return Buffer.concat([sha256(Buffer.from(origin, 'utf8')), sha256(Buffer.from(nonce, 'utf8'))])
}

/** NFC-normalize a reason and escape it onto one line: `\` → `\\`, LF → `\n`, CR → `\r`. */
export function escapeReason(reason: string): string {
  return reason.normalize('NFC').replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
}

export interface DecisionStatementFields {
  origin: string
  nonce: string
  delegationId: string
  houseBillNo: string
  decision: Decision
  /** Required (non-empty) for MISMATCH; must be empty or absent for MATCH. */
  reason?: string | null
}

/** The decision statement as text (LF line endings, no trailing newline). */
export function buildDecisionStatementText(fields: DecisionStatementFields): string {
  assertOrigin(fields.origin)
  assertNonce(fields.nonce)
  assertSingleLine('delegationId', fields.delegationId)
  assertSingleLine('houseBillNo', fields.houseBillNo)
  if (fields.decision !== 'MATCH' && fields.decision !== 'MISMATCH') {
    throw new ProtocolError('decision must be MATCH or MISMATCH')
  }
  const reason = fields.reason ?? ''
  if (fields.decision === 'MATCH' && reason !== '') throw new ProtocolError('reason must be empty for MATCH')
  if (fields.decision === 'MISMATCH' && reason.trim() === '') throw new ProtocolError('reason is required for MISMATCH')
  return [
    PROTOCOL_VERSION,
    'purpose=delegation-decision',
    `origin=${fields.origin}`,
    `nonce=${fields.nonce}`,
    `delegationId=${fields.delegationId}`,
    `houseBillNo=${fields.houseBillNo}`,
    `decision=${fields.decision}`,
    `reason=${escapeReason(reason)}`
  ].join('\n')
}

/** UTF-8 bytes of the decision statement; signed with RSASSA-PKCS1-v1_5/SHA-256. */
export function buildDecisionStatement(fields: DecisionStatementFields): Buffer {
  return Buffer.from(buildDecisionStatementText(fields), 'utf8')
}

/** DigestInfo(SHA-256(data)) — the exact block a raw CKM_RSA_PKCS signer must sign. */
export function digestInfoSha256(data: Buffer): Buffer {
  return Buffer.concat([SHA256_DIGEST_INFO_PREFIX, sha256(data)])
}
