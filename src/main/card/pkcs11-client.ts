import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { AppError, type ErrorCode } from '../../shared/errors'
import type { LoginExpectation, TokenState, TokenTarget } from './pkcs11-ops'
import type { TokenContents, WireItemResult, WorkerReply, WorkerRequest } from './worker-protocol'

// The main-thread side of the PKCS#11 worker: an async interface that never blocks the event loop.
// One operation at a time (a second signer gets CARD_BUSY; detection reads wait their turn); a
// timeout, a cancel or the card leaving its reader terminates the worker — the only way to get out
// of a blocking native call — and the next operation starts a fresh one.

export interface WorkerEntry {
  /** A file path, or code when `eval` is set. */
  script: string
  eval: boolean
}

export interface Pkcs11ClientOptions {
  /** Sign operations with a typed PIN. */
  operationTimeoutMs?: number
  /** Sign operations on a PIN-pad reader (the user types on the reader). */
  pinPadTimeoutMs?: number
  /** Detection reads (no PIN). */
  readTimeoutMs?: number
  workerEntry?: WorkerEntry
}

export interface SignRequest {
  module: string
  target: TokenTarget
  keyId: string
  /** The card and tries state the PIN was typed for; checked in the worker right before C_Login. */
  expect: LoginExpectation
  /** PIN bytes (transferred to the worker and wiped there), or null for the PIN pad. */
  pin: Buffer | null
  items: Buffer[]
  /**
   * Further chunks for the same login (a streamed batch): resolves to the next chunk, or null when
   * there is no more. Each chunk goes to the worker as soon as it resolves; a rejection ends the
   * stream like null (the caller reports its own error).
   */
  more?: () => Promise<Buffer[] | null>
  /**
   * Called synchronously right before the request goes to the worker (after any cleanup wait);
   * throwing stops it there (the PIN is wiped). The card layer re-checks the card binding here,
   * so no event-loop turn separates the last main-thread check from the worker's own.
   */
  guard?: () => void
}

interface Running {
  id: number
  kind: 'read' | 'sign' | 'cleanup'
  /** For a sign: which token a terminated worker may have left logged in. */
  token?: { module: string; target: TokenTarget }
  resolve: (reply: WorkerReply) => void
  reject: (err: AppError) => void
  onProgress?: (done: number, total: number) => void
  /** A streamed sign's chunk answered before its last one. */
  onChunk?: (results: WireItemResult[]) => void
  timer: NodeJS.Timeout
  settled: Promise<void>
}

/**
 * Finds the worker next to the running code: the built `pkcs11-worker.js` (electron-vite puts it in
 * out/main/, and shared chunks live one folder down), else the TypeScript source loaded through tsx
 * (vitest, tsx scripts). In a packaged app the built file is inside app.asar, which Electron's fs and
 * worker threads read; `exists` lets a test check that resolution against an asar archive.
 */
