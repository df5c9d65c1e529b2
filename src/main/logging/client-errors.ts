import type { ClientErrorReport } from '../../shared/ipc-contract'
import { redactText } from './redact'

// Renderer errors (from either host: Electron IPC or the web host's /ipc) written to the main
// log. A page in an error loop must not flood the log or the disk, so reports pass a token bucket
// (default 20 per minute); what was dropped is counted and written once the bucket refills.
// Text is redacted here and again by the logger's destination.

export interface ClientErrorLogOptions {
  /** Writes one line (the caller's log at level error, e.g. console.error captured into pino). */
  write(line: string): void
  /** Reports allowed per minute. */
  perMinute?: number
  now?: () => number
}

export interface ClientErrorLog {
  /** Logs one report unless rate-limited; returns whether it was written. */
  report(r: ClientErrorReport): boolean
}

export function createClientErrorLog(opts: ClientErrorLogOptions): ClientErrorLog {
  const capacity = opts.perMinute ?? 20
  const now = opts.now ?? (() => Date.now())
  let tokens = capacity
  let last = now()
  let dropped = 0
  return {
    report(r) {
      const t = now()
      tokens = Math.min(capacity, tokens + ((t - last) / 60_000) * capacity)
      last = t
      if (tokens < 1) {
        dropped++
        return false
      }
      tokens -= 1
      if (dropped > 0) {
        opts.write(`[renderer] ${dropped} more error report(s) were dropped (rate limit ${capacity}/min)`)
        dropped = 0
      }
      const info = r.info ? ` (${r.info})` : ''
      const stack = r.stack ? `\n${r.stack}` : ''
      opts.write(redactText(`[renderer] ${r.kind}${info}: ${r.message}${stack}`))
      return true
    }
  }
}
