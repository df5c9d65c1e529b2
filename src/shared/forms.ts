import { z } from 'zod'
import {
  ACCOUNT_PATTERN,
  BILL_NUMBER_PATTERN,
  FIELD_LIMITS,
  ISO_DATE_PATTERN,
  MOBILE_PATTERN,
  PHONE_PATTERN,
  PIN_PATTERN,
  SMS_CODE_PATTERN,
  withinLimit,
  type LimitedField
} from './form-rules'
import { IDENTITY_NUMBER_PATTERN, isValidIdentityNumber } from './identity-number'
import {
  normalizeBillNumber,
  normalizeCode,
  normalizeDate,
  normalizeDigits,
  normalizeIdentityNumber,
  normalizeMobile,
  normalizePhone,
  normalizeText,
  parseDateInput
} from './normalize'

// Field schemas of the IPC contract: main validates every request with them. Each one normalises
// first (the same functions the renderer applies as the user types, see normalize.ts) and then
// checks the rule from form-rules.ts, so `Ａ１２３４５６７８９` arrives in a handler as `A123456789`.

const limit = (field: LimitedField) => (s: string) => withinLimit(field, s)
const tooLong = (field: LimitedField) => ({
  message: `must be ${FIELD_LIMITS[field].min}–${FIELD_LIMITS[field].max} characters`
})

/** Card PIN: 6–8 digits (full-width folded). Only ever travels renderer → main in a `pin` field; never echoed. */
export const Pin = z.string().overwrite(normalizeDigits).regex(new RegExp(PIN_PATTERN))

/** 身分證字號 or 統一證號 (old or new format), check digit verified. */
export const NationalId = z
  .string()
  .overwrite(normalizeIdentityNumber)
  .regex(new RegExp(IDENTITY_NUMBER_PATTERN))
  .refine(isValidIdentityNumber, { message: 'check digit is wrong' })
export const Mobile = z.string().overwrite(normalizeMobile).regex(new RegExp(MOBILE_PATTERN))
export const Account = z.string().overwrite(normalizeCode).regex(new RegExp(ACCOUNT_PATTERN))
export const Email = z.string().overwrite(normalizeCode).email().refine(limit('email'), tooLong('email'))
export const Phone = z.string().overwrite(normalizePhone).regex(new RegExp(PHONE_PATTERN))
export const SmsCode = z.string().overwrite(normalizeDigits).regex(new RegExp(SMS_CODE_PATTERN))
/** The holder's name: the certificate CN, up to 64 characters (a non-BMP character counts as one). */
export const PersonName = z.string().overwrite(normalizeText).refine(limit('name'), tooLong('name'))
export const Address = z.string().overwrite(normalizeText).min(1).refine(limit('address'), tooLong('address'))
/** 分提單號碼, upper-cased with spaces removed. */
export const BillNumber = z.string().overwrite(normalizeBillNumber).regex(new RegExp(BILL_NUMBER_PATTERN))
/** A date typed as 2026/11/30, 2026-11-30 or ROC 115/11/30 → 2026-11-30. */
export const DateInput = z
  .string()
  .overwrite(normalizeDate)
  .regex(new RegExp(ISO_DATE_PATTERN))
  .refine((s) => parseDateInput(s) === s, { message: 'not a calendar date' })
