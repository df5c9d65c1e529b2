import { EventEmitter } from 'node:events'
import pcsclite from 'pcsclite'
import type { CardReader, PCSCLite, ReaderStatus } from 'pcsclite'
import { normalizeAtr } from './atr'

// Watches PC/SC readers and cards through pcsclite and publishes one immutable snapshot per change.
// pcsclite throws synchronously when pcscd is absent and emits 'error' when pcscd goes away, so the
// monitor treats both as "service down" and reconnects with a bounded back-off.

export interface ReaderSnapshot {
  service: 'starting' | 'up' | 'down'
  readers: { name: string; cardPresent: boolean; atr?: string }[]
  /** Why the service is down (pcsclite's message), for diagnostics. */
  error?: string
}

export interface ReaderMonitorOptions {
  /** Back-off delays in ms; the last one repeats. */
  backoffMs?: number[]
  /** Injected for tests; defaults to require('pcsclite'). */
  pcscFactory?: () => PCSCLite
}

type ReaderState = { name: string; cardPresent: boolean; atr?: string }

export class ReaderMonitor extends EventEmitter {
  private pcsc: PCSCLite | null = null
  private readonly readers = new Map<string, ReaderState>()
  private service: ReaderSnapshot['service'] = 'starting'
  private lastError: string | undefined
  private retryTimer: NodeJS.Timeout | null = null
  private attempt = 0
  private stopped = false
  private readonly backoffMs: number[]
  private readonly factory: () => PCSCLite

  constructor(opts: ReaderMonitorOptions = {}) {
    super()
    // Capped at 1.5 s: a restarted pcscd is picked up within ~1.5 s however long it was down (issue 14:
    // recovery ≤ 3 s); a failing SCardEstablishContext every 1.5 s costs next to nothing.
    this.backoffMs = opts.backoffMs ?? [250, 500, 1000, 1500]
    this.factory = opts.pcscFactory ?? loadPcsclite
  }

  start(): void {
    this.stopped = false
    this.connect()
  }

  stop(): void {
    this.stopped = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.teardown()
  }

  snapshot(): ReaderSnapshot {
    const readers = [...this.readers.values()].map((r) => ({ ...r }))
    return this.lastError && this.service === 'down'
      ? { service: this.service, readers, error: this.lastError }
      : { service: this.service, readers }
  }

  private connect(): void {
    if (this.stopped) return
    let pcsc: PCSCLite
    try {
      pcsc = this.factory()
    } catch (err) {
      this.markDown(err)
      return
    }
    this.pcsc = pcsc
    pcsc.on('error', (err) => this.markDown(err))
    pcsc.on('reader', (reader) => this.watchReader(reader))
    // pcsclite reports "no readers" by silence; declare the service up once the context exists.
    this.attempt = 0
    this.service = 'up'
    this.lastError = undefined
    this.publish()
  }

  private watchReader(reader: CardReader): void {
    const name = reader.name
    this.readers.set(name, { name, cardPresent: false })
    this.publish()
    reader.on('status', (status: ReaderStatus) => this.onStatus(reader, status))
    reader.on('end', () => {
      this.readers.delete(name)
      this.publish()
    })
    reader.on('error', (err: Error) => {
      // A per-reader error (e.g. reader unplugged mid-call) is not a service failure.
      this.emit('reader-error', { reader: name, message: err.message })
    })
  }

  private onStatus(reader: CardReader, status: ReaderStatus): void {
    const present = (status.state & reader.SCARD_STATE_PRESENT) !== 0 && (status.state & reader.SCARD_STATE_MUTE) === 0
    const atr = present && status.atr && status.atr.length > 0 ? normalizeAtr(status.atr) : undefined
    const prev = this.readers.get(reader.name)
    if (prev && prev.cardPresent === present && prev.atr === atr) return
    this.readers.set(
      reader.name,
      atr ? { name: reader.name, cardPresent: present, atr } : { name: reader.name, cardPresent: present }
    )
    this.publish()
  }

  private markDown(err: unknown): void {
    if (this.stopped) return
    this.teardown()
    this.service = 'down'
    this.lastError = err instanceof Error ? err.message : String(err)
    this.publish()
    const delay = this.backoffMs[Math.min(this.attempt, this.backoffMs.length - 1)] ?? 5000
    this.attempt++
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.connect()
    }, delay)
  }

  private teardown(): void {
    const pcsc = this.pcsc
    this.pcsc = null
    this.readers.clear()
    if (!pcsc) return
    pcsc.removeAllListeners()
    // Keep a listener so a late native 'error' after close cannot crash the process.
    pcsc.on('error', () => undefined)
    // pcsclite lists readers on a later tick (process.nextTick, then per change), even after
    // close(): a stop() in the same tick as start() would otherwise leave those readers with no
    // 'error' listener, and the next "RPC transport error" (pcscd gone) would end the process.
    pcsc.on('reader', (reader: CardReader) => releaseReader(reader))
    for (const reader of Object.values(pcsc.readers)) releaseReader(reader)
    try {
      pcsc.close()
    } catch {
      // Closing a context whose daemon died can throw; the context is gone either way.
    }
  }

  private publish(): void {
    this.emit('change', this.snapshot())
  }
}

/** Silences and closes a reader we no longer watch (its late 'error' events go nowhere). */
function releaseReader(reader: CardReader): void {
  reader.removeAllListeners('status')
  reader.removeAllListeners('end')
  reader.on('error', () => undefined)
  try {
    reader.close() // stops the reader's native watcher thread
  } catch {
    // already closed by a dead daemon
  }
}

function loadPcsclite(): PCSCLite {
  return pcsclite()
}
