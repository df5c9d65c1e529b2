// Password-guessing defence that an outsider cannot turn against someone else (issue 14).
//
// Wrong passwords are counted per (account name as typed, client address) — never per account
// alone — so failures from one client lock only that client out of that account: the owner on
// another client logs in as usual. After `freeAttempts` failures the pair must wait, and every
// further failure doubles the wait (CAPTCHA-like back-off) up to `maxDelayMs`. Unknown account
// names are counted exactly like existing ones, so the answers (status, body, timing) never tell
// whether an account exists. In memory: a restart forgets it, as the fixed-window limiter does.

export interface LoginThrottleLimits {
  /** Failures allowed before the first wait. */
  freeAttempts: number
  /** First wait, milliseconds; doubled with every further failure. */
  baseDelayMs: number
  /** Longest wait, milliseconds. */
  maxDelayMs: number
}

interface Entry {
  failures: number
  blockedUntil: number
  lastFailureAt: number
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly now: () => Date,
    private readonly limits: LoginThrottleLimits
  ) {}

  /** The key of an account name (NFC, case-folded as the login matches it) and a client address. */
  static key(account: string, client: string): string {
    return `${account.normalize('NFC').toLowerCase()}\u0000${client}`
  }

  /** Seconds this pair must still wait (0 = may try now). */
  waitSeconds(key: string): number {
    const e = this.entries.get(key)
    if (!e) return 0
    const left = e.blockedUntil - this.now().getTime()
    return left > 0 ? Math.ceil(left / 1000) : 0
  }

  /** Records a wrong password; returns the wait it starts in seconds (0 while attempts are free). */
  fail(key: string): number {
    const t = this.now().getTime()
    const e = this.entries.get(key) ?? { failures: 0, blockedUntil: 0, lastFailureAt: t }
    // A pair that stayed quiet for the longest wait starts over.
    if (t - e.lastFailureAt > this.limits.maxDelayMs) e.failures = 0
    e.failures++
    e.lastFailureAt = t
    const over = e.failures - this.limits.freeAttempts
    if (over >= 0) e.blockedUntil = t + Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** over)
    this.entries.set(key, e)
    if (this.entries.size > 100_000) this.prune(t)
    return over >= 0 ? Math.ceil((e.blockedUntil - t) / 1000) : 0
  }

  /** A correct password clears the pair's record. */
  succeed(key: string): void {
    this.entries.delete(key)
  }

  private prune(t: number): void {
    for (const [k, e] of this.entries)
      if (t - e.lastFailureAt > this.limits.maxDelayMs && e.blockedUntil < t) this.entries.delete(k)
  }
}