export function defaultWorkerEntry(
  baseDir: string = __dirname,
  exists: (path: string) => boolean = existsSync
): WorkerEntry {
  for (const dir of [baseDir, join(baseDir, '..')]) {
    const built = join(dir, 'pkcs11-worker.js')
    if (exists(built)) return { script: built, eval: false }
  }
  const source = join(baseDir, 'pkcs11-worker.ts')
  if (!existsSync(source)) throw new AppError('INTERNAL', `pkcs11-worker not found next to ${baseDir}`)
  const tsx = createRequire(join(baseDir, 'noop.js')).resolve('tsx/cjs')
  return { script: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)})`, eval: true }
}

export class Pkcs11Client {
  private worker: Worker | null = null
  private running: Running | null = null
  private nextId = 1
  private readonly opts: Required<Omit<Pkcs11ClientOptions, 'workerEntry'>>
  private entry: WorkerEntry | null
  private closed = false

  constructor(opts: Pkcs11ClientOptions = {}) {
    this.opts = {
      operationTimeoutMs: opts.operationTimeoutMs ?? 30_000,
      pinPadTimeoutMs: opts.pinPadTimeoutMs ?? 90_000,
      readTimeoutMs: opts.readTimeoutMs ?? 15_000
    }
    this.entry = opts.workerEntry ?? null
  }

  get busy(): boolean {
    return this.running !== null
  }

  /** Reads token identity, PIN flags and certificates (no login). Waits for a running operation. */
  async readToken(module: string): Promise<TokenContents> {
    while (this.running) await this.running.settled
    const reply = await this.start(
      { id: this.nextId++, op: 'read', module },
      'read',
      this.opts.readTimeoutMs,
      'TOKEN_NOT_FOUND'
    )
    if (reply.type !== 'read') throw new AppError('INTERNAL', `unexpected worker reply ${reply.type}`)
    // Structured clone turns Buffers into plain Uint8Arrays.
    const certificates = reply.contents.certificates.map((c) => ({
      ...c,
      der: Buffer.from(c.der.buffer, c.der.byteOffset, c.der.byteLength)
    }))
    return { ...reply.contents, certificates }
  }

  /** Fresh PIN flags of the token `target` (no login). Waits for a read; CARD_BUSY while signing. */
  async tokenState(module: string, target: TokenTarget): Promise<TokenState> {
    while (this.running && this.running.kind !== 'sign') await this.running.settled
    if (this.running) throw new AppError('CARD_BUSY')
    const reply = await this.start(
      { id: this.nextId++, op: 'state', module, target },
      'read',
      this.opts.readTimeoutMs,
      'TOKEN_NOT_FOUND'
    )
    if (reply.type !== 'state') throw new AppError('INTERNAL', `unexpected worker reply ${reply.type}`)
    return reply.state
  }

  /**
   * Logs in once, signs every item with CKM_SHA256_RSA_PKCS — `req.items`, then each chunk
   * `req.more` yields, on the same login — and logs out. Returns every result in order;
   * `onChunk` gets each chunk's results as soon as the card has signed them, `onProgress` counts
   * items across chunks (total: the items sent so far). Busy → CARD_BUSY; the timeout is the
   * longest the card may stay silent (restarted by each signature, chunk and chunk sent), so a
   * long batch on a slow card is not cut off while a stalled one still ends.
   */
  async sign(
    req: SignRequest,
    onProgress?: (done: number, total: number) => void,
    onChunk?: (results: WireItemResult[]) => void
  ): Promise<WireItemResult[]> {
    while (this.running?.kind === 'cleanup') await this.running.settled
    if (this.running) {
      req.pin?.fill(0)
      throw new AppError('CARD_BUSY')
    }
    try {
      req.guard?.()
    } catch (err) {
      req.pin?.fill(0)
      throw err
    }
    // Copy into a buffer of our own so it can be transferred (detached here), then wipe the input.
    const pin = req.pin ? new Uint8Array(req.pin) : null
    req.pin?.fill(0)
    // Exact-size copies of our own, transferred rather than cloned.
    const items = req.items.map((b) => new Uint8Array(b))
    const id = this.nextId++
    const message: WorkerRequest = {
      id,
      op: 'sign',
      module: req.module,
      target: req.target,
      keyId: req.keyId,
      expect: { ...req.expect },
      pin,
      items,
      last: !req.more
    }
    const all: WireItemResult[] = []
    let sent = items.length
    let signed = 0
    const chunk = (results: WireItemResult[]): void => {
      all.push(...results)
      signed += results.length
      onChunk?.(results)
    }
    const pinPad = pin === null
    const timeout = pinPad ? this.opts.pinPadTimeoutMs : this.opts.operationTimeoutMs
    const reply = this.start(
      message,
      'sign',
      timeout,
      pinPad ? 'PIN_TIMEOUT' : 'OPERATION_TIMEOUT',
      onProgress ? (done) => onProgress(signed + done, sent) : undefined,
      [...(pin ? [pin.buffer as ArrayBuffer] : []), ...items.map((i) => i.buffer as ArrayBuffer)],
      { module: req.module, target: req.target },
      chunk
    )
    if (req.more) void this.pump(id, req.more, (n) => (sent += n))
    const last = await reply
    if (last.type !== 'signed') throw new AppError('INTERNAL', `unexpected worker reply ${last.type}`)
    chunk(last.results)
    return all
  }

  /** Sends a streamed sign's further chunks as they come, until none is left or the operation ended. */
  private async pump(id: number, more: () => Promise<Buffer[] | null>, counted: (n: number) => void): Promise<void> {
    for (;;) {
      let next: Buffer[] | null
      try {
        next = await more()
      } catch {
        next = null
      }
      const worker = this.worker
      if (this.running?.id !== id || !worker) return // finished, aborted or failed meanwhile
      const items = (next ?? []).map((b) => new Uint8Array(b))
      counted(items.length)
      const message: WorkerRequest = { id, op: 'signMore', items, last: next === null }
      worker.postMessage(
        message,
        items.map((i) => i.buffer as ArrayBuffer)
      )
      this.running.timer.refresh() // the card has a full timeout for this chunk
      if (next === null) return
    }
  }

  /** Starts the worker ahead of the first card, so the first insertion does not wait for it. */
  prewarm(): void {
    if (this.closed) return
    try {
      this.ensureWorker()
    } catch {
      // reported by the first real operation
    }
  }

  /** Cancels the running operation: it fails with OPERATION_CANCELLED. */
  cancel(): void {
    this.abort('OPERATION_CANCELLED')
  }

  /** The reader monitor saw the card leave: the running operation fails with CARD_REMOVED. */
  cardRemoved(): void {
    this.abort('CARD_REMOVED', 'the card left the reader during the operation')
  }

  async close(): Promise<void> {
    this.closed = true
    this.abort('OPERATION_CANCELLED', 'shutting down')
    const w = this.worker
    this.worker = null
    if (w) await w.terminate()
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker
    this.entry ??= defaultWorkerEntry()
    const w = new Worker(this.entry.script, { eval: this.entry.eval })
    w.on('message', (reply: WorkerReply) => this.onReply(w, reply))
    w.on('error', (err) => this.onWorkerDeath(w, `worker error: ${err.message}`))
    w.on('exit', (code) => this.onWorkerDeath(w, `worker exited (${code})`))
    w.unref() // an idle card worker must not keep the process alive
    this.worker = w
    return w
  }

  private start(
    message: WorkerRequest,
    kind: Running['kind'],
    timeoutMs: number,
    timeoutCode: ErrorCode,
    onProgress?: (done: number, total: number) => void,
    transfer: ArrayBuffer[] = [],
    token?: Running['token'],
    onChunk?: Running['onChunk']
  ): Promise<WorkerReply> {
    if (this.closed) return Promise.reject(new AppError('NOT_READY', 'card client closed'))
    let worker: Worker
    try {
      worker = this.ensureWorker()
    } catch (err) {
      return Promise.reject(err instanceof AppError ? err : new AppError('INTERNAL', (err as Error).message))
    }
    let done!: () => void
    const settled = new Promise<void>((r) => (done = r))
    return new Promise<WorkerReply>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(running.timer)
        if (this.running === running) this.running = null
        done()
      }
      const running: Running = {
        id: message.id,
        kind,
        resolve: (reply) => {
          finish()
          resolve(reply)
        },
        reject: (err) => {
          finish()
          reject(err)
        },
        ...(onProgress ? { onProgress } : {}),
        ...(onChunk ? { onChunk } : {}),
        ...(token ? { token } : {}),
        timer: setTimeout(() => this.abort(timeoutCode, `no answer from the card within ${timeoutMs} ms`), timeoutMs),
        settled
      }
      this.running = running
      worker.postMessage(message, transfer)
    })
  }

  private onReply(from: Worker, reply: WorkerReply): void {
    const running = this.running
    if (from !== this.worker || !running || reply.id !== running.id) return // a late answer to an aborted call
    if (reply.type === 'progress') {
      running.timer.refresh() // the card is working: the timeout counts from its latest answer
      running.onProgress?.(reply.done, reply.total)
      return
    }
    if (reply.type === 'signed' && reply.last === false) {
      running.timer.refresh()
      running.onChunk?.(reply.results)
      return
    }
    if (reply.type === 'error') running.reject(new AppError(reply.code, reply.detail))
    else running.resolve(reply)
  }

  private onWorkerDeath(w: Worker, why: string): void {
    if (w !== this.worker) return
    this.worker = null
    const running = this.running
    running?.reject(new AppError('INTERNAL', why))
    // A worker that died logged in (a stream between chunks) leaves the login behind in the module
    // (login state is per process): log it out as after an abort.
    if (running?.token && !this.closed) this.cleanup(running.token)
  }

  /** Fails the running operation with `code` and kills the worker that may be stuck in native code. */
  private abort(code: ErrorCode, detail?: string): void {
    const running = this.running
    if (!running) return
    const w = this.worker
    this.worker = null
    if (w) {
      w.removeAllListeners('message')
      w.removeAllListeners('exit')
      w.removeAllListeners('error')
      w.on('error', () => undefined)
      void w.terminate()
    }
    running.reject(new AppError(code, detail))
    if (running.token && !this.closed) this.cleanup(running.token)
  }

  /** Logs out what the terminated worker left logged in, in a fresh worker, before anything else runs. */
  private cleanup(token: NonNullable<Running['token']>): void {
    this.start(
      { id: this.nextId++, op: 'logout', ...token },
      'cleanup',
      this.opts.readTimeoutMs,
      'OPERATION_TIMEOUT'
    ).catch(() => undefined)
  }
}
