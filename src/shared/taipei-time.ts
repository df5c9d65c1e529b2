import { TZDate } from '@date-fns/tz'
import { format, isValid } from 'date-fns'

// Dates and times as people in Taiwan read them: every instant in Asia/Taipei (UTC+8, no DST) as
// `YYYY/MM/DD HH:mm`, calendar dates as `YYYY/MM/DD`, optionally with ROC years (民國 115/11/30).
// One place for the rule, used by the renderer (tables, details, records) and main (CSV/JSON
// exports and their file names). date-fns + @date-fns/tz rather than our own offset arithmetic.

export const TAIPEI_TZ = 'Asia/Taipei'
/** The ROC calendar: 民國 1 = 1912. */
const ROC_OFFSET = 1911

export interface DateStyle {
  /** Show the year in the ROC calendar (民國 115/11/30) instead of the Gregorian one. */
  roc?: boolean
}

function rocYear(text: string, roc: boolean | undefined): string {
  if (!roc) return text
  const y = Number(text.slice(0, 4))
  return `民國 ${y - ROC_OFFSET}${text.slice(4)}`
}

/**
 * An instant (ISO 8601 with offset, or a Date) in Taipei time as `YYYY/MM/DD HH:mm`
 * (`民國 YYY/MM/DD HH:mm` with `roc`). Returns '' for null/empty and the input unchanged when it is
 * not a valid date, so a bad value from a server shows as itself rather than as "Invalid Date".
 */
export function formatTaipeiDateTime(value: string | Date | null | undefined, style: DateStyle = {}): string {
  if (value === null || value === undefined || value === '') return ''
  const d = new TZDate(typeof value === 'string' ? Date.parse(value) : value.getTime(), TAIPEI_TZ)
  if (!isValid(d)) return String(value)
  return rocYear(format(d, 'yyyy/MM/dd HH:mm'), style.roc)
}

/**
 * A calendar date (`YYYY-MM-DD`, as the platform sends 報關日期) as `YYYY/MM/DD` — no time-zone
 * conversion: a calendar date is the same day everywhere. An instant is converted to Taipei first.
 */
export function formatTaipeiDate(value: string | null | undefined, style: DateStyle = {}): string {
  if (!value) return ''
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (m) return rocYear(`${m[1]}/${m[2]}/${m[3]}`, style.roc)
  return formatTaipeiDateTime(value, style).slice(0, style.roc ? -6 : 10)
}

/** A file-name stamp in Taipei time, `YYYYMMDD-HHmm` (sorts, and has no `/` or `:`). */
export function taipeiFileStamp(now: Date): string {
  return format(new TZDate(now.getTime(), TAIPEI_TZ), 'yyyyMMdd-HHmm')
}

/** Today's calendar date in Taipei as `YYYY-MM-DD`. */
export function taipeiToday(now: Date = new Date()): string {
  return format(new TZDate(now.getTime(), TAIPEI_TZ), 'yyyy-MM-dd')
}

/** Typed dates are read by the one input rule in normalize.ts (ROC years, full-width, separators). */
export { parseDateInput } from './normalize'

/**
 * An instant as ISO 8601 in Taipei's offset (`2026-11-30T14:36:12.000+08:00`): the same instant as the
 * input, machine-readable, and the clock time a Taiwanese reader expects (JSON exports).
 * Null/empty stays null; an unparsable value is returned unchanged.
 */
export function toTaipeiIso(value: string | null): string | null {
  if (!value) return null
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) return value
  return format(new TZDate(ms, TAIPEI_TZ), "yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
}
