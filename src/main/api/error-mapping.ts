import { AppError, type ErrorCode } from '../../shared/errors'
import { ErrorBody, type RowError } from './api-schemas'

// Maps what the platform (or the network) says to the app's typed errors. The server's own code
// goes into `detail` so the UI can be specific (e.g. WEAK_PASSWORD) without new top-level codes.

const SERVER_CODES: Record<string, ErrorCode> = {
  INVALID_CREDENTIALS: 'LOGIN_FAILED',
  ACCOUNT_LOCKED: 'ACCOUNT_LOCKED',
  RATE_LIMITED: 'RATE_LIMITED',
  SMS_COOLDOWN: 'RATE_LIMITED',
  UNAUTHENTICATED: 'SESSION_EXPIRED',
  SESSION_EXPIRED: 'SESSION_EXPIRED',
  CERTIFICATE_INVALID: 'CERTIFICATE_REJECTED',
  CERTIFICATE_UNTRUSTED: 'CERTIFICATE_REJECTED',
  CERTIFICATE_EXPIRED: 'CERTIFICATE_REJECTED',
  CERTIFICATE_NOT_YET_VALID: 'CERTIFICATE_REJECTED',
  CERTIFICATE_REVOKED: 'CERTIFICATE_REJECTED',
  CERTIFICATE_KEY_USAGE: 'CERTIFICATE_REJECTED',
  SIGNATURE_INVALID: 'CERTIFICATE_REJECTED',
  // Identity (issue 13): the number typed vs the card holder, as the platform and the issuing authority see it.
  NATIONAL_ID_MISMATCH: 'IDENTITY_NOT_PROVEN',
  IDENTITY_NOT_MATCHED: 'IDENTITY_NOT_PROVEN',
  IDENTITY_SERVICE_UNAVAILABLE: 'IDENTITY_SERVICE_UNAVAILABLE',
  INVALID_NATIONAL_ID: 'IDENTITY_NUMBER_INVALID',
  NAME_MISMATCH: 'NAME_NOT_CERTIFICATE',
  CERTIFICATE_NOT_BOUND: 'CERTIFICATE_REJECTED',
  CERTIFICATE_ALREADY_BOUND: 'CERTIFICATE_REJECTED',
  CERTIFICATE_ALREADY_ENABLED: 'CERTIFICATE_REJECTED',
  UNSUPPORTED_ALGORITHM: 'CERTIFICATE_REJECTED',
  CERTIFICATE_REVOCATION_UNKNOWN: 'SERVER_ERROR',
  CERTIFICATE_NOT_ENABLED: 'CERTIFICATE_NOT_ENABLED',
  DELEGATION_ALREADY_ANSWERED: 'ALREADY_ANSWERED',
  INTERNAL_ERROR: 'SERVER_ERROR',
  RESPONSE_SCHEMA_VIOLATION: 'SERVER_ERROR',
  // A spent/expired challenge needs a new signature, i.e. a new PIN entry by the user.
  CHALLENGE_EXPIRED: 'CHALLENGE_EXPIRED',
  CHALLENGE_ALREADY_USED: 'SERVER_ERROR',
  CHALLENGE_NOT_FOUND: 'SERVER_ERROR',
  CHALLENGE_PURPOSE_MISMATCH: 'INTERNAL',
  CHALLENGE_BINDING_MISMATCH: 'INTERNAL',
  IDEMPOTENCY_KEY_REUSED: 'INTERNAL'
}

/** Node/OpenSSL codes for a server certificate we do not trust. */
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH'
])

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_NETWORK'
])

/** An HTTP error response (status ≥ 400) → AppError. */
export function errorFromResponse(status: number, body: unknown): AppError {
  const parsed = ErrorBody.safeParse(body)
  if (!parsed.success) {
    return new AppError(status >= 500 ? 'SERVER_ERROR' : 'SERVER_RESPONSE_INVALID', `HTTP ${status}`)
  }
  const serverCode = parsed.data.error.code
  const mapped = SERVER_CODES[serverCode]
  if (mapped) return new AppError(mapped, serverCode)
  if (status >= 500) return new AppError('SERVER_ERROR', serverCode)
  if (status === 401) return new AppError('SESSION_EXPIRED', serverCode)
  if (status === 429) return new AppError('RATE_LIMITED', serverCode)
  // Everything else the user can fix by changing input (WEAK_PASSWORD, SMS_CODE_INVALID, …).
  return new AppError('VALIDATION_FAILED', serverCode)
}

/** One row's error of a batch answer (API operations prepareDecisions, decideDelegations) → AppError, as if answered alone. */
export function errorFromRow(row: RowError): AppError {
  return errorFromResponse(row.status, { error: { code: row.code, message: row.message, retriable: row.retriable } })
}

/** A failure without an HTTP response (socket, DNS, TLS) → AppError. */
export function errorFromTransport(err: unknown): AppError {
  const code = transportCode(err)
  if (code && TLS_CODES.has(code)) return new AppError('TLS_UNTRUSTED', code, { cause: err })
  if (code && NETWORK_CODES.has(code)) return new AppError('NETWORK_UNREACHABLE', code, { cause: err })
  return new AppError('NETWORK_UNREACHABLE', code ?? 'no response', { cause: err })
}

function transportCode(err: unknown): string | undefined {
  // axios wraps the socket error; its own `code` is generic (ERR_NETWORK) when the cause is known.
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null
  const inner = typeof e?.cause?.code === 'string' ? e.cause.code : undefined
  const outer = typeof e?.code === 'string' ? e.code : undefined
  if (inner && (TLS_CODES.has(inner) || NETWORK_CODES.has(inner))) return inner
  return outer ?? inner
}
