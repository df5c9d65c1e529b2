import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFileSync, statSync, type Stats } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import type { AppCore } from '../core/app-core'

// Loopback web host: the same main-process core, served to a browser instead of an Electron
// window. Bound to 127.0.0.1 only; every request needs the per-launch token (first as ?token=
// on the App URL, then as an HttpOnly SameSite=Strict cookie); Host and Origin must be ours, so
// DNS rebinding and cross-site pages are refused. IPC is POST /ipc/<channel> (JSON), events are
// Server-Sent Events on /events.

export const RENDERER_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const MAX_BODY = 64 * 1024
const COOKIE = 'eccs_token'
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json'
}

export interface WebHostOptions {
  core: AppCore
  rendererDir: string
  port?: number
  token?: string
}

export interface WebHost {
  /** http://127.0.0.1:PORT */
  origin: string
  /** The URL to open: origin + /?token=… */
  appUrl: string
  token: string
  close(): Promise<void>
}

function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie ?? ''
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === COOKIE) return v.join('=')
  }
  return undefined
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  res.end(body)
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) return resolve(null)
    let size = 0
    const chunks: Buffer[] = []
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > MAX_BODY) {
        req.off('data', onData)
        req.resume() // discard the rest; the 413 closes the connection
        resolve(null)
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', () => resolve(null))
  })
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = opts.token ?? randomBytes(32).toString('base64url')
  const sse = new Set<ServerResponse>()
  let origin = ''
  let allowedHosts: string[] = []

  /** Streams still sending their snapshot: events meanwhile wait here, in order. */
  const pending = new Map<ServerResponse, string[]>()
  const frame = (event: string, payload: unknown): string => `data: ${JSON.stringify({ event, payload })}\n\n`
  const unsubscribe = opts.core.onEvent((event, payload) => {
    const f = frame(event, payload)
    for (const res of sse) {
      const queue = pending.get(res)
      if (queue) queue.push(f)
      else res.write(f)
    }
  })

  const server = createServer((req, res) => {
    res.setHeader('x-content-type-options', 'nosniff')
    res.setHeader('referrer-policy', 'no-referrer')
    res.setHeader('x-frame-options', 'DENY')
    res.setHeader('cross-origin-opener-policy', 'same-origin')
    res.setHeader('cross-origin-resource-policy', 'same-origin')
    if (!allowedHosts.includes(req.headers.host ?? '')) return send(res, 421, 'misdirected request')
    const reqOrigin = req.headers.origin
    if (reqOrigin !== undefined && reqOrigin !== origin) return send(res, 403, 'foreign origin')
    const url = new URL(req.url ?? '/', origin)

    const queryToken = url.searchParams.get('token') ?? undefined
    if (req.method === 'GET' && url.pathname === '/' && sameToken(queryToken, token)) {
      // Trade the URL token for a cookie and drop it from the address bar.
      res.setHeader('set-cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`)
      res.writeHead(303, { location: '/', 'cache-control': 'no-store' })
      res.end()
      return
    }
    if (!sameToken(cookieToken(req), token)) return send(res, 401, 'missing or wrong token')

    if (req.method === 'POST' && url.pathname.startsWith('/ipc/')) return void handleIpc(req, res, url.pathname.slice(5))
    if (req.method === 'GET' && url.pathname === '/events') return openEvents(res)
    if (req.method === 'GET' || req.method === 'HEAD') return serveStatic(res, url.pathname)
    send(res, 405, 'method not allowed')
  })

  async function handleIpc(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    // A custom header forces a CORS preflight for any cross-site attempt; JSON only.
    if (req.headers['x-eccs-bridge'] !== '1' || !(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return send(res, 403, 'bridge header required')
    }
    const body = await readBody(req)
    if (body === null) {
      res.setHeader('connection', 'close')
      return send(res, 413, 'body too large')
    }
    let payload: unknown
    try {
      payload = body.length === 0 ? undefined : JSON.parse(body)
    } catch {
      payload = Symbol('malformed') // dispatcher answers INVALID_REQUEST
    }
    const result = await opts.core.dispatch(decodeURIComponent(channel), payload)
    send(res, 200, JSON.stringify(result), 'application/json; charset=utf-8')
  }

  /**
   * An EventSource connects some time after the page asked for the current state, and reconnects
   * after a drop: a state change in between would be lost for good (the card stuck at "reading").
   * So every stream starts with the current card and API status, and events raised while those
   * are read are queued behind them — the last frame is always the newest state.
   */
  function openEvents(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
    res.write(': connected\n\n')
    const queue: string[] = []
    pending.set(res, queue)
    sse.add(res)
    res.on('close', () => {
      sse.delete(res)
      pending.delete(res)
    })
    const flush = (snapshot: string[]): void => {
      if (!pending.has(res)) return // closed meanwhile
      for (const f of [...snapshot, ...queue]) res.write(f)
      pending.delete(res)
    }
    Promise.all([opts.core.dispatch('card:getStatus', undefined), opts.core.dispatch('api:getStatus', undefined)]).then(
      ([card, api]) => flush([...(card.ok ? [frame('card:status', card.value)] : []), ...(api.ok ? [frame('api:status', api.value)] : [])]),
      () => flush([]) // the dispatcher answers errors as values; this is only a safety net
    )
  }

  // The built renderer is a few hundred KB: kept in memory (re-read when a rebuild changes a
  // file), so a page load costs no file-system round trips in the threadpool.
  const files = new Map<string, { mtimeMs: number; size: number; body: Buffer }>()
  const fileStat = (path: string): Stats | undefined => {
    try {
      const st = statSync(path)
      return st.isFile() ? st : undefined
    } catch {
      return undefined
    }
  }

  function serveStatic(res: ServerResponse, pathname: string): void {
    const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '')
    const file = join(opts.rendererDir, rel === '' ? 'index.html' : rel)
    const inside = file === opts.rendererDir || file.startsWith(opts.rendererDir + sep)
    let target = inside ? file : join(opts.rendererDir, 'index.html')
    let st = fileStat(target)
    if (!st) {
      target = join(opts.rendererDir, 'index.html')
      st = fileStat(target)
    }
    if (!st) return send(res, 404, 'renderer not built')
    let cached = files.get(target)
    if (!cached || cached.mtimeMs !== st.mtimeMs || cached.size !== st.size) {
      try {
        cached = { mtimeMs: st.mtimeMs, size: st.size, body: readFileSync(target) }
      } catch {
        return send(res, 404, 'not found') // removed between stat and read (a rebuild)
      }
      files.set(target, cached)
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
      'content-length': cached.body.length,
      'content-security-policy': RENDERER_CSP,
      'cache-control': 'no-store'
    })
    res.end(cached.body)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  origin = `http://127.0.0.1:${port}`
  allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`]

  return {
    origin,
    appUrl: `${origin}/?token=${token}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe()
        for (const res of sse) res.end()
        sse.clear()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
