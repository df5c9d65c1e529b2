// Fixed-window counters for rate limits (in memory; reset when the server restarts).

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>()

  constructor(private readonly now: () => Date) {}

  /** Current count for `key` within a window of `windowMs`. */
  count(key: string, windowMs: number): number {
    const w = this.windows.get(key)
    if (!w || this.now().getTime() - w.start >= windowMs) return 0
    return w.count
  }

  /** Counts `by` (default 1) events for `key`; returns the count in the current window. */
  hit(key: string, windowMs: number, by = 1): number {
    const t = this.now().getTime()
    const w = this.windows.get(key)
    if (!w || t - w.start >= windowMs) {
      this.windows.set(key, { start: t, count: by })
      return by
    }
    w.count += by
    return w.count
  }

  /** Seconds until the window of `key` ends. */
  retryAfter(key: string, windowMs: number): number {
    const w = this.windows.get(key)
    if (!w) return 0
    return Math.max(1, Math.ceil((w.start + windowMs - this.now().getTime()) / 1000))
  }

  reset(key: string): void {
    this.windows.delete(key)
  }
}
