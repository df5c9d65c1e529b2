// Real PC/SC integration: private pcscd + vpcd virtual readers + virtual cards, observed
// through the `pcsclite` npm module exactly as the app sees them.
import fs from 'node:fs'
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pcsclite from 'pcsclite'
import type { CardReader, PCSCLite } from 'pcsclite'
import { startPcscd, type PcscdHandle } from './pcscd'
import { MOICA_ATR, VirtualCard } from './virtual-card'

const OTHER_ATR = '3B021450' // short T=0 ATR (no TCK), clearly different from MOICA's
const SELECT_MF = Buffer.from('00A4000C023F00', 'hex')

interface StatusRecord {
  at: number
  state: number
  atr: string
}

/** Records everything one pcsclite instance reports, so tests can wait on it race-free. */
class PcscWatch {
  readonly readers = new Map<string, CardReader>()
  readonly statuses = new Map<string, StatusRecord[]>()
  readonly ended: string[] = []
  readonly readerErrors: string[] = []
  readonly errors: string[] = []

  constructor(readonly pcsc: PCSCLite) {
    pcsc.on('error', (err) => this.errors.push(err.message))
    pcsc.on('reader', (reader) => this.track(reader))
  }

  private track(reader: CardReader): void {
    const name = reader.name
    this.readers.set(name, reader)
    this.statuses.set(name, [])
    reader.on('status', (s) => {
      this.statuses
        .get(name)
        ?.push({ at: performance.now(), state: s.state, atr: s.atr?.toString('hex').toUpperCase() ?? '' })
    })
    reader.on('error', (err) => this.readerErrors.push(`${name}: ${err.message}`))
    reader.on('end', () => this.ended.push(name))
  }

  reader(name: string): CardReader {
    const r = this.readers.get(name)
    if (!r) throw new Error(`reader ${name} not seen`)
    return r
  }

  /** First status of `name` at/after `since` that satisfies `pred`. */
  status(name: string, since: number, pred: (s: StatusRecord, r: CardReader) => boolean, timeoutMs = 5_000) {
    return waitFor(`status of ${name}`, timeoutMs, () => {
      const r = this.readers.get(name)
      return r && this.statuses.get(name)?.find((s) => s.at >= since && pred(s, r))
    })
  }

  present(name: string, since: number, atr: string) {
    return this.status(name, since, (s, r) => (s.state & r.SCARD_STATE_PRESENT) !== 0 && s.atr === atr)
  }

  empty(name: string, since: number) {
    return this.status(name, since, (s, r) => (s.state & r.SCARD_STATE_EMPTY) !== 0)
  }

  /** Best-effort native cleanup: stop status threads so the worker can exit. */
  close(): void {
    for (const r of this.readers.values()) r.close()
    this.pcsc.close()
  }
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | null | false): Promise<T> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const v = probe()
    if (v) return v
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function connect(reader: CardReader): Promise<number> {
  return new Promise((resolve, reject) =>
    reader.connect({ share_mode: reader.SCARD_SHARE_SHARED }, (err, protocol) =>
      err ? reject(err) : resolve(protocol ?? 0)
    )
  )
}

function transmit(reader: CardReader, apdu: Buffer, protocol: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    reader.transmit(apdu, 258, protocol, (err, data) => (err ? reject(err) : resolve(data ?? Buffer.alloc(0))))
  )
}

function disconnect(reader: CardReader): Promise<void> {
  return new Promise((resolve, reject) =>
    reader.disconnect(reader.SCARD_LEAVE_CARD, (err) => (err ? reject(err) : resolve()))
  )
}

/** PIDs whose command line mentions `needle` (like `pgrep -f`, without spawning). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry))
    } catch {
      /* exited meanwhile */
    }
  }
  return pids
}

/** insert() and return when the TCP connection (= physical insertion) happened. */
async function insertAt(card: VirtualCard, atr: string): Promise<number> {
  const connected = new Promise<number>((r) => card.once('inserted', () => r(performance.now())))
  await card.insert(atr)
  return connected
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b)
  const median = s[Math.floor(s.length / 2)] ?? NaN
  return `min ${s[0]?.toFixed(0)} / median ${median.toFixed(0)} / max ${s[s.length - 1]?.toFixed(0)} ms (n=${s.length})`
}

