import type { App } from 'vue'
import { eccs } from './bridge'
import type { ClientErrorReport } from '../shared/ipc-contract'

// Renderer errors go to the main process's log through the IPC contract ('app:reportError'):
// Vue's errorHandler, uncaught window errors, unhandled promise rejections and console.error.
// Main rate-limits and redacts; this side caps too (10 per 10 s) so a render loop cannot flood IPC.

const WINDOW_MS = 10_000
const MAX_PER_WINDOW = 10
let windowStart = 0
let sent = 0
let reporting = false

function text(value: unknown): { message: string; stack?: string } {
  if (value instanceof Error)
    return {
      message: `${value.name}: ${value.message}`.slice(0, 2000),
      ...(value.stack ? { stack: value.stack.slice(0, 8000) } : {})
    }
  if (typeof value === 'string') return { message: value.slice(0, 2000) }
  try {
    return { message: JSON.stringify(value).slice(0, 2000) }
  } catch {
    return { message: String(value).slice(0, 2000) }
  }
}

/** Sends one report unless the local cap is reached; never throws, never recurses. */
export function reportError(kind: ClientErrorReport['kind'], value: unknown, info?: string): void {
  if (reporting) return // console.error inside the bridge must not report itself
  const now = Date.now()
  if (now - windowStart > WINDOW_MS) {
    windowStart = now
    sent = 0
  }
  if (++sent > MAX_PER_WINDOW) return
  reporting = true
  try {
    const route = typeof location !== 'undefined' ? location.hash.slice(0, 100) : ''
    const where = [info, route].filter(Boolean).join(' ').slice(0, 200)
    void eccs.reportError({ kind, ...text(value), ...(where ? { info: where } : {}) }).catch(() => undefined)
  } catch {
    // reporting must never break the page
  } finally {
    reporting = false
  }
}

/** Installs the four hooks on the Vue app and the window. */
export function installErrorReporting(app: App): void {
  app.config.errorHandler = (err, _instance, info) => {
    reportError('vue', err, info)
    console.warn(err) // keep it visible in DevTools (warn: not re-reported)
  }
  window.addEventListener('error', (e) => reportError('error', e.error ?? e.message))
  window.addEventListener('unhandledrejection', (e) => reportError('unhandledrejection', e.reason))
  const original = console.error.bind(console)
  console.error = (...args: unknown[]) => {
    original(...args)
    reportError(
      'console',
      args.length === 1
        ? args[0]
        : args
            .map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'string' ? a : text(a).message))
            .join(' ')
    )
  }
}
