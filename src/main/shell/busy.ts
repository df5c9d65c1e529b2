import type { IpcChannel } from '../../shared/ipc-contract'

// Which IPC calls are card operations (they take the PIN and sign with the card). While one runs,
// nothing may restart the app: an update waits (update-flow.ts). Counted from the calls main
// itself dispatches, so it holds whatever the page does.

/** Channels that log in to the card (their requests carry a `pin`); checked against the contract by test. */
export const CARD_CHANNELS: ReadonlySet<IpcChannel> = new Set<IpcChannel>([
  'session:loginCertificate',
  'delegations:decideBatch',
  'profile:enableCertificate',
  'registration:verifyIdentity'
])

/** Counts card operations in flight and tells listeners when the last one ends. */
export class BusyTracker {
  private running = 0
  private readonly idleListeners = new Set<() => void>()

  get busy(): boolean {
    return this.running > 0
  }

  /** Wraps one dispatched call; `work` is the dispatch promise (which never rejects, but is guarded). */
  async track<T>(channel: string, work: () => Promise<T>): Promise<T> {
    if (!CARD_CHANNELS.has(channel as IpcChannel)) return work()
    this.running++
    try {
      return await work()
    } finally {
      this.running--
      if (this.running === 0) for (const l of [...this.idleListeners]) l()
    }
  }

  /** Resolves at once when idle, else when the last card operation ends. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve()
    return new Promise((resolve) => {
      const l = (): void => {
        this.idleListeners.delete(l)
        resolve()
      }
      this.idleListeners.add(l)
    })
  }
}