describe('PC/SC rig: private pcscd + vpcd + pcsclite', () => {
  let rig: PcscdHandle
  let watch: PcscWatch
  const watches: PcscWatch[] = []
  let cardA: VirtualCard
  let cardB: VirtualCard
  let readerA: string
  let readerB: string

  beforeAll(async () => {
    rig = await startPcscd()
    // libpcsclite reads this once per process, at the first SCardEstablishContext.
    process.env.PCSCLITE_CSOCK_NAME = rig.env.PCSCLITE_CSOCK_NAME
    watch = new PcscWatch(pcsclite())
    watches.push(watch)
    cardA = new VirtualCard({ port: rig.ports[0]! })
    cardB = new VirtualCard({ port: rig.ports[1]! })
    ;[readerA, readerB] = rig.readerNames as [string, string]
  })

  afterAll(async () => {
    await cardA?.close()
    await cardB?.close()
    for (const w of watches) w.close()
    await rig?.stop()
  })

  it('lists both virtual readers, initially empty', async () => {
    expect(rig.readerNames).toEqual(['Virtual PCD 00 00', 'Virtual PCD 00 01'])
    await waitFor('both readers', 5_000, () => watch.readers.size === 2)
    expect([...watch.readers.keys()].sort()).toEqual(rig.readerNames)
    await watch.empty(readerA, 0)
    await watch.empty(readerB, 0)
    expect(fs.existsSync(rig.socketPath)).toBe(true)
  })

  it('insert(MOICA_ATR) -> PRESENT with the MOICA ATR bytes', async () => {
    const t0 = await insertAt(cardA, MOICA_ATR)
    const resolvedAfter = performance.now() - t0
    const s = await watch.present(readerA, t0, MOICA_ATR)
    expect(cardA.inserted).toBe(true)
    expect(Buffer.from(s.atr, 'hex')).toEqual(Buffer.from(MOICA_ATR, 'hex'))
    console.log(
      `[rig] first insert: insert() resolved ${resolvedAfter.toFixed(0)} ms, status event ${(s.at - t0).toFixed(0)} ms after connect`
    )
  })

  it('remove() -> EMPTY', async () => {
    const t0 = performance.now()
    await cardA.remove()
    expect(cardA.inserted).toBe(false)
    const s = await watch.empty(readerA, t0)
    expect(s.state & watch.reader(readerA).SCARD_STATE_PRESENT).toBe(0)
  })

  it('re-insert with another ATR -> the new ATR', async () => {
    const t0 = await insertAt(cardA, OTHER_ATR)
    const s = await watch.present(readerA, t0, OTHER_ATR)
    expect(s.atr).toBe(OTHER_ATR)
    // insert() while inserted swaps the card: pcscd sees EMPTY, then the MOICA ATR again.
    const t1 = performance.now()
    await cardA.insert(MOICA_ATR)
    const present = await watch.present(readerA, t1, MOICA_ATR)
    const empty = await watch.empty(readerA, t1)
    expect(empty.at).toBeLessThan(present.at)
  })

  it('holds two cards in the two readers at once', async () => {
    const t0 = await insertAt(cardB, OTHER_ATR)
    await watch.present(readerB, t0, OTHER_ATR)
    expect(cardA.inserted && cardB.inserted).toBe(true)
    const a = watch.statuses.get(readerA)?.at(-1)
    expect(a && a.atr).toBe(MOICA_ATR) // reader A unaffected
    const t1 = performance.now()
    await cardB.remove()
    await watch.empty(readerB, t1)
  })

  it('connect + transmit SELECT -> 90 00 from the virtual card', async () => {
    const reader = watch.reader(readerA)
    const protocol = await connect(reader)
    expect(protocol).toBe(reader.SCARD_PROTOCOL_T1) // MOICA ATR offers T=1 only
    expect(await transmit(reader, SELECT_MF, protocol)).toEqual(Buffer.from([0x90, 0x00]))
    expect(cardA.apdus.at(-1)).toEqual(SELECT_MF)
    expect(await transmit(reader, Buffer.from('00CA010000', 'hex'), protocol)).toEqual(Buffer.from([0x6d, 0x00]))
    // Custom card behaviour is a plain function swap.
    cardA.onApdu = () => Buffer.from('CAFE9000', 'hex')
    expect(await transmit(reader, Buffer.from('80CA000000', 'hex'), protocol)).toEqual(Buffer.from('CAFE9000', 'hex'))
    await disconnect(reader)
  })

  it('measures connect/close -> status latency (pcscd polls vpcd)', async () => {
    const ins: number[] = []
    const rem: number[] = []
    for (let i = 0; i < 8; i++) {
      // Random offsets sample the whole ~400 ms poll phase instead of locking onto one point.
      await sleep(Math.random() * 450)
      const t0 = await insertAt(cardB, MOICA_ATR)
      ins.push((await watch.present(readerB, t0, MOICA_ATR)).at - t0)
      await sleep(Math.random() * 450)
      const t1 = performance.now()
      await cardB.remove()
      rem.push((await watch.empty(readerB, t1)).at - t1)
    }
    console.log(`[rig] insert -> PRESENT status: ${stats(ins)}`)
    console.log(`[rig] remove -> EMPTY status:   ${stats(rem)}`)
    expect(Math.max(...ins, ...rem)).toBeLessThan(2_000)
  })

  // What the app's "PC/SC service not running" state and recovery depend on.
  it('kill(): pcsclite errors and ends readers; restart(): only a NEW pcsclite() sees readers again', async () => {
    expect(cardA.inserted).toBe(true)
    await rig.kill()

    // 1. The running instance: every reader emits 'error' (SCardGetStatusChange, RPC transport
    //    error 0x80100013) then 'end'; the PCSCLite instance emits 'error' with the same message.
    await waitFor('pcsclite error + reader ends', 5_000, () => watch.errors.length > 0 && watch.ended.length === 2)
    expect(watch.errors[0]).toMatch(/SCardGetStatusChange.*0x80100013/)
    expect(watch.ended.sort()).toEqual(rig.readerNames)
    expect(watch.readerErrors.every((e) => /0x80100013/.test(e))).toBe(true)
    expect(Object.keys(watch.pcsc.readers)).toEqual([])
    // The vpcd connection dropped with the daemon, so the virtual card counts as removed.
    await waitFor('card A removed', 2_000, () => !cardA.inserted)

    // 2. While pcscd is down, creating an instance throws synchronously (Service not available).
    expect(() => pcsclite()).toThrow(/SCardEstablishContext.*0x8010001d/)

    // 3. After restart the old instance stays dead (its monitor thread has exited).
    await rig.restart()
    await sleep(1_000)
    expect(watch.readers.size).toBe(2) // no new 'reader' events on the old instance...
    expect(Object.keys(watch.pcsc.readers)).toEqual([]) // ...and its reader map stays empty

    // 4. A fresh instance in the same process works again (no process restart needed).
    const fresh = new PcscWatch(pcsclite())
    watches.push(fresh)
    await waitFor('readers on the new instance', 5_000, () => fresh.readers.size === 2)
    const t0 = await insertAt(cardA, MOICA_ATR)
    await fresh.present(readerA, t0, MOICA_ATR)
    expect(fresh.errors).toEqual([])
  })

  it('stop(): no pcscd for this rig remains, dir removed, idempotent', async () => {
    const { dir, pid } = rig
    expect(processesMentioning(dir)).not.toEqual([])
    for (const w of watches) w.close() // close clients first so they don't log transport errors
    watches.length = 0
    await rig.stop()
    expect(processesMentioning(dir)).toEqual([])
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false)
    expect(fs.existsSync(dir)).toBe(false)
    await rig.stop() // idempotent
  })
})

