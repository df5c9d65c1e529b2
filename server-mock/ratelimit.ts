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

  hit(key: string, windowMs: number): number {
    const t = this.now().getTime()
    const w = this.windows.get(key)
    if (!w || t - w.start >= windowMs) {
      this.windows.set(key, { start: t, count: 1 })
      return 1
    }
    w.count++
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
