import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/errors'
import { Pkcs11Client, type WorkerEntry } from '../../src/main/card/pkcs11-client'

// The client's own rules (timeouts, PIN-pad timeout, busy, worker death, PIN wiping) against small
// STAND-IN workers written inline; the real worker on SoftHSM is covered in test/rig/card-signing.test.ts.

/** A worker that answers reads after `readDelay` ms, never answers signs, or exits on 'crash'. */
const standIn: WorkerEntry = {
  eval: true,
  script: `
    const { parentPort } = require('node:worker_threads')
    let open = null
    let chunk = 0
    parentPort.on('message', (req) => {
      if (req.op === 'read') {
        if (req.module === 'crash') process.exit(3)
        parentPort.postMessage({ id: req.id, type: 'read', contents: { module: req.module, serial: 's', label: 'L', pinPad: false, pinCountLow: false, pinFinalTry: false, pinLocked: false, certificates: [{ id: '01', label: 'c', der: new Uint8Array([1, 2]) }] } })
      } else if (req.op === 'sign' && req.pin === null) {
        // PIN pad: the user never types anything
      } else if (req.op === 'sign') {
        if (!req.last) open = req.id
        parentPort.postMessage({ id: req.id, type: 'signed', last: req.last, results: req.items.map(() => ({ ok: true, signature: new Uint8Array([req.pin.length]) })) })
      } else if (req.op === 'signMore') {
        // a chunk on the open login: signature = [chunk number, first byte of the item]
        if (open !== req.id) return parentPort.postMessage({ id: req.id, type: 'error', code: 'INTERNAL' })
        chunk++
        req.items.forEach((_, i) => parentPort.postMessage({ id: req.id, type: 'progress', done: i + 1, total: req.items.length }))
        parentPort.postMessage({ id: req.id, type: 'signed', last: req.last, results: req.items.map((b) => ({ ok: true, signature: new Uint8Array([chunk, b[0]]) })) })
        if (req.last) open = null
      } else {
        parentPort.postMessage({ id: req.id, type: 'done' })
      }
    })`
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (err) {
    return err instanceof AppError ? err.code : String(err)
  }
}

const target = { serial: 's', label: 'L' }
/** The card binding the real worker checks before C_Login; stand-ins ignore it. */
const EXPECT_CARD = { certSha256: '00'.repeat(32), allowTries: 'ok' as const }

