import { validateIdCardNumber, type IdCardCategory } from 'taiwan-id-validator'
import { normalizeIdentityNumber } from './normalize'

// Taiwan identity numbers, the one rule for the renderer, main's IPC schemas, server-mock and the
// pattern in server-mock/openapi.yaml (test/unit/identity-number.test.ts keeps them in step).
//
//   身分證字號 (國民身分證統一編號)   A123456789  letter + 1/2 (sex) + 8 digits        → citizen
//   舊式統一證號 (外來人口, to 2030) AC01234567  letter + A–D + 8 digits              → resident
//   新式統一證號 (from 2021-01-02)   A800000014  letter + 8/9 (sex) + 8 digits        → resident
//
// Every form ends in a check digit: the first letter expands to two digits (A=10 … with I=34,
// O=35, W=32, X=30, Y=31, Z=33), the old format's second letter counts with the units digit of its
// own code, and the weighted sum (1 9 8 7 6 5 4 3 2 1 1) is ≡ 0 (mod 10). Sources: 內政部
// 國民身分證統一編號編碼原則; 內政部移民署「外來人口統一證號格式」(新式 2021-01-02, 舊式 valid
// through 2030-12-31). The check digit and the categories come from the `taiwan-id-validator`
// package (MIT, zero dependencies), which cites the same sources; the kind and labels are ours.

/** Pattern of every accepted form (upper-case, already normalised). openapi.yaml `NationalId` copies it. */
export const IDENTITY_NUMBER_PATTERN = '^[A-Z][12ABCD89][0-9]{8}$'
export const IDENTITY_NUMBER_RE = new RegExp(IDENTITY_NUMBER_PATTERN)

/** citizen = 身分證字號 (household-registered national); resident = 統一證號 (ARC / residence permit). */
export type IdentityKind = 'citizen' | 'resident'
/** Which of the three written forms a number has. */
export type IdentityFormat = 'national-id' | 'resident-old' | 'resident-new'

export type IdentityCheck =
  | { valid: true; value: string; kind: IdentityKind; format: IdentityFormat }
  | { valid: false; value: string; reason: 'empty' | 'length' | 'format' | 'check-digit' }

const FORMATS: Record<IdCardCategory, IdentityFormat> = {
  NATIONAL_ID: 'national-id',
  UI_NUMBER_LEGACY: 'resident-old',
  UI_NUMBER_FOREIGN_OR_STATELESS: 'resident-new',
  UI_NUMBER_NATIONAL_WITHOUT_HOUSEHOLD_REGISTRATION: 'resident-new',
  UI_NUMBER_HK_MACAO_RESIDENT: 'resident-new',
  UI_NUMBER_MAINLAND_CHINA_RESIDENT: 'resident-new'
}

/**
 * Checks a typed identity number. The input is normalised first (NFKC full-width fold, spaces
 * removed, upper case: `ａ８０００００００１４` → `A800000014`), and `value` is the normalised form
 * the caller should show and send. Never throws.
 */
export function checkIdentityNumber(input: string): IdentityCheck {
  const value = normalizeIdentityNumber(input)
  if (value === '') return { valid: false, value, reason: 'empty' }
  if (value.length !== 10) return { valid: false, value, reason: 'length' }
  if (!IDENTITY_NUMBER_RE.test(value)) return { valid: false, value, reason: 'format' }
  const r = validateIdCardNumber(value)
  if (r.valid) {
    const format = FORMATS[r.category]
    return { valid: true, value, kind: format === 'national-id' ? 'citizen' : 'resident', format }
  }
  return { valid: false, value, reason: r.reason === 'INVALID_CHECKSUM' ? 'check-digit' : 'format' }
}

/** True when `id` (already normalised) is a 身分證字號 or a 統一證號 (either format) with a valid check digit. */
export function isValidIdentityNumber(id: string): boolean {
  return IDENTITY_NUMBER_RE.test(id) && validateIdCardNumber(id).valid
}

/** The kind of a valid number, or null when it is not one. */
export function identityKind(id: string): IdentityKind | null {
  const c = checkIdentityNumber(id)
  return c.valid ? c.kind : null
}

const AREA_CODES = 'ABCDEFGHJKLMNPQRSTUVXYWZIO' // index + 10 = the letter's two-digit code

/**
 * Completes a 9-character prefix (letter + [12ABCD89] + 7 digits) with its check digit, for test
 * data and seeds: `withCheckDigit('A80000001')` → `A800000014`. Throws on a malformed prefix.
 */
export function withCheckDigit(first9: string): string {
  if (!/^[A-Z][12ABCD89][0-9]{7}$/.test(first9)) throw new Error(`not an identity-number prefix: ${first9}`)
  const area = AREA_CODES.indexOf(first9.charAt(0)) + 10
  const second = first9.charAt(1)
  const secondDigit = /[0-9]/.test(second) ? Number(second) : (AREA_CODES.indexOf(second) + 10) % 10
  const digits = [Math.floor(area / 10), area % 10, secondDigit, ...first9.slice(2).split('').map(Number)]
  const weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1]
  const sum = digits.reduce((s, d, i) => s + d * (weights[i] ?? 0), 0)
  return `${first9}${(10 - (sum % 10)) % 10}`
}

/** Masks an identity number for logs and screens: A123456789 → A12****789 (any other length → ****). */
export function maskIdentityNumber(id: string): string {
  return id.length === 10 ? `${id.slice(0, 3)}****${id.slice(7)}` : '****'
}
