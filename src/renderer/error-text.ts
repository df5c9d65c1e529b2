import type { AppErrorPayload } from '../shared/errors'
import { errorMessage } from '../shared/errors'

// Plain, placed errors (issue 15 item 3). The platform's own code travels in `detail`
// (src/main/api/error-mapping.ts); where we know it, it gives a more specific sentence than the
// app-level code, and it tells the form which field the message belongs beside. The codes
// themselves are shown only in the "details for support" disclosure (ErrorText.vue).

/** Platform codes whose message belongs next to one field of a form. */
const FIELD_OF: Record<string, string> = {
  INVALID_CREDENTIALS: 'password',
  WEAK_PASSWORD: 'password',
  PASSWORD_REUSED: 'newPassword',
  INVALID_OLD_PASSWORD: 'oldPassword',
  SMS_CODE_INVALID: 'smsCode',
  SMS_CODE_EXPIRED: 'smsCode',
  SMS_CODE_ATTEMPTS_EXCEEDED: 'smsCode',
  MOBILE_MISMATCH: 'mobile',
  INVALID_NATIONAL_ID: 'nationalId',
  NATIONAL_ID_ALREADY_REGISTERED: 'nationalId',
  NATIONAL_ID_MISMATCH: 'nationalId',
  ACCOUNT_TAKEN: 'account',
  PRIVACY_CONSENT_REQUIRED: 'privacyConsent',
  REASON_REQUIRED: 'reason'
}
/** App codes that concern the PIN field wherever one is shown. */
const PIN_CODES = new Set(['PIN_FORMAT', 'PIN_INCORRECT', 'PIN_FINAL_TRY', 'PIN_LOCKED'])

/** The platform code in `detail`, when it is one (upper-case identifier). */
export function platformCode(e: AppErrorPayload): string | null {
  return e.detail && /^[A-Z][A-Z0-9_]+$/.test(e.detail) && e.detail !== e.code ? e.detail : null
}

/** The field an error belongs beside (`password`, `smsCode`, `pin`…), or null for a form-level one. */
export function errorField(e: AppErrorPayload | null): string | null {
  if (!e) return null
  if (PIN_CODES.has(e.code)) return 'pin'
  if (e.code === 'LOGIN_FAILED') return 'password'
  const p = platformCode(e)
  return p ? (FIELD_OF[p] ?? null) : null
}

/**
 * The sentence to show: the platform code's own message when the locale has one
 * (`t('errorDetail.WEAK_PASSWORD')`), else the app code's message from src/shared/errors.ts.
 */
export function errorSentence(
  e: AppErrorPayload,
  locale: string,
  t: (key: string) => string,
  te: (key: string) => boolean
): string {
  const p = platformCode(e)
  if (p && te(`errorDetail.${p}`)) return t(`errorDetail.${p}`)
  return errorMessage(e.code, locale === 'en' ? 'en' : 'zh-TW')
}
