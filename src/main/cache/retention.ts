// Retention counts calendar days of 報關日期 in Taiwan time (UTC+8, no DST), the same calendar as
// the platform's dates, so "keep 30 days" does not depend on the computer's time zone.
// Settings and machine policy (cacheRetentionDays): 0 = keep nothing on disk; null = keep everything.

const TAIWAN_OFFSET_MS = 8 * 60 * 60 * 1000
const DAY_MS = 24 * 60 * 60 * 1000

export type RetentionDays = number | null

export function checkRetention(days: RetentionDays | undefined): RetentionDays {
  if (days === null || days === undefined) return null
  if (!Number.isInteger(days) || days < 0) throw new RangeError('retentionDays must be a non-negative integer or null')
  return days
}

/** Oldest 報關日期 kept (YYYY-MM-DD), or null to keep everything; with 0 days nothing qualifies. */
export function retentionCutoff(now: Date, days: RetentionDays | undefined): string | null {
  const d = checkRetention(days)
  if (d === null) return null
  if (d === 0) return '9999-12-31'
  return new Date(now.getTime() + TAIWAN_OFFSET_MS - d * DAY_MS).toISOString().slice(0, 10)
}

/** Whether `next` keeps rows that `previous` dropped (they must then be fetched again). */
export function keepsMore(next: RetentionDays, previous: RetentionDays): boolean {
  if (previous === null) return false
  return next === null || next > previous
}
