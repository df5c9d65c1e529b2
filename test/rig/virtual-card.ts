// A virtual smart card for the vsmartcard "vpcd" reader driver (see pcscd.ts).
//
// vpcd listens on a TCP port per reader; the card is the TCP *client*. The card counts as
// inserted while the connection is open and removed once it closes. Every message is framed
// as a 2-byte big-endian length + payload. 1-byte payloads are control messages from vpcd
// (0x00 power off, 0x01 power on, 0x02 reset, 0x04 get ATR); longer ones are C-APDUs that
// are answered with an R-APDU.
import { EventEmitter } from 'node:events'
import net from 'node:net'

/** Real MOICA (HiCOS) citizen certificate card ATR: T=1, historical bytes "CHTMOICA". */
export const MOICA_ATR = '3BB813008131FA524348544D4F494341A5'

const CTRL_POWER_OFF = 0x00
const CTRL_POWER_ON = 0x01
const CTRL_RESET = 0x02
const CTRL_GET_ATR = 0x04

/** Upper bound for insert() waiting on power-on (pcscd polls vpcd about every 400 ms). */
const INSERT_WAIT_MS = 3_000
/**
 * Minimum gap between a removal and the next insert. vpcd only notices a closed connection on
 * its next presence poll and then immediately accepts a pending new one, so a faster
 * remove+insert looks to pcscd like the old card never left (no EMPTY, stale ATR).
 */
export const REMOVAL_SETTLE_MS = 600

/** Tiny default card: SELECT -> 90 00, everything else -> 6D 00 (INS not supported). */
export function defaultApdu(apdu: Buffer): Buffer {
  if (apdu.length < 4) return Buffer.from([0x67, 0x00]) // wrong length
  if (apdu[1] === 0xa4) return Buffer.from([0x90, 0x00])
  return Buffer.from([0x6d, 0x00])
}

function frame(payload: Buffer): Buffer {
  const len = Buffer.alloc(2)
  len.writeUInt16BE(payload.length)
  return Buffer.concat([len, payload])
}

/**
 * Events: 'inserted' (TCP connected), 'powered' (power on / reset), 'atr' (ATR sent; vpcd
 * asks for it on every presence poll, ~400 ms),
 * 'apdu' (command, response), 'removed' (connection closed — also when pcscd dies).
 * Never emits 'error'.
 */
export class VirtualCard extends EventEmitter {
  atr = MOICA_ATR
  onApdu: (apdu: Buffer) => Buffer = defaultApdu
  /** Commands received since construction (handy for assertions). */
  readonly apdus: Buffer[] = []

  private readonly port: number
  private readonly host: string
  private socket: net.Socket | null = null
  private rx: Buffer = Buffer.alloc(0)
  private closed: Promise<void> = Promise.resolve()
  private removedAt = -Infinity
  private queue: Promise<void> = Promise.resolve()

  constructor(opts: { port: number; host?: string }) {
    super()
    this.port = opts.port
    this.host = opts.host ?? '127.0.0.1'
  }

  get inserted(): boolean {
    return this.socket !== null
  }

  /**
   * Connect to vpcd. Resolves once pcscd has powered the card on (it reads the ATR right then,
   * so the PC/SC status change follows within ~1 ms), or after INSERT_WAIT_MS, or if the
   * connection drops. vpcd's presence polls also send GET ATR, so 'atr' alone means "probed",
   * not "powered". If already inserted, the card is removed first so a new ATR takes effect;
   * an insert within REMOVAL_SETTLE_MS of a removal waits out the rest of that gap.
   */
  insert(atr?: string): Promise<void> {
    return this.serialize(() => this.doInsert(atr))
  }

  /** Close the connection (= pull the card); resolves when the socket is closed. */
  remove(): Promise<void> {
    return this.serialize(() => this.doRemove())
  }

  /** Same as remove(); idempotent. */
  close(): Promise<void> {
    return this.remove()
  }

  /** Overlapping insert()/remove() calls must not open a second connection. */
  private serialize(op: () => Promise<void>): Promise<void> {
    const next = this.queue.then(op, op)
    this.queue = next.catch(() => {})
    return next
  }

  private async doInsert(atr?: string): Promise<void> {
    if (this.inserted) await this.doRemove()
    if (atr !== undefined) this.atr = atr.replace(/\s+/g, '')
    const settle = this.removedAt + REMOVAL_SETTLE_MS - Date.now()
    if (settle > 0) await new Promise((r) => setTimeout(r, settle))
    const socket = await this.connect()
    await this.waitForPcscd(socket)
  }

  private async doRemove(): Promise<void> {
    this.socket?.destroy()
    await this.closed
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port: this.port, host: this.host })
      socket.setNoDelay(true)
      const onConnectError = (err: Error) =>
        reject(new Error(`virtual card: vpcd ${this.host}:${this.port}: ${err.message}`))
      socket.once('error', onConnectError)
      socket.once('connect', () => {
        socket.off('error', onConnectError)
        this.attach(socket)
        resolve(socket)
      })
    })
  }

  private attach(socket: net.Socket): void {
    this.socket = socket
    this.rx = Buffer.alloc(0)
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        if (this.socket === socket) this.socket = null
        this.removedAt = Date.now()
        this.emit('removed')
        resolve()
      })
    })
    // pcscd died / connection reset: just counts as removal ('close' follows).
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk))
    this.emit('inserted')
  }

  private waitForPcscd(socket: net.Socket): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.off('powered', done)
        socket.off('close', done)
        resolve()
      }
      const timer = setTimeout(done, INSERT_WAIT_MS)
      this.on('powered', done)
      socket.once('close', done)
    })
  }

  /** Reassemble frames: a chunk may hold a partial frame or several frames. */
  private onData(socket: net.Socket, chunk: Buffer): void {
    this.rx = this.rx.length ? Buffer.concat([this.rx, chunk]) : chunk
    while (this.rx.length >= 2) {
      const len = this.rx.readUInt16BE(0)
      if (this.rx.length < 2 + len) break
      const payload = this.rx.subarray(2, 2 + len)
      this.rx = this.rx.subarray(2 + len)
      this.handle(socket, Buffer.from(payload))
    }
  }

  private handle(socket: net.Socket, payload: Buffer): void {
    if (payload.length === 0) return
    if (payload.length === 1) return this.control(socket, payload[0]!)
    this.apdus.push(payload)
    const response = this.respond(payload)
    this.send(socket, response)
    this.emit('apdu', payload, response)
  }

  private control(socket: net.Socket, code: number): void {
    switch (code) {
      case CTRL_GET_ATR:
        this.send(socket, Buffer.from(this.atr, 'hex'))
        this.emit('atr')
        return
      case CTRL_POWER_ON:
      case CTRL_RESET:
        this.emit('powered')
        return
      case CTRL_POWER_OFF:
      default:
        return // no answer expected
    }
  }

  /** A throwing handler must not kill the test process: answer 6F 00 (no precise diagnosis). */
  private respond(apdu: Buffer): Buffer {
    try {
      return this.onApdu(apdu)
    } catch {
      return Buffer.from([0x6f, 0x00])
    }
  }

  private send(socket: net.Socket, payload: Buffer): void {
    if (!socket.destroyed && socket.writable) socket.write(frame(payload))
  }
}
