import { createHash } from 'node:crypto'
import { AppError } from '../../shared/errors'
import type { AuthChallenge, DecisionFields } from './card-operations'

// The only bytes the card ever signs, built here from typed fields (docs/protocol.md §3–4).
// This is the client's own implementation: server-mock/protocol.ts is used only as a cross-check
// in tests, so a bug cannot silently agree with itself on both sides.

export const DECISION_STATEMENT_VERSION = 'ECCS-DELEGATION-DECISION-V1'
const NONCE_MIN_CHARS = 44
const NONCE_MAX_CHARS = 128
const NONCE_MIN_BYTES = 32
const REASON_MAX_CODE_POINTS = 200
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const ORIGIN = /^https?:\/\/(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/
// C0/C1 controls other than TAB, LF, CR, plus DEL (matching control characters is the point here).
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/

function refuse(detail: string): never {
  throw new AppError('INVALID_REQUEST', detail)
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest()
}

/** Web eID nonce rule: canonical base64, 44–128 characters, at least 32 bytes. */
export function isValidNonce(nonce: unknown): nonce is string {
  if (typeof nonce !== 'string' || nonce.length < NONCE_MIN_CHARS || nonce.length > NONCE_MAX_CHARS) return false
  if (!BASE64.test(nonce)) return false
  const bytes = Buffer.from(nonce, 'base64')
  // Non-canonical encodings (stray bits in the padding) would let two strings mean one nonce.
  return bytes.length >= NONCE_MIN_BYTES && bytes.toString('base64') === nonce
}

/** WHATWG ASCII origin of an http(s) URL: `https://HOST:443/x` → `https://host`. */
export function canonicalOrigin(url: string): string {
  let origin: string
  try {
    origin = new URL(url).origin
  } catch {
    return refuse('origin is not a URL')
  }
  if (!ORIGIN.test(origin)) refuse('origin must be http(s)://host[:port]')
  return origin
}

function assertOrigin(origin: unknown): asserts origin is string {
  if (typeof origin !== 'string' || !ORIGIN.test(origin) || canonicalOrigin(origin) !== origin) {
    refuse('origin must be a canonical origin such as https://127.0.0.1:48123')
  }
}

function assertNonce(nonce: unknown): asserts nonce is string {
  if (!isValidNonce(nonce)) refuse('nonce must be canonical base64 of at least 32 bytes, 44–128 characters')
}

function assertSingleLine(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || /[\r\n]/.test(value) || FORBIDDEN_CONTROLS.test(value)) {
    refuse(`${name} must be a non-empty single line`)
  }
}

/** SHA-256(UTF-8 origin) ‖ SHA-256(UTF-8 nonce): the 64 bytes signed for authentication. */
export function buildAuthSignedData(challenge: AuthChallenge): Buffer {
  assertOrigin(challenge.origin)
  assertNonce(challenge.nonce)
  return Buffer.concat([sha256(Buffer.from(challenge.origin, 'utf8')), sha256(Buffer.from(challenge.nonce, 'utf8'))])
}

/** NFC first, then backslash before LF/CR so the escaping is reversible. */
export function escapeReason(reason: string): string {
  return reason.normalize('NFC').replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
}

function checkReason(fields: DecisionFields): string {
  const reason = fields.reason ?? ''
  if (typeof reason !== 'string') refuse('reason must be text')
  if (fields.decision === 'MATCH') {
    if (reason !== '') refuse('reason must be empty for MATCH (申報相符)')
    return ''
  }
  const nfc = reason.normalize('NFC')
  const codePoints = [...nfc].length
  if (nfc.trim() === '' || codePoints > REASON_MAX_CODE_POINTS)
    refuse('reason (原因) must be 1–200 characters for MISMATCH')
  if (FORBIDDEN_CONTROLS.test(nfc)) refuse('reason contains control characters')
  return escapeReason(nfc)
}

/** The decision statement text: LF line endings, no trailing newline, fields in this order. */
export function buildDecisionStatementText(fields: DecisionFields): string {
  assertOrigin(fields.origin)
  assertNonce(fields.nonce)
  assertSingleLine('delegationId', fields.delegationId)
  assertSingleLine('houseBillNo', fields.houseBillNo)
  if (fields.decision !== 'MATCH' && fields.decision !== 'MISMATCH') refuse('decision must be MATCH or MISMATCH')
  const reason = checkReason(fields)
  return [
    DECISION_STATEMENT_VERSION,
    'purpose=delegation-decision',
    `origin=${fields.origin}`,
    `nonce=${fields.nonce}`,
    `delegationId=${fields.delegationId}`,
    `houseBillNo=${fields.houseBillNo}`,
    `decision=${fields.decision}`,
    `reason=${reason}`
  ].join('\n')
}

/** UTF-8 bytes of the decision statement (signed with CKM_SHA256_RSA_PKCS). */
export function buildDecisionStatement(fields: DecisionFields): Buffer {
  return Buffer.from(buildDecisionStatementText(fields), 'utf8')
}
