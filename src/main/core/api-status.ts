import type { ApiStatus } from '../../shared/api-types'
import type { AppError } from '../../shared/errors'

// Online/offline as the API client experiences it. Any answer from the server means online; a
// transport failure means offline, after which a health probe runs periodically until it answers.

export class ApiStatusTracker {
  private status: ApiStatus
  private timer: NodeJS.Timeout | null = null

  constructor(
    configured: boolean,
    private readonly emit: (status: ApiStatus) => void,
    private readonly probe: () => Promise<unknown>,
    private readonly probeEveryMs = 10_000
  ) {
    this.status = { state: configured ? 'online' : 'unconfigured', checkedAt: new Date().toISOString() }
  }

  current(): ApiStatus {
    return this.status
  }

  /** Called by the HTTP client after every exchange. */
  report(reachable: boolean, problem?: AppError): void {
    if (this.status.state === 'unconfigured') return
    const next: ApiStatus = reachable
      ? { state: 'online', checkedAt: new Date().toISOString() }
      : { state: 'offline', checkedAt: new Date().toISOString(), ...(problem ? { problem: problem.code } : {}) }
    const changed = next.state !== this.status.state || next.problem !== this.status.problem
    this.status = next
    if (changed) this.emit(next)
    if (next.state === 'offline') this.scheduleProbe()
    else this.stopProbe()
  }

  /** First check at start-up, so the banner is right before the user does anything. */
  start(): void {
    if (this.status.state !== 'unconfigured') void this.probe().catch(() => undefined)
  }

  stop(): void {
    this.stopProbe()
  }

  private scheduleProbe(): void {
    if (this.timer) return
    this.timer = setInterval(() => void this.probe().catch(() => undefined), this.probeEveryMs)
    this.timer.unref()
  }

  private stopProbe(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }
}
