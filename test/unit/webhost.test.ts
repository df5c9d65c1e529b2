import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppCore } from '../../src/main/core/app-core'
import type { CardStatus } from '../../src/shared/card-status'
import { createDispatcher } from '../../src/main/ipc/dispatcher'
import { startWebHost, type WebHost } from '../../src/main/webhost/server'

// The loopback web host must refuse anything that is not our own page with our own token.

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

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function call(host: WebHost, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const url = new URL(host.origin)
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: url.port, path, method: opts.method ?? 'GET', headers: { host: url.host, ...opts.headers } },
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

let dir: string
let host: WebHost
let cookie: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eccs-webhost-'))
  const renderer = join(dir, 'renderer')
  mkdirSync(join(renderer, 'assets'), { recursive: true })
  writeFileSync(join(renderer, 'index.html'), '<div id="app"></div>')
  writeFileSync(join(renderer, 'assets', 'a.js'), 'console.log(1)')
  writeFileSync(join(dir, 'secret.txt'), 'SECRET')
  host = await startWebHost({ core, rendererDir: renderer })
  const first = await call(host, `/?token=${host.token}`)
  cookie = String(first.headers['set-cookie'] ?? '').split(';')[0] ?? ''
})

afterAll(async () => {
  await host.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('loopback web host', () => {
  it('listens on 127.0.0.1 only and prints a tokenised URL', () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(host.appUrl).toBe(`${host.origin}/?token=${host.token}`)
    expect(host.token.length).toBeGreaterThanOrEqual(43)
  })

  it('trades the URL token for an HttpOnly SameSite=Strict cookie', async () => {
    const r = await call(host, `/?token=${host.token}`)
    expect(r.status).toBe(303)
    expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/)
    expect(cookie).toBe(`eccs_token=${host.token}`)
  })

  it('refuses requests without the token or with a wrong one', async () => {
    expect((await call(host, '/')).status).toBe(401)
    expect((await call(host, '/?token=wrong')).status).toBe(401)
    expect((await call(host, '/assets/a.js', { headers: { cookie: 'eccs_token=nope' } })).status).toBe(401)
    const ipc = await call(host, '/ipc/card:getStatus', { method: 'POST', headers: { 'content-type': 'application/json', 'x-eccs-bridge': '1' }, body: '{}' })
    expect(ipc.status).toBe(401)
  })

  it('refuses a foreign Host (DNS rebinding) even with the right token', async () => {
    const r = await call(host, `/?token=${host.token}`, { headers: { host: 'evil.example:80' } })
    expect(r.status).toBe(421)
    const r2 = await call(host, '/', { headers: { host: `attacker.test:${new URL(host.origin).port}`, cookie } })
    expect(r2.status).toBe(421)
  })

  it('refuses a foreign Origin', async () => {
    const r = await call(host, '/ipc/card:getStatus', {
      method: 'POST',
      headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/json', 'x-eccs-bridge': '1' },
      body: '{}'
    })
    expect(r.status).toBe(403)
    const r2 = await call(host, '/', { headers: { cookie, origin: 'null' } })
    expect(r2.status).toBe(403)
  })

  it('serves the app with a strict CSP and answers IPC from its own origin', async () => {
    const page = await call(host, '/', { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'")
    const r = await call(host, '/ipc/card:getStatus', {
      method: 'POST',
      headers: { cookie, origin: host.origin, 'content-type': 'application/json', 'x-eccs-bridge': '1' },
      body: '{}'
    })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toEqual({ ok: true, value: status })
  })

  it('requires the bridge header and JSON, limits body size, types bad payloads', async () => {
    const base = { cookie, origin: host.origin }
    expect((await call(host, '/ipc/card:getStatus', { method: 'POST', headers: { ...base, 'content-type': 'text/plain' }, body: '{}' })).status).toBe(403)
    const big = await call(host, '/ipc/card:getStatus', {
      method: 'POST',
      headers: { ...base, 'content-type': 'application/json', 'x-eccs-bridge': '1' },
      body: JSON.stringify({ x: 'a'.repeat(100_000) })
    })
    expect(big.status).toBe(413)
    const malformed = await call(host, '/ipc/card:getStatus', {
      method: 'POST',
      headers: { ...base, 'content-type': 'application/json', 'x-eccs-bridge': '1' },
      body: '{not json'
    })
    expect(JSON.parse(malformed.body).error.code).toBe('INVALID_REQUEST')
    const unknown = await call(host, '/ipc/shell:exec', {
      method: 'POST',
      headers: { ...base, 'content-type': 'application/json', 'x-eccs-bridge': '1' },
      body: '{}'
    })
    expect(JSON.parse(unknown.body).error.code).toBe('UNKNOWN_CHANNEL')
  })

  it('serves renderer files from memory, and a rebuilt file fresh', async () => {
    const file = join(dir, 'renderer', 'assets', 'a.js')
    const first = await call(host, '/assets/a.js', { headers: { cookie } })
    expect(first.status).toBe(200)
    expect(first.body).toBe('console.log(1)')
    expect(first.headers['content-type']).toMatch(/^text\/javascript/)
    expect(first.headers['content-length']).toBe(String(Buffer.byteLength('console.log(1)')))
    expect(first.headers['content-security-policy']).toContain("script-src 'self'")
    writeFileSync(file, 'console.log("rebuilt")')
    utimesSync(file, new Date(), new Date(Date.now() + 5_000)) // a different mtime even on coarse clocks
    const second = await call(host, '/assets/a.js', { headers: { cookie } })
    expect(second.body).toBe('console.log("rebuilt")')
    const route = await call(host, '/delegations/123', { headers: { cookie } })
    expect(route.body).toBe('<div id="app"></div>') // unknown paths are app routes
  })

  it('an event stream starts with the current state; events raised meanwhile follow it, in order', async () => {
    let open!: () => void
    statusGate = new Promise((r) => (open = r))
    const url = new URL(host.origin)
    const frames: { event: string; payload: { phase?: string } }[] = []
    const req = request({ host: url.hostname, port: url.port, path: '/events', headers: { host: url.host, cookie } })
    const got = new Promise<void>((resolve) => {
      req.on('response', (res) => {
        let buf = ''
        res.on('data', (d: Buffer) => {
          buf += d.toString()
          for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            const chunk = buf.slice(0, i)
            buf = buf.slice(i + 2)
            if (chunk.startsWith('data: ')) frames.push(JSON.parse(chunk.slice(6)) as (typeof frames)[number])
            if (frames.length === 2) resolve()
          }
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

  it('never serves files outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const r = await call(host, p, { headers: { cookie } })
      expect(r.body).not.toContain('SECRET')
    }
  })
})