describe('VirtualCard framing (fake vpcd, no pcscd)', () => {
  /** A one-connection TCP server standing in for vpcd. */
  async function fakeVpcd() {
    const server = net.createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as net.AddressInfo).port
    const conn = new Promise<net.Socket>((r) => server.once('connection', r))
    return { server, port, conn }
  }

  function reader(sock: net.Socket) {
    let buf = Buffer.alloc(0)
    sock.on('data', (d: Buffer) => (buf = Buffer.concat([buf, d])))
    return (bytes: number) =>
      waitFor(`${bytes} bytes from card`, 2_000, () => buf.length >= bytes && buf.subarray(0, bytes))
  }

  it('handles split frames, several frames per chunk, and reconnects', async () => {
    const { server, port, conn } = await fakeVpcd()
    const card = new VirtualCard({ port })
    const inserting = card.insert('3B021450')
    const sock = await conn
    const read = reader(sock)
    // power on + get ATR, delivered one byte per write
    for (const b of [0x00, 0x01, 0x01, 0x00, 0x01, 0x04]) {
      sock.write(Buffer.from([b]))
      await sleep(2)
    }
    await inserting // resolved by the power-on
    expect(await read(6)).toEqual(Buffer.from('00043B021450', 'hex'))
    // two APDUs + a power-off in one chunk
    sock.write(Buffer.from('000700A4000C023F00' + '000500B0000000' + '000100', 'hex'))
    expect(await read(6 + 8)).toEqual(Buffer.from('00043B021450' + '00029000' + '00026D00', 'hex'))
    expect(card.apdus).toHaveLength(2)

    // peer (pcscd) goes away -> counts as removed, no unhandled error
    const removed = new Promise((r) => card.once('removed', r))
    sock.destroy()
    await removed
    expect(card.inserted).toBe(false)

    // insert after removal reconnects
    const conn2 = new Promise<net.Socket>((r) => server.once('connection', r))
    const again = card.insert()
    const sock2 = await conn2
    sock2.write(Buffer.from('000101', 'hex'))
    await again
    expect(card.inserted).toBe(true)
    await card.close()
    await card.close() // idempotent
    expect(card.inserted).toBe(false)
    server.close()
  })

  it('rejects insert() when nothing listens', async () => {
    const { server, port } = await fakeVpcd()
    await new Promise((r) => server.close(r))
    await expect(new VirtualCard({ port }).insert()).rejects.toThrow(/virtual card: vpcd/)
  })
})
