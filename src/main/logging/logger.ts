import { mkdirSync } from 'node:fs'
import pino, { type Logger } from 'pino'
import { createStream, type RotatingFileStream } from 'rotating-file-stream'
import { redactText, redactValue } from './redact'

// The app's log: pino JSON lines into a size-rotated file in the OS-standard log folder
// (policy/locations.ts defaultLogDir). Every line passes through redactText on its way to the
// file, whatever produced it (message, object, child bindings, error stack, captured console),
// and structured fields named like secrets are dropped before serialisation.

export const LOG_FILE = 'eccs.log'

export interface AppLogger {
  logger: Logger
  dir: string
  /** Flushes and closes the file. */
  close(): Promise<void>
}

export interface LoggerOptions {
  dir: string
  level: 'error' | 'warn' | 'info' | 'debug'
  /** Rotation size (default 5 MiB) and number of rotated files kept (default 5). */
  size?: `${number}${'K' | 'M'}`
  maxFiles?: number
  /** Also write (redacted) lines to stderr, e.g. in development. */
  tee?: boolean
}

class RedactingDestination {
  constructor(
    private readonly file: RotatingFileStream,
    private readonly tee: boolean
  ) {}
  write(chunk: string): boolean {
    const clean = redactText(chunk)
    if (this.tee) process.stderr.write(clean)
    return this.file.write(clean)
  }
}

export function createAppLogger(opts: LoggerOptions): AppLogger {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 })
  const file = createStream(LOG_FILE, {
    path: opts.dir,
    size: opts.size ?? '5M',
    maxFiles: opts.maxFiles ?? 5,
    mode: 0o600,
    history: 'rotation-history.txt'
  })
  file.on('error', (err) => process.stderr.write(`[log] ${err.message}\n`)) // logging must never crash the app
  const logger = pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (b) => redactValue(b) as Record<string, unknown>,
        log: (obj) => redactValue(obj) as Record<string, unknown>
      },
      serializers: { err: (e: unknown) => redactValue(e), error: (e: unknown) => redactValue(e) }
    },
    new RedactingDestination(file, opts.tee ?? false)
  )
  return {
    logger,
    dir: opts.dir,
    close: () =>
      new Promise<void>((resolve) => {
        logger.flush()
        file.end(() => resolve())
      })
  }
}

/**
 * Routes console.* into the log (app-core still uses console.error for internal errors).
 * Returns a function restoring the originals.
 */
export function captureConsole(logger: Logger): () => void {
  const original = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug
  }
  const route =
    (level: 'info' | 'warn' | 'error' | 'debug') =>
    (...args: unknown[]) => {
      const errors = args.filter((a): a is Error => a instanceof Error)
      const text = args
        .map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(redactValue(a))))
        .join(' ')
      logger[level]({ source: 'console', ...(errors[0] ? { err: errors[0] } : {}) }, text)
    }
  console.log = route('info')
  console.info = route('info')
  console.warn = route('warn')
  console.error = route('error')
  console.debug = route('debug')
  return () => Object.assign(console, original)
}
