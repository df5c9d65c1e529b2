// Input normalisation: what people type (Chinese IME full-width forms, written phone numbers,
// ROC dates, lower-case letters) → the one form the rules check. Pure functions, no dependencies,
// applied at every boundary with the same code: the renderer as the user types, main's IPC schemas
// (src/shared/forms.ts) before validation, and server-mock on receipt (openapi.yaml `x-normalize`).
// Each returns its input's normalised text even when that is still invalid, so the rule that
// follows reports the problem; none throws.

/**
 * Unicode NFKC (UAX #15): folds full-width letters, digits and punctuation (`Ａ１２` → `A12`,
 * `＠` → `@`, ideographic space U+3000 → space). Used for codes, never for names.
 */
export function foldWidth(text: string): string {
  return text.normalize('NFKC')
}

const ALL_SPACE = /\s+/g

/** 身分證字號 / 統一證號: NFKC, all spaces removed, upper case (`ａ１２３ ４５６ ７８９` → `A123456789`). */
export function normalizeIdentityNumber(text: string): string {
  return foldWidth(text).replace(ALL_SPACE, '').toUpperCase()
}

/** Digit codes (card PIN, SMS code): NFKC, spaces removed (`１２３ ４５６` → `123456`). */
export function normalizeDigits(text: string): string {
  return foldWidth(text).replace(ALL_SPACE, '')
}

// Separators people write inside phone numbers: spaces, the dash family (incl. the katakana
// prolonged sound mark an IME gives for a dash), dots, slashes and parentheses.
const PHONE_SEPARATORS = /[\s\-‐‑‒–—―−ー.()/]/g

/**
 * A Taiwan mobile number in any written form → `09xxxxxxxx` (NCC numbering plan: 09 + 8 digits):
 * `0911-222-333`, `0911 222 333`, `+886 911 222 333`, `+886911222333`, `886911222333`,
 * `00886911222333`, `+886 (0)911 222 333`, full-width `０９１１２２２３３３`. Anything else comes back
 * folded and without separators (so a partial number typed so far stays as typed).
 */
export function normalizeMobile(text: string): string {
  const compact = foldWidth(text).replace(PHONE_SEPARATORS, '')
  const international = /^(?:\+|00)?8860?(9\d{8})$/.exec(compact)
  return international ? `0${international[1]}` : compact
}

/** 聯絡電話 (landline, may carry an extension): NFKC, trimmed, runs of spaces collapsed. */
export function normalizePhone(text: string): string {
  return foldWidth(text).trim().replace(ALL_SPACE, ' ')
}

/**
 * 分提單號碼 / bill numbers as carriers print them: NFKC, spaces removed, upper case
 * (`１ｚ ９９９ ａａ１` → `1Z999AA1`). Matching on the platform is exact on this form.
 */
export function normalizeBillNumber(text: string): string {
  return foldWidth(text).replace(ALL_SPACE, '').toUpperCase()
}

/** Account names and e-mail addresses: NFKC (full-width `＠`, letters and digits) and trimmed. */
export function normalizeCode(text: string): string {
  return foldWidth(text).trim()
}

/** Names, addresses, reasons: NFC (canonical only — a name's characters are kept) and trimmed. */
export function normalizeText(text: string): string {
  return text.normalize('NFC').trim()
}

/** The ROC (民國) calendar: year 1 = 1912. */
export const ROC_YEAR_OFFSET = 1911

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return false
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate()
}

/**
 * A typed date → `YYYY-MM-DD`, or null when it is not a calendar date. Accepts `2026/11/30`,
 * `2026-11-30`, `2026.11.30`, `20261130`, full-width digits, and ROC dates `115/11/30`,
 * `民國115年11月30日`, `1151130` (a 2–3-digit year is a ROC year). Own code: date libraries
 * format the ROC calendar (Intl `roc`) but do not parse it.
 */
export function parseDateInput(text: string): string | null {
  const t = foldWidth(text)
    .trim()
    .replace(/^民國\s*/, '')
    .replace(/[年月]/g, '/')
    .replace(/日$/, '')
    .replace(ALL_SPACE, '')
  const parts = /^(\d{2,4})[/.-](\d{1,2})[/.-](\d{1,2})$/.exec(t) ?? /^(\d{2,4})(\d{2})(\d{2})$/.exec(t)
  if (!parts) return null
  const year = parts[1] ?? ''
  const y = Number(year) + (year.length <= 3 ? ROC_YEAR_OFFSET : 0)
  const m = Number(parts[2])
  const d = Number(parts[3])
  if (!isCalendarDate(y, m, d)) return null
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

/** Like parseDateInput, but keeps the (folded, trimmed) input when it is not a date, for a rule to reject. */
export function normalizeDate(text: string): string {
  return parseDateInput(text) ?? foldWidth(text).trim()
}

/**
 * What a date field shows after the user leaves it: a date typed as parseDateInput reads it
 * (full-width, ROC, 2026-11-30, …) is written back as `YYYY/MM/DD`, the format the field's hint,
 * placeholder and the result tables use (seed 000 圖7), or `YYY/MM/DD` with `roc`; anything else stays (folded, trimmed) for the
 * query rule to point out. The query itself parses the field again with parseDateInput.
 */
export function formatDateInput(text: string, roc = false): string {
  const iso = parseDateInput(text)
  if (!iso) return foldWidth(text).trim()
  const [y, m, d] = iso.split('-')
  // With 設定 → 以民國年顯示日期 the field shows the ROC year (115/11/30), as the tables do.
  return `${roc ? Number(y) - ROC_YEAR_OFFSET : y}/${m}/${d}`
}

/** Length in Unicode code points: a character outside the BMP (e.g. 𠮷) counts as one, as X.509 counts it. */
export function codePointLength(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}
