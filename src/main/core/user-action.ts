import { AppError } from '../../shared/errors'
import type { CallLimits } from '../api'

// One user action (a confirmation, a batch, a certificate login …) has one overall deadline and
// one cancel, whatever it does inside: every platform request of the action is given the time
// that is left (never more than PER_REQUEST_MAX_MS), and the cancel button stops the request in
// flight. Before, each request had its own 20 s timeout plus an automatic retry: a silent
// platform took ~40 s to produce an error.

/** The whole action, from the user's click to the answer on screen (issue 14: ≤ 35 s). */
export const ACTION_BUDGET_MS = 30_000
/** No single request may use the whole budget: a retry must still fit. */
export const PER_REQUEST_MAX_MS = 12_000

export interface UserActionOptions {
  budgetMs?: number
  perRequestMaxMs?: number
  now?: () => number
}

export class UserAction {
  /** Epoch milliseconds after which the action fails (ACTION_TIMEOUT / DECISION_UNCONFIRMED); see extend(). */
  deadline: number
  private readonly controller = new AbortController()
  private timer: NodeJS.Timeout
  private readonly now: () => number
  private readonly perRequestMaxMs: number

  constructor(opts: UserActionOptions = {}) {
    this.now = opts.now ?? Date.now
    const budget = opts.budgetMs ?? ACTION_BUDGET_MS
    this.perRequestMaxMs = opts.perRequestMaxMs ?? PER_REQUEST_MAX_MS
    this.deadline = this.now() + budget
    this.timer = this.arm()
  }

  private arm(): NodeJS.Timeout {
    const t = setTimeout(
      () => this.controller.abort(new AppError('ACTION_TIMEOUT', 'no answer before the deadline')),
      this.remainingMs()
    )
    t.unref?.()
    return t
  }

  /** Aborted on cancel (reason OPERATION_CANCELLED) or at the deadline (reason ACTION_TIMEOUT). */
  get signal(): AbortSignal {
    return this.controller.signal
  }

  get stopped(): boolean {
    return this.controller.signal.aborted
  }

  /** True when the deadline (not the user) stopped the action. */
  get timedOut(): boolean {
    const r: unknown = this.controller.signal.reason
    return r instanceof AppError && r.code === 'ACTION_TIMEOUT'
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - this.now())
  }

  /** Limits for the next platform request of this action. */
  limits(): CallLimits {
    return { signal: this.signal, timeoutMs: Math.max(1, Math.min(this.perRequestMaxMs, this.remainingMs())) }
  }

  /** The user pressed cancel. */
  cancel(): void {
    this.controller.abort(new AppError('OPERATION_CANCELLED', 'cancelled by the user'))
  }

  /** Throws OPERATION_CANCELLED / ACTION_TIMEOUT once the action is stopped. */
  throwIfStopped(): void {
    if (!this.stopped) return
    const r: unknown = this.controller.signal.reason
    throw r instanceof AppError ? r : new AppError('OPERATION_CANCELLED')
  }

  /** Waits `ms` (back-off between automatic retries), or less when the action stops meanwhile. */
  async pause(ms: number): Promise<void> {
    if (this.stopped) return
    const signal = this.signal
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, Math.min(ms, this.remainingMs()))
      function done(): void {
        clearTimeout(t)
        signal.removeEventListener('abort', done)
        resolve()
      }
      signal.addEventListener('abort', done, { once: true })
    })
  }

  /**
   * Moves the deadline by `ms` (not past a stop): time spent on the card (PIN entry, a batch's
   * signatures) is governed by the card layer's own timeouts and is not the platform's budget.
   */
  extend(ms: number): void {
    if (this.stopped || ms <= 0) return
    this.deadline += ms
    clearTimeout(this.timer)
    this.timer = this.arm()
  }

  /** Releases the deadline timer (the action is over). */
  finish(): void {
    clearTimeout(this.timer)
  }
}
