// The one place for every shared form rule: patterns and limits, each with the source it follows,
// used by the renderer's live checks, main's IPC schemas (forms.ts wraps these in zod), server-mock
// (openapi.yaml copies the patterns and lengths; test/unit/form-limits.test.ts keeps them in step).
// Deliberately free of zod: the renderer imports only this file and normalize.ts.

import { codePointLength } from './normalize'

export { checkIdentityNumber, isValidIdentityNumber, maskIdentityNumber } from './identity-number'

/** Card PIN (自然人憑證 PIN碼): 6–8 digits, the MOICA/HiCOS card rule. Never logged, never stored. */
export const PIN_PATTERN = '^[0-9]{6,8}$'
/** Taiwan mobile number after normalizeMobile: 09 + 8 digits (NCC numbering plan). */
export const MOBILE_PATTERN = '^09[0-9]{8}$'
/** SMS code (簡訊驗證碼) the platform sends: 6 digits. */
export const SMS_CODE_PATTERN = '^[0-9]{6}$'
/** Platform account name: a letter or digit, then 3–29 of letters, digits, `_ . -`. */
export const ACCOUNT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{3,29}$'
/** 聯絡電話: digits with the separators people write and a `#` extension. */
export const PHONE_PATTERN = '^[0-9+()# -]{6,25}$'
/** 分提單號碼 after normalizeBillNumber: letters and digits as carriers print them (some with `-` or `/`). */
export const BILL_NUMBER_PATTERN = '^[0-9A-Z/-]{1,35}$'
/** E-mail syntax as the forms check it (server-mock's `format: email`; zod's stricter check runs in main). */
export const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$'
/** A calendar date as the platform takes it (after parseDateInput). */
export const ISO_DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'

export interface FieldLimit {
  min: number
  max: number
  /** What is counted: characters = Unicode code points (a character outside the BMP is one). */
  unit: 'characters'
  /** Where the limit comes from. */
  source: string
}

/**
 * Every length limit of a form field, with its source. Lengths are counted in Unicode code points
 * (codePointLength), the way X.509 and server-mock's JSON Schema validator count them.
 */
export const FIELD_LIMITS = {
  name: {
    min: 1,
    max: 64,
    unit: 'characters',
    source: 'RFC 5280 Appendix A ub-common-name = 64: the name must equal the certificate subject CN'
  },
  identityNumber: {
    min: 10,
    max: 10,
    unit: 'characters',
    source: '內政部 國民身分證統一編號 / 移民署 外來人口統一證號: 10 characters'
  },
  email: {
    min: 3,
    max: 254,
    unit: 'characters',
    source: 'RFC 5321 §4.5.3.1.3: a path is at most 256 octets including < and > (RFC 3696 erratum 1690)'
  },
  address: {
    min: 1,
    max: 200,
    unit: 'characters',
    source:
      'own bound: a 門牌 address (縣市 鄉鎮市區 村里 鄰 路街 段 巷 弄 號 樓 之) is under 60 characters; room for building names'
  },
  phone: {
    min: 6,
    max: 25,
    unit: 'characters',
    source: 'ITU-T E.164: at most 15 digits, plus a + prefix, separators and a # extension'
  },
  mobile: { min: 10, max: 10, unit: 'characters', source: 'NCC numbering plan: mobile numbers are 09 + 8 digits' },
  account: { min: 4, max: 30, unit: 'characters', source: 'platform account rule (openapi.yaml Account)' },
  password: {
    min: 8,
    max: 128,
    unit: 'characters',
    source: 'seed 003 (密碼 at least 8 with a digit, upper and lower case); 128 is our bound against abuse'
  },
  pin: { min: 6, max: 8, unit: 'characters', source: 'MOICA citizen certificate card: PIN of 6 to 8 digits' },
  smsCode: { min: 6, max: 6, unit: 'characters', source: 'platform SMS verification code: 6 digits (seed 000)' },
  houseBillNo: {
    min: 1,
    max: 35,
    unit: 'characters',
    source: 'WCO Data Model / UN/EDIFACT transport document number an..35 (UPS 18, SF 15, EMS 13, DHL 10 chars)'
  },
  reason: {
    min: 1,
    max: 200,
    unit: 'characters',
    source: 'platform rule for 申報不符 原因 (openapi.yaml Reason)'
  }
} as const satisfies Record<string, FieldLimit>

export type LimitedField = keyof typeof FIELD_LIMITS

/** Whether `value` is within the field's length limit (in code points). */
export function withinLimit(field: LimitedField, value: string): boolean {
  const n = codePointLength(value)
  return n >= FIELD_LIMITS[field].min && n <= FIELD_LIMITS[field].max
}

const PIN_RE = new RegExp(PIN_PATTERN)
const MOBILE_RE = new RegExp(MOBILE_PATTERN)
const SMS_CODE_RE = new RegExp(SMS_CODE_PATTERN)

const ACCOUNT_RE = new RegExp(ACCOUNT_PATTERN)
const EMAIL_RE = new RegExp(EMAIL_PATTERN)

/** A normalised account name (normalizeCode) follows the platform's account rule. */
export function isAccount(account: string): boolean {
  return ACCOUNT_RE.test(account)
}

/** A normalised e-mail address (normalizeCode) looks like one and has at most 254 characters. */
export function isEmail(email: string): boolean {
  return EMAIL_RE.test(email) && withinLimit('email', email)
}

/** A normalised PIN (normalizeDigits) is 6–8 digits. */
export function isPin(pin: string): boolean {
  return PIN_RE.test(pin)
}

/** A normalised mobile number (normalizeMobile) is 09 + 8 digits. */
export function isMobile(mobile: string): boolean {
  return MOBILE_RE.test(mobile)
}

/** A normalised SMS code (normalizeDigits) is 6 digits. */
export function isSmsCode(code: string): boolean {
  return SMS_CODE_RE.test(code)
}

/** The Single Window password rule (seed 003), one flag per rule so the form can tick them live. */
export function passwordRules(password: string): { length: boolean; digit: boolean; upper: boolean; lower: boolean } {
  return {
    length: password.length >= 8,
    digit: /[0-9]/.test(password),
    upper: /[A-Z]/.test(password),
    lower: /[a-z]/.test(password)
  }
}

export function isStrongPassword(password: string): boolean {
  return Object.values(passwordRules(password)).every(Boolean)
}
