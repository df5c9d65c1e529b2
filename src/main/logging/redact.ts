// Redaction applied to everything that reaches a log file or a support bundle. Two layers: keys
// that name secrets are dropped from structured data, and the final text is scrubbed for national
// ID numbers (masked A12****789), PIN-like digit runs after "pin"/密碼, bearer/basic tokens and URL
// passwords (http://user:[REDACTED]@proxy) —
// so a secret that slipped into a free-text message or an error's stack is caught as well.

import { FIELD_LIMITS } from '../../shared/form-rules'

export const REDACTED = '[REDACTED]'

const SECRET_KEY =
  /^(pin|.*[-_]?pin|pin[-_]?code|.*password|passwd|pwd|.*secret|.*token|authorization|proxy-authorization|cookie|set-cookie|otp|sms[-_]?code|verification[-_]?code|.*private[-_]?key|api[-_]?key)$/i

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key)
}

/** A123456789 → A12****789 (Taiwan national ID / new-format resident certificate numbers). */
const NATIONAL_ID = /(?<![A-Za-z0-9])([A-Za-z][1289A-Da-d]\d)(\d{4})(\d{3})(?![0-9])/g
// The PIN's length range is the one PIN rule's (src/shared/form-rules.ts).
const PIN_AFTER_WORD = new RegExp(
  `(pin|密碼|PIN碼)([^0-9\\n]{0,24}?)\\d{${FIELD_LIMITS.pin.min},${FIELD_LIMITS.pin.max}}(?!\\d)`,
  'gi'
)
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/gi
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g
const SECRET_QUERY = /([?&](?:token|access_token|refresh_token|pin|password|code|sig|signature)=)[^&\s"'#]+/gi
const SECRET_ASSIGNMENT = /\b(password|passwd|pwd|secret|token|otp|cookie)(\s*[=:]\s*)(?!\[REDACTED\])[^\s,;"'}]+/gi
// Password in a URL's user info (a proxy set as http://user:password@host:port).
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"'<>]*):[^\s/?#@"'<>]+@/gi
// "key":"value" / "key":123 in JSON text whose key names a secret.
const JSON_SECRET_PAIR = /"([^"\\]{1,64})"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)/g

export function maskNationalIds(text: string): string {
  return text.replace(NATIONAL_ID, (_m, head: string, _mid: string, tail: string) => `${head}****${tail}`)
}

export function redactText(text: string): string {
  return maskNationalIds(
    text
      .replace(JSON_SECRET_PAIR, (m, key: string, sep: string) =>
        isSecretKey(key) ? `"${key}"${sep}"${REDACTED}"` : m
      )
      .replace(URL_PASSWORD, `$1:${REDACTED}@`)
      .replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`)
      .replace(JWT, REDACTED)
      .replace(SECRET_QUERY, `$1${REDACTED}`)
      .replace(SECRET_ASSIGNMENT, `$1$2${REDACTED}`)
      .replace(PIN_AFTER_WORD, `$1$2${REDACTED}`)
  )
}

/** Deep copy with secret-named keys replaced and every string scrubbed; cycles are cut. */
export function redactValue(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  if (seen.has(value)) return '[Circular]'
  seen.add(value)
  if (Array.isArray(value)) return value.map((v) => redactValue(v, seen))
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactText(value.message),
      stack: value.stack ? redactText(value.stack) : undefined
    }
  }
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redactValue(v, seen)
  return out
}