describe('Pkcs11Client (stand-in worker)', () => {
  it('reads return Buffers; the PIN is wiped in the caller and reaches the worker once', async () => {
    const client = new Pkcs11Client({ workerEntry: standIn })
    try {
      const contents = await client.readToken('m')
      expect(Buffer.isBuffer(contents.certificates[0]?.der)).toBe(true)
      const pin = Buffer.from('123456')
      const [r] = await client.sign({
        module: 'm',
        target,
        keyId: '01',
        expect: EXPECT_CARD,
        pin,
        items: [Buffer.from('x')]
      })
      expect(r).toMatchObject({ ok: true })
      expect(r?.ok && Array.from(r.signature)).toEqual([6]) // the worker saw a 6-byte PIN
      expect(pin.equals(Buffer.alloc(6))).toBe(true) // and the caller's copy is zeroed
    } finally {
      await client.close()
    }
  })

  it('a streamed sign: one login, each chunk sent as it comes and answered in order; a failing source ends it', async () => {
    const client = new Pkcs11Client({ workerEntry: standIn })
    try {
      const later = [[Buffer.from('b'), Buffer.from('c')], [Buffer.from('d')]]
      const chunks: number[][][] = []
      const progress: [number, number][] = []
      const all = await client.sign(
        {
          module: 'm',
          target,
          keyId: '01',
          expect: EXPECT_CARD,
          pin: Buffer.from('123456'),
          items: [Buffer.from('a')],
          // the next rows arrive later, as a batch's preparation answers
          more: async () => (await new Promise((r) => setTimeout(r, 20)), later.shift() ?? null)
        },
        (done, total) => progress.push([done, total]),
        (results) => chunks.push(results.map((r) => (r.ok ? Array.from(r.signature) : [])))
      )
      const b = 'b'.charCodeAt(0)
      expect(chunks).toEqual([
        [[6]],
        [
          [1, b],
          [1, b + 1]
        ],
        [[2, b + 2]],
        []
      ])
      expect(all).toHaveLength(4)
      // counted across chunks (the total: items handed to the worker so far, which depends on timing)
      expect(progress.map(([done]) => done)).toEqual([2, 3, 4])
      expect(progress.every(([done, total]) => total >= done && total <= 4)).toBe(true)
      expect(progress.at(-1)).toEqual([4, 4])
      // A source that fails: the login is closed (last chunk) and the client is free again.
      const failing = await client.sign(
        {
          module: 'm',
          target,
          keyId: '01',
          expect: EXPECT_CARD,
          pin: Buffer.from('123456'),
          items: [Buffer.from('a')],
          more: () => Promise.reject(new Error('network lost'))
        },
        undefined,
        () => undefined
      )
      expect(failing).toHaveLength(1)
      expect(client.busy).toBe(false)
    } finally {
      await client.close()
    }
  })

  it('a streamed sign longer than the timeout goes on while the card keeps answering (a real card: 0.3–1 s a signature)', async () => {
    const client = new Pkcs11Client({ workerEntry: standIn, operationTimeoutMs: 600 })
    try {
      let left = 8
      const all = await client.sign(
        {
          module: 'm',
          target,
          keyId: '01',
          expect: EXPECT_CARD,
          pin: Buffer.from('123456'),
          items: [Buffer.from('a')],
          // a chunk every 150 ms for 1.2 s in all: never 600 ms without the card answering
          more: async () => (await new Promise((r) => setTimeout(r, 150)), left-- > 0 ? [Buffer.from('b')] : null)
        },
        undefined,
        () => undefined
      )
      expect(all).toHaveLength(9)
      expect(all.every((r) => r.ok)).toBe(true)
    } finally {
      await client.close()
    }
  })

  it('PIN pad: no PIN typed within the timeout → PIN_TIMEOUT; the worker is replaced', async () => {
    const client = new Pkcs11Client({ workerEntry: standIn, pinPadTimeoutMs: 300 })
    try {
      const started = Date.now()
      expect(
        await code(
          client.sign({ module: 'm', target, keyId: '01', expect: EXPECT_CARD, pin: null, items: [Buffer.from('x')] })
        )
      ).toBe('PIN_TIMEOUT')
      expect(Date.now() - started).toBeGreaterThanOrEqual(280)
      expect(await code(client.readToken('m'))).toBe('ok')
    } finally {
      await client.close()
    }
  })

  it('busy while a PIN-pad login waits; cancel ends it', async () => {
    const client = new Pkcs11Client({ workerEntry: standIn })
    try {
      const waiting = client.sign({
        module: 'm',
        target,
        keyId: '01',
        expect: EXPECT_CARD,
        pin: null,
        items: [Buffer.from('x')]
      })
      const pin = Buffer.from('123456')
      expect(
        await code(
          client.sign({ module: 'm', target, keyId: '01', expect: EXPECT_CARD, pin, items: [Buffer.from('y')] })
        )
      ).toBe('CARD_BUSY')
      expect(pin.equals(Buffer.alloc(6))).toBe(true)
      client.cancel()
      expect(await code(waiting)).toBe('OPERATION_CANCELLED')
      client.cardRemoved() // nothing running: no effect
      expect(
        await code(
          client.sign({
            module: 'm',
            target,
            keyId: '01',
            expect: EXPECT_CARD,
            pin: Buffer.from('654321'),
            items: [Buffer.from('z')]
          })
        )
      ).toBe('ok')
    } finally {
      await client.close()
    }
  })

  it('a long stream on a slow card: the timeout counts from the card’s latest answer, not from the start', async () => {
    // Each chunk takes 150 ms on this card; 5 chunks take 750 ms, more than the 400 ms timeout.
    const slow: WorkerEntry = {
      eval: true,
      script: `
        const { parentPort } = require('node:worker_threads')
        parentPort.on('message', (req) => {
          const t = Date.now()
          while (Date.now() - t < 150) {} // the card signs (blocking, as C_Sign does)
          parentPort.postMessage({ id: req.id, type: 'signed', last: req.last, results: req.items.map(() => ({ ok: true, signature: new Uint8Array([1]) })) })
        })`
    }
    const client = new Pkcs11Client({ workerEntry: slow, operationTimeoutMs: 400 })
    try {
      const later = [1, 2, 3, 4].map((i) => [Buffer.from([i])])
      const all = await client.sign(
        {
          module: 'm',
          target,
          keyId: '01',
          expect: EXPECT_CARD,
          pin: Buffer.from('123456'),
          items: [Buffer.from('a')],
          more: async () => later.shift() ?? null
        },
        undefined,
        () => undefined
      )
      expect(all).toHaveLength(5)
      // A stream whose rows never come still ends at the timeout.
      const stalled = client.sign(
        {
          module: 'm',
          target,
          keyId: '01',
          expect: EXPECT_CARD,
          pin: Buffer.from('123456'),
          items: [Buffer.from('a')],
          more: () => new Promise<null>(() => undefined)
        },
        undefined,
        () => undefined
      )
      expect(await code(stalled)).toBe('OPERATION_TIMEOUT')
    } finally {
      await client.close()
    }
  })

  it('a worker that dies between chunks of a stream: INTERNAL, and the login it left is logged out in a new worker', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'p11-crash-')), 'ops.log')
    const crashing: WorkerEntry = {
      eval: true,
      script: `
        const { parentPort } = require('node:worker_threads')
        const { appendFileSync } = require('node:fs')
        parentPort.on('message', (req) => {
          appendFileSync(${JSON.stringify(log)}, req.op + '\\n')
          if (req.op === 'signMore') process.exit(7) // e.g. out of memory while logged in
          if (req.op === 'sign') parentPort.postMessage({ id: req.id, type: 'signed', last: req.last, results: req.items.map(() => ({ ok: true, signature: new Uint8Array([1]) })) })
          else parentPort.postMessage({ id: req.id, type: 'done' })
        })`
    }
    const client = new Pkcs11Client({ workerEntry: crashing })
    try {
      let more = 1
      const stream = client.sign(
        {
          module: 'm',
          target,
          keyId: '01',
          expect: EXPECT_CARD,
          pin: Buffer.from('123456'),
          items: [Buffer.from('a')],
          more: async () => (more-- > 0 ? [Buffer.from('b')] : null)
        },
        undefined,
        () => undefined
      )
      expect(await code(stream)).toBe('INTERNAL')
      for (let i = 0; i < 100 && !readFileSync(log, 'utf8').includes('logout'); i++)
        await new Promise((r) => setTimeout(r, 20))
      expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual(['sign', 'signMore', 'logout'])
    } finally {
      await client.close()
    }
  })

  it('a worker that dies mid-operation fails it with INTERNAL, and the next operation gets a new one', async () => {
    const client = new Pkcs11Client({ workerEntry: standIn })
    try {
      expect(await code(client.readToken('crash'))).toBe('INTERNAL')
      expect(await code(client.readToken('m'))).toBe('ok')
    } finally {
      await client.close()
    }
  })
})
