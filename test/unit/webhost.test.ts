import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppCore } from '../../src/main/core/app-core'
import type { CardStatus } from '../../src/shared/card-status'
import { createDispatcher } from '../../src/main/ipc/dispatcher'
import { startWebHost, type WebHost } from '../../src/main/webhost/server'
import { createWebBridge, httpFailure, parseSse, type WebHostState } from '../../src/renderer/web-bridge'

// The loopback web host must refuse anything that is not our own page with our own session, and
// no request — however malformed — may end it or get anything but a 4xx for its error.

const status = { phase: 'no-card' as const, readers: [], updatedAt: new Date(0).toISOString() }
/** card:getStatus waits for this when set (to raise an event while a stream reads its snapshot). */
let statusGate: Promise<void> | null = null
let emit: (event: 'card:status', payload: CardStatus) => void = () => undefined
const core: AppCore = {
  dispatch: createDispatcher({
    'app:getInfo': async () => ({ version: '1', demo: false, host: 'web', apiBaseUrl: null, platform: 'x' }),
    'card:getStatus': async () => {
      await statusGate
      return status
    }
  }),
  onEvent: (listener) => {
    emit = (event, payload) => listener(event as never, payload as never)
    return () => undefined
  },
  start: () => undefined,
  stop: async () => undefined
}

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function call(
  host: WebHost,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {}
): Promise<Reply> {
  const url = new URL(host.origin)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: url.port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: url.host, ...opts.headers }
      },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      }
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** Raw bytes on a fresh socket; resolves with the status of the answer (0: closed without one). */
function raw(host: WebHost, bytes: string | Buffer, waitMs = 3_000): Promise<number> {
  const port = Number(new URL(host.origin).port)
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let got = ''
    const done = (): void => {
      clearTimeout(timer)
      socket.destroy()
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got)
      resolve(m ? Number(m[1]) : 0)
    }
    const timer = setTimeout(done, waitMs)
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1')
      if (/^HTTP\/1\.1 \d{3}/.test(got)) done()
    })
    socket.on('error', done)
    socket.on('close', done)
    socket.write(bytes)
  })
}

let dir: string
let host: WebHost
let session: string
const printed: string[] = []
const bridgeHeaders = (): Record<string, string> => ({ 'x-eccs-bridge': '1', 'x-eccs-session': session })
const json = { 'content-type': 'application/json' }

async function openSession(h: WebHost, token: string): Promise<Reply> {
  return call(h, '/session', { method: 'POST', headers: { 'x-eccs-bridge': '1', 'x-eccs-token': token } })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eccs-webhost-'))
  const renderer = join(dir, 'renderer')
  mkdirSync(join(renderer, 'assets'), { recursive: true })
  writeFileSync(join(renderer, 'index.html'), '<div id="app"></div>')
  writeFileSync(join(renderer, 'assets', 'a.js'), 'console.log(1)')
  writeFileSync(join(dir, 'secret.txt'), 'SECRET')
  host = await startWebHost({
    core,
    rendererDir: renderer,
    onAppUrl: (u) => printed.push(u),
    limits: { headersTimeoutMs: 1_000, requestTimeoutMs: 1_500, streamMaxAgeMs: 60_000, maxStreams: 3 }
  })
  const first = await openSession(host, host.token)
  session = (JSON.parse(first.body) as { session: string }).session
})

