// Typed API errors: every failure is `{ error: { code, message, retriable, details? } }`.

export interface ErrorDetail {
  path: string
  message: string
}

export interface ErrorBody {
  error: { code: string; message: string; retriable: boolean; details?: ErrorDetail[] }
}

/** Error catalogue: code → [HTTP status, retriable]. `retriable` means the same request may succeed
 *  later (after a wait or with a fresh challenge) without the user changing their input. */
export const ERRORS = {
  // generic request problems
  VALIDATION_FAILED: [400, false],
  MALFORMED_JSON: [400, false],
  UNSUPPORTED_MEDIA_TYPE: [415, false],
  PAYLOAD_TOO_LARGE: [413, false],
  NOT_FOUND: [404, false],
  INTERNAL_ERROR: [500, true],
  RESPONSE_SCHEMA_VIOLATION: [500, false],
  // sessions
  UNAUTHENTICATED: [401, false],
  SESSION_EXPIRED: [401, false],
  INVALID_CREDENTIALS: [401, false],
  ACCOUNT_LOCKED: [423, true],
  RATE_LIMITED: [429, true],
  // challenges
  CHALLENGE_NOT_FOUND: [400, true],
  CHALLENGE_EXPIRED: [400, true],
  CHALLENGE_ALREADY_USED: [400, true],
  CHALLENGE_PURPOSE_MISMATCH: [400, false],
  CHALLENGE_BINDING_MISMATCH: [403, false],
  // certificate and signature verification
  UNSUPPORTED_ALGORITHM: [400, false],
  CERTIFICATE_INVALID: [422, false],
  CERTIFICATE_UNTRUSTED: [422, false],
  CERTIFICATE_EXPIRED: [422, false],
  CERTIFICATE_NOT_YET_VALID: [422, false],
  CERTIFICATE_REVOKED: [422, false],
  CERTIFICATE_REVOCATION_UNKNOWN: [503, true],
  CERTIFICATE_KEY_USAGE: [422, false],
  /** Issued by a CA other than MOICA (e.g. the business-certificate CA MOEACA): only citizen certificates. */
  CERTIFICATE_NOT_CITIZEN: [422, false],
  SIGNATURE_INVALID: [422, false],
  NATIONAL_ID_MISMATCH: [422, false],
  NAME_MISMATCH: [422, false],
  CERTIFICATE_NOT_BOUND: [403, false],
  CERTIFICATE_ALREADY_BOUND: [409, false],
  CERTIFICATE_ALREADY_ENABLED: [409, false],
  // registration
  REGISTRATION_NOT_FOUND: [404, false],
  REGISTRATION_EXPIRED: [410, false],
  REGISTRATION_STATE: [409, false],
  INVALID_NATIONAL_ID: [400, false],
  NATIONAL_ID_ALREADY_REGISTERED: [409, false],
  ACCOUNT_TAKEN: [409, false],
  WEAK_PASSWORD: [400, false],
  MOBILE_MISMATCH: [422, false],
  SMS_COOLDOWN: [429, true],
  SMS_CODE_INVALID: [422, false],
  SMS_CODE_EXPIRED: [422, false],
  SMS_CODE_ATTEMPTS_EXCEEDED: [422, false],
  PRIVACY_CONSENT_REQUIRED: [400, false],
  // identity proof by the issuing authority (identity-registry.ts)
  IDENTITY_NOT_MATCHED: [422, false],
  IDENTITY_SERVICE_UNAVAILABLE: [503, true],
  // profile
  INVALID_OLD_PASSWORD: [403, false],
  PASSWORD_REUSED: [400, false],
  // delegations
  DELEGATION_NOT_FOUND: [404, false],
  DELEGATION_ALREADY_ANSWERED: [409, false],
  CERTIFICATE_NOT_ENABLED: [403, false],
  REASON_REQUIRED: [400, false],
  REASON_NOT_ALLOWED: [400, false],
  IDEMPOTENCY_KEY_REUSED: [422, false],
  INVALID_CURSOR: [400, false],
  DEV_ONLY: [404, false]
} as const satisfies Record<string, readonly [number, boolean]>

export type ErrorCode = keyof typeof ERRORS

export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly status: number
  readonly retriable: boolean
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly retryAfterSeconds?: number
  ) {
    super(message)
    const [status, retriable] = ERRORS[code]
    this.status = status
    this.retriable = retriable
  }

  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message, retriable: this.retriable }
    if (this.details && this.details.length > 0) error.details = this.details
    return { error }
  }
}
