// Errors and crashes of the main process and the renderer, turned into log lines and recovery
// decisions. Plain Node: the Electron shell (index.ts) and the web host install these; the log
// they write to is the redacting app log (src/main/logging), so every line lands in the support bundle.

/** Where the handlers write: the app log (pino, redacted) or console (captured into it). */
export interface ErrorSink {
  error(message: string, err?: unknown): void
  warn(message: string): void
}

interface ProcessLike {
  on(event: 'uncaughtException', listener: (err: Error, origin: string) => void): unknown
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown
  off(event: 'uncaughtException', listener: (err: Error, origin: string) => void): unknown
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown
}

/**
 * Logs `uncaughtException` and `unhandledRejection` of the process instead of letting them end it
 * (an exception in one IPC handler must not end a card operation in another; every boundary in
 * the core already answers typed errors). Returns a function that removes both listeners.
 */
export function installProcessErrorHandlers(proc: ProcessLike, sink: ErrorSink): () => void {
  const onException = (err: Error, origin: string): void => sink.error(`uncaught exception (${origin})`, err)
  const onRejection = (reason: unknown): void => sink.error('unhandled promise rejection', reason)
  proc.on('uncaughtException', onException)
  proc.on('unhandledRejection', onRejection)
  return () => {
    proc.off('uncaughtException', onException)
    proc.off('unhandledRejection', onRejection)
  }
}

/** Electron's `render-process-gone` details (RenderProcessGoneDetails). */
export interface GoneDetails {
  reason: string
  exitCode: number
}

export interface WatchdogOptions {
  /** Reloads the window's page (the session lives in main, so the user stays signed in). */
  reload(): void
  sink: ErrorSink
  /** Reloads allowed within `windowMs` before the watchdog stops reloading (a crash loop). */
  maxReloads?: number
  windowMs?: number
  /** How long a page may stay unresponsive before it is reloaded (ms). */
  unresponsiveMs?: number
  now?: () => number
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (t: unknown) => void
}

/**
 * Recovers the window's renderer: a renderer that crashed, was killed or ran out of memory is
 * reloaded (at most `maxReloads` times per `windowMs`, default 3 per minute); one that stays
 * unresponsive for `unresponsiveMs` (default 15 s) is reloaded too. `clean-exit` is left alone.
 */
export class RendererWatchdog {
  private readonly reloads: number[] = []
  private hangTimer: unknown = null
  private readonly o: Required<Omit<WatchdogOptions, 'reload' | 'sink'>> & Pick<WatchdogOptions, 'reload' | 'sink'>

  constructor(opts: WatchdogOptions) {
    this.o = {
      maxReloads: 3,
      windowMs: 60_000,
      unresponsiveMs: 15_000,
      now: () => Date.now(),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (t) => clearTimeout(t as NodeJS.Timeout),
      ...opts
    }
  }

  /** `render-process-gone`: returns what was done. */
  gone(details: GoneDetails): 'reloaded' | 'ignored' | 'gave-up' {
    this.responsive()
    if (details.reason === 'clean-exit') return 'ignored'
    this.o.sink.error(`renderer process gone: ${details.reason} (exit code ${details.exitCode})`)
    return this.tryReload()
  }

  /** `unresponsive`: reload unless `responsive` arrives within unresponsiveMs. */
  unresponsive(): void {
    if (this.hangTimer !== null) return
    this.o.sink.warn('renderer unresponsive')
    this.hangTimer = this.o.setTimer(() => {
      this.hangTimer = null
      this.o.sink.error(`renderer unresponsive for ${this.o.unresponsiveMs} ms: reloading`)
      this.tryReload()
    }, this.o.unresponsiveMs)
  }

  /** `responsive`: the page recovered on its own. */
  responsive(): void {
    if (this.hangTimer === null) return
    this.o.clearTimer(this.hangTimer)
    this.hangTimer = null
  }

  private tryReload(): 'reloaded' | 'gave-up' {
    const now = this.o.now()
    while (this.reloads.length > 0 && now - (this.reloads[0] as number) > this.o.windowMs) this.reloads.shift()
    if (this.reloads.length >= this.o.maxReloads) {
      this.o.sink.error(
        `renderer failed ${this.reloads.length} times within ${this.o.windowMs} ms: not reloading again`
      )
      return 'gave-up'
    }
    this.reloads.push(now)
    this.o.reload()
    return 'reloaded'
  }
}