afterAll(async () => {
  await host.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('loopback web host: who may use it', () => {
  it('listens on 127.0.0.1 only and prints a tokenised URL', () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(host.appUrl).toBe(`${host.origin}/?token=${host.token}`)
    expect(host.token.length).toBeGreaterThanOrEqual(43)
  })

  it('the App URL token is single use: it opens one page session, then a new URL is printed', async () => {
    const url = host.appUrl
    const token = new URL(url).searchParams.get('token') ?? ''
    const first = await openSession(host, token)
    expect(first.status).toBe(200)
    const s = (JSON.parse(first.body) as { session: string }).session
    expect(s).toMatch(/^[\w-]{43}$/)
    expect(s).not.toBe(token)
    expect(printed.at(-1)).toBe(host.appUrl)
    expect(host.appUrl).not.toBe(url)
    const again = await openSession(host, token)
    expect(again.status).toBe(401)
    expect(again.body).not.toContain(s)
  })

  it('never sets a cookie, and a cookie or the token as a cookie opens nothing', async () => {
    for (const r of [
      await call(host, `/?token=${host.token}`),
      await call(host, '/'),
      await openSession(host, 'wrong')
    ]) {
      expect(r.headers['set-cookie']).toBeUndefined()
    }
    const viaCookie = await call(host, '/ipc/card:getStatus', {
      method: 'POST',
      headers: { ...json, 'x-eccs-bridge': '1', cookie: `eccs_token=${host.token}; eccs_session=${session}` },
      body: '{}'
    })
    expect(viaCookie.status).toBe(401)
    // A GET with the token does nothing (a prefetch or an <img> cannot spend it).
    const before = host.token
    await call(host, `/?token=${before}`)
    expect(host.token).toBe(before)
  })

  it('refuses IPC and events without the page session or with a wrong one', async () => {
    expect(
      (
        await call(host, '/ipc/card:getStatus', {
          method: 'POST',
          headers: { ...json, 'x-eccs-bridge': '1' },
          body: '{}'
        })
      ).status
    ).toBe(401)
    expect(
      (
        await call(host, '/ipc/card:getStatus', {
          method: 'POST',
          headers: { ...json, 'x-eccs-bridge': '1', 'x-eccs-session': 'x'.repeat(43) },
          body: '{}'
        })
      ).status
    ).toBe(401)
    expect((await call(host, '/events', { headers: { 'x-eccs-bridge': '1' } })).status).toBe(401)
    expect(
      (
        await call(host, '/ipc/card:getStatus', {
          method: 'POST',
          headers: { ...json, 'x-eccs-session': session },
          body: '{}'
        })
      ).status
    ).toBe(403)
  })

  it('refuses a foreign Host (DNS rebinding) even with the right session', async () => {
    const r = await call(host, '/', { headers: { host: 'evil.example:80' } })
    expect(r.status).toBe(421)
    const r2 = await call(host, '/ipc/card:getStatus', {
      method: 'POST',
      headers: { ...json, ...bridgeHeaders(), host: `attacker.test:${new URL(host.origin).port}` },
      body: '{}'
    })
    expect(r2.status).toBe(421)
  })

  it('compares Host and Origin case-insensitively (RFC 9110 §7.2, RFC 3986 §3.2.2), still refusing others', async () => {
    const port = new URL(host.origin).port
    for (const h of [`LOCALHOST:${port}`, `LocalHost:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]) {
      expect((await call(host, '/', { headers: { host: h } })).status, h).toBe(200)
    }
    for (const o of [`HTTP://LOCALHOST:${port}`, `http://Localhost:${port}`, `Http://127.0.0.1:${port}`]) {
      const r = await call(host, '/ipc/card:getStatus', {
        method: 'POST',
        headers: { ...json, ...bridgeHeaders(), host: `LOCALHOST:${port}`, origin: o },
        body: '{}'
      })
      expect(r.status, o).toBe(200)
    }
    for (const h of [`EVIL.EXAMPLE:${port}`, `LOCALHOST.:${port}`, `LOCALHOST:${Number(port) + 1}`, 'LOCALHOST']) {
      expect((await call(host, '/', { headers: { host: h } })).status, h).toBe(421)
    }
    // Other spellings of the same address are not ours either: only the two exact forms are served.
    for (const h of [
      `localhost:0${port}`,
      `127.1:${port}`,
      `0x7f.0.0.1:${port}`,
      `[::ffff:127.0.0.1]:${port}`,
      `[::1]:${port}`,
      `user@localhost:${port}`,
      `localhost:${port}.evil.example`,
      `xn--localhost-:${port}`
    ]) {
      expect((await call(host, '/', { headers: { host: h } })).status, h).toBe(421)
    }
    for (const o of [`HTTP://EVIL.EXAMPLE:${port}`, `HTTPS://LOCALHOST:${port}`, `HTTP://LOCALHOST:1`]) {
      const r = await call(host, '/', { headers: { origin: o } })
      expect(r.status, o).toBe(403)
    }
  })

  it('refuses a foreign Origin', async () => {
    const r = await call(host, '/ipc/card:getStatus', {
      method: 'POST',
      headers: { ...json, ...bridgeHeaders(), origin: 'http://127.0.0.1:1' },
      body: '{}'
    })
    expect(r.status).toBe(403)
    expect((await call(host, '/', { headers: { origin: 'null' } })).status).toBe(403)
    const t = await call(host, '/session', {
      method: 'POST',
      headers: { 'x-eccs-bridge': '1', 'x-eccs-token': host.token, origin: 'http://evil.example' }
    })
    expect(t.status).toBe(403)
  })

  it('serves the app with a strict CSP and answers IPC from its own page', async () => {
    const page = await call(host, '/')
    expect(page.status).toBe(200)
    expect(page.body).toBe('<div id="app"></div>')
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'")
    const r = await call(host, '/ipc/card:getStatus', {
      method: 'POST',
      headers: { ...json, ...bridgeHeaders(), origin: host.origin },
      body: '{}'
    })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toEqual({ ok: true, value: status })
  })

  it('requires JSON, limits body size, types bad payloads', async () => {
    const base = { ...bridgeHeaders(), origin: host.origin }
    expect(
      (
        await call(host, '/ipc/card:getStatus', {
          method: 'POST',
          headers: { ...base, 'content-type': 'text/plain' },
          body: '{}'
        })
      ).status
    ).toBe(415)
    const big = await call(host, '/ipc/card:getStatus', {
      method: 'POST',
      headers: { ...base, ...json },
      body: JSON.stringify({ x: 'a'.repeat(100_000) })
    })
    expect(big.status).toBe(413)
    const malformed = await call(host, '/ipc/card:getStatus', {
      method: 'POST',
      headers: { ...base, ...json },
      body: '{not json'
    })
    expect(JSON.parse(malformed.body).error.code).toBe('INVALID_REQUEST')
    const unknown = await call(host, '/ipc/shell:exec', { method: 'POST', headers: { ...base, ...json }, body: '{}' })
    expect(JSON.parse(unknown.body).error.code).toBe('UNKNOWN_CHANNEL')
  })

  it('serves renderer files from memory, and a rebuilt file fresh', async () => {
    const file = join(dir, 'renderer', 'assets', 'a.js')
    const first = await call(host, '/assets/a.js')
    expect(first.status).toBe(200)
    expect(first.body).toBe('console.log(1)')
    expect(first.headers['content-type']).toMatch(/^text\/javascript/)
    expect(first.headers['content-length']).toBe(String(Buffer.byteLength('console.log(1)')))
    writeFileSync(file, 'console.log("rebuilt")')
    utimesSync(file, new Date(), new Date(Date.now() + 5_000)) // a different mtime even on coarse clocks
    expect((await call(host, '/assets/a.js')).body).toBe('console.log("rebuilt")')
    expect((await call(host, '/delegations/123')).body).toBe('<div id="app"></div>') // unknown paths are app routes
  })

  it('never serves files outside the renderer folder', async () => {
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '/assets/%00a.js'
    ]) {
      const r = await call(host, p)
      expect(r.body).not.toContain('SECRET')
      expect(r.status === 200 || (r.status >= 400 && r.status < 500)).toBe(true)
    }
  })
})

describe('loopback web host: malformed requests are 4xx answers and never end it', () => {
  const badPaths = [
    '/%E0%A4%A',
    '/%',
    '/%%',
    '/%G0',
    '/%0',
    '/%C0%AF',
    '/%ED%A0%80',
    '/%FF%FE',
    '/%E0%80',
    '/%F0%9F%98',
    '/ipc/%E0%A4%A',
    '/ipc/%',
    '/ipc/%ff',
    '/ipc/card%3AgetStatus%',
    '/events%',
    '/session%E0',
    '/assets/%2F..%2F',
    '/..%00',
    `/${'a'.repeat(7_000)}`,
    '/?token=%E0%A4%A',
    '/?%',
    '/#%'
  ]

  it.each(badPaths)('GET %s', async (path) => {
    for (const method of ['GET', 'POST', 'HEAD']) {
      const r = await call(host, path, {
        method,
        headers: { ...json, ...bridgeHeaders() },
        body: method === 'POST' ? '{}' : undefined
      })
      expect(r.status === 200 || (r.status >= 400 && r.status < 500), `${method} ${path} → ${r.status}`).toBe(true)
    }
  })

  const port = (): string => new URL(host.origin).port
  const rawCases: [string, () => string][] = [
    ['no Host', () => 'GET / HTTP/1.1\r\n\r\n'],
    ['two Hosts', () => `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nHost: evil\r\n\r\n`],
    ['absolute-form target', () => `GET http://127.0.0.1:${port()}/ HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n\r\n`],
    ['asterisk target', () => `OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n\r\n`],
    ['CONNECT', () => `CONNECT 127.0.0.1:${port()} HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n\r\n`],
    ['unknown method', () => `BREW / HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n\r\n`],
    ['lower-case method', () => `get / HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n\r\n`],
    ['DELETE, PUT, PATCH, TRACE', () => `TRACE / HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n\r\n`],
    ['HTTP/0.9 line', () => 'GET /\r\n\r\n'],
    ['HTTP/2 preface', () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['bad version', () => `GET / HTTP/9.9\r\nHost: 127.0.0.1:${port()}\r\n\r\n`],
    ['space in target', () => `GET /a b HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n\r\n`],
    ['control byte in target', () => `GET /\x01 HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n\r\n`],
    ['header without colon', () => `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nbroken\r\n\r\n`],
    ['header name with space', () => `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nBad Name: x\r\n\r\n`],
    ['obs-fold header', () => `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nX: a\r\n b\r\n\r\n`],
    ['NUL in header value', () => `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nX: a\x00b\r\n\r\n`],
    ['bare LF line ends', () => `GET / HTTP/1.1\nHost: 127.0.0.1:${port()}\n\n`],
    ['huge header', () => `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['many headers', () => `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n${'X-A: 1\r\n'.repeat(2_000)}\r\n`],
    [
      'negative content-length',
      () => `POST /session HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nContent-Length: -1\r\n\r\n`
    ],
    [
      'two content-lengths',
      () => `POST /session HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`
    ],
    [
      'content-length and chunked',
      () =>
        `POST /session HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`
    ],
    [
      'bad chunk size',
      () =>
        `POST /session HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nTransfer-Encoding: chunked\r\nx-eccs-bridge: 1\r\n\r\nzz\r\n`
    ],
    [
      'unknown transfer-encoding',
      () => `POST /session HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nTransfer-Encoding: gzip\r\n\r\n`
    ],
    [
      'huge declared body',
      () =>
        `POST /ipc/app:getInfo HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nx-eccs-bridge: 1\r\nx-eccs-session: ${session}\r\ncontent-type: application/json\r\nContent-Length: 999999999\r\n\r\n`
    ],
    [
      'non-numeric content-length',
      () => `POST /session HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nContent-Length: 1e3\r\n\r\n`
    ],
    [
      'upgrade to websocket',
      () => `GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`
    ],
    ['binary garbage', () => '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + '\xff'.repeat(200)],
    [
      'repeated session header',
      () =>
        `POST /ipc/app:getInfo HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nx-eccs-bridge: 1\r\nx-eccs-session: a\r\nx-eccs-session: ${session}\r\ncontent-type: application/json\r\nContent-Length: 2\r\n\r\n{}`
    ],
    ['non-ASCII in path', () => `GET /\u00e9\u4e2d HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n\r\n`]
  ]

  it.each(rawCases)('%s', async (_name, bytes) => {
    const code = await raw(host, Buffer.from(bytes(), 'latin1'))
    // 0 = closed without an answer: only for bytes that are not HTTP at all (Node drops them).
    expect(code === 0 || code === 200 || (code >= 400 && code < 500), `answered ${code}`).toBe(true)
    expect((await call(host, '/')).status).toBe(200) // still serving
  })

  it('a repeated Host, Origin or session header is 400 (Node keeps the first Host, joins the rest)', async () => {
    const h = `Host: 127.0.0.1:${port()}\r\n`
    expect(await raw(host, `GET / HTTP/1.1\r\n${h}Host: evil.example:${port()}\r\n\r\n`)).toBe(400)
    expect(await raw(host, `GET / HTTP/1.1\r\n${h}${h}\r\n`)).toBe(400)
    const origin = `Origin: http://127.0.0.1:${port()}\r\n`
    expect(await raw(host, `GET / HTTP/1.1\r\n${h}${origin}${origin}\r\n`)).toBe(400)
    const ipc = `POST /ipc/app:getInfo HTTP/1.1\r\n${h}x-eccs-bridge: 1\r\ncontent-type: application/json\r\n`
    const s = `x-eccs-session: ${session}\r\n`
    expect(await raw(host, `${ipc}${s}${s}Content-Length: 2\r\n\r\n{}`)).toBe(400)
    expect(await raw(host, `${ipc}${s}Content-Length: 2\r\n\r\n{}`)).toBe(200) // once is fine
  })

  it('every method other than GET/HEAD on a page and POST on IPC is 405', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'M-SEARCH']) {
      expect((await call(host, '/', { method })).status, method).toBe(405)
      expect((await call(host, '/ipc/app:getInfo', { method, headers: bridgeHeaders() })).status, method).toBe(405)
    }
    expect((await call(host, '/session')).status).toBe(405)
  })

  it('a slow head or a slow body is cut off with 408', async () => {
    const t0 = Date.now()
    const slowHead = await raw(host, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n`, 5_000)
    expect(slowHead).toBe(408)
    const slowBody = await raw(
      host,
      `POST /ipc/app:getInfo HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nx-eccs-bridge: 1\r\nx-eccs-session: ${session}\r\ncontent-type: application/json\r\nContent-Length: 10\r\n\r\n{`,
      5_000
    )
    expect(slowBody).toBe(408)
    expect(Date.now() - t0).toBeLessThan(8_000)
  })
})

describe('loopback web host: event streams', () => {
  it('an event stream starts with the current state; events raised meanwhile follow it, in order', async () => {
    let open!: () => void
    statusGate = new Promise((r) => (open = r))
    const url = new URL(host.origin)
    const frames: { event: string; payload: { phase?: string } }[] = []
    const req = request({
      host: url.hostname,
      port: url.port,
      path: '/events',
      headers: { host: url.host, ...bridgeHeaders() }
    })
    const got = new Promise<void>((resolve) => {
      req.on('response', (res) => {
        let buf = ''
        res.on('data', (d: Buffer) => {
          const parsed = parseSse(buf + d.toString())
          buf = parsed.rest
          for (const data of parsed.data) frames.push(JSON.parse(data) as (typeof frames)[number])
          if (frames.length === 2) resolve()
        })
      })
    })
    req.end()
    await new Promise((r) => setTimeout(r, 100)) // connected; its snapshot is waiting on the gate
    emit('card:status', { ...status, phase: 'ready', updatedAt: new Date(1).toISOString() })
    open()
    await got
    req.destroy()
    statusGate = null
    expect(frames.map((f) => [f.event, f.payload.phase])).toEqual([
      ['card:status', 'no-card'], // the snapshot…
      ['card:status', 'ready'] // …then the event raised while it was read: the newest state last
    ])
  })

  it('caps open streams (429) and ends a stream at its age limit', async () => {
    const h = await startWebHost({
      core,
      rendererDir: join(dir, 'renderer'),
      limits: { maxStreams: 2, streamMaxAgeMs: 300 }
    })
    try {
      const s = (JSON.parse((await openSession(h, h.token)).body) as { session: string }).session
      const url = new URL(h.origin)
      const ends: Promise<number>[] = []
      for (let i = 0; i < 2; i++) {
        ends.push(
          new Promise((resolve) => {
            const t0 = Date.now()
            request(
              {
                host: url.hostname,
                port: url.port,
                path: '/events',
                headers: { host: url.host, 'x-eccs-bridge': '1', 'x-eccs-session': s }
              },
              (res) => {
                res.resume()
                res.on('end', () => resolve(Date.now() - t0))
              }
            ).end()
          })
        )
      }
      await new Promise((r) => setTimeout(r, 100))
      expect((await call(h, '/events', { headers: { 'x-eccs-bridge': '1', 'x-eccs-session': s } })).status).toBe(429)
      for (const ms of await Promise.all(ends)) expect(ms).toBeLessThan(2_000)
    } finally {
      await h.close()
    }
  })
})

describe('web bridge (renderer) against the web host', () => {
  function env(h: WebHost, href: string, store = new Map<string, string>()) {
    const replaced: string[] = []
    return {
      replaced,
      store,
      env: {
        fetch: ((input: string, init?: RequestInit) => fetch(new URL(input, h.origin), init)) as typeof fetch,
        href,
        replaceUrl: (u: string) => void replaced.push(u),
        storage: {
          getItem: (k: string) => store.get(k) ?? null,
          setItem: (k: string, v: string) => void store.set(k, v),
          removeItem: (k: string) => void store.delete(k)
        },
        reconnectMs: 50
      }
    }
  }

  it('takes the token out of the address bar, opens a session and calls main with it', async () => {
    const e = env(host, `${host.appUrl}#/login`)
    const b = createWebBridge(e.env)
    expect(e.replaced).toEqual(['/#/login'])
    expect(await b.bridge.getCardStatus()).toEqual({ ok: true, value: status })
    expect(b.state()).toBe('ok')
    // A reload of the tab (same storage, spent token) keeps working.
    const reload = createWebBridge(env(host, `${host.origin}/#/login`, e.store).env)
    expect(await reload.bridge.getCardStatus()).toEqual({ ok: true, value: status })
    b.close()
    reload.close()
  })

  it('a spent token in another tab gets WEBHOST_SESSION_REQUIRED, not FORBIDDEN_SENDER', async () => {
    const url = host.appUrl
    createWebBridge(env(host, url).env) // spends it
    await new Promise((r) => setTimeout(r, 200))
    const other = createWebBridge(env(host, url).env)
    const r = await other.bridge.getAppInfo()
    expect(r).toEqual({ ok: false, error: { code: 'WEBHOST_SESSION_REQUIRED', retriable: false } })
    expect(other.state()).toBe('session-required')
  })

  it('maps HTTP failures to typed codes', () => {
    expect(httpFailure(401).code).toBe('WEBHOST_SESSION_REQUIRED')
    expect(httpFailure(403)).toEqual({ code: 'WEBHOST_REQUEST_REFUSED', retriable: false, detail: 'HTTP 403' })
    expect(httpFailure(413).code).toBe('WEBHOST_REQUEST_REFUSED')
    expect(httpFailure(421).code).toBe('WEBHOST_REQUEST_REFUSED')
    expect(httpFailure(429)).toEqual({ code: 'WEBHOST_BUSY', retriable: true, detail: 'HTTP 429' })
    expect(httpFailure(408).code).toBe('WEBHOST_BUSY')
    expect(httpFailure(500).code).toBe('INTERNAL')
  })

  it('reports a stopped app: calls answer WEBHOST_STOPPED and the state turns to stopped', async () => {
    const h = await startWebHost({ core, rendererDir: join(dir, 'renderer') })
    const e = env(h, h.appUrl)
    const b = createWebBridge(e.env)
    const states: WebHostState[] = []
    b.onState((s) => states.push(s))
    b.bridge.onCardStatus(() => undefined) // opens the event stream
    expect((await b.bridge.getAppInfo()).ok).toBe(true)
    await h.close()
    expect(await b.bridge.getAppInfo()).toEqual({ ok: false, error: { code: 'WEBHOST_STOPPED', retriable: false } })
    await new Promise((r) => setTimeout(r, 200))
    expect(b.state()).toBe('stopped')
    expect(states).toContain('stopped')
    b.close()
  })
})
