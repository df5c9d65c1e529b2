import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFileSync, statSync, type Stats } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { extname, join, sep } from 'node:path'
import { RENDERER_CSP } from '../../shared/csp'
import type { AppCore } from '../core'

// Loopback web host: the same main-process core, served to a browser instead of an Electron
// window. Bound to 127.0.0.1 only. No cookie and nothing else the browser sends on its own
// carries authority (cookies ignore ports: any other local server would receive them):
//   - the App URL carries a single-use token; the page trades it (POST /session, token in a
//     header) for a per-page session secret, which the page keeps in its own tab
//     (sessionStorage, same origin only) and sends as the `x-eccs-session` header;
//   - every IPC call (POST /ipc/<channel>) and the event stream (GET /events, read with fetch)
//     needs that header; a custom header forces a CORS preflight, which we never grant;
//   - Host and Origin must be ours (DNS rebinding, cross-site pages);
//   - the built renderer itself (public code, no data) is served to any same-host GET, so a
//     reload works without any credential in the URL.
// After each use of the token a new one is minted and reported through `onAppUrl`, so another
// tab can be opened from the newest printed URL. Connections, headers, bodies and event streams
// are bounded; a malformed request is a 4xx answer and never reaches past this file.

/** Header names of the web bridge (src/renderer/bridge.ts). */
export const BRIDGE_HEADERS = { bridge: 'x-eccs-bridge', token: 'x-eccs-token', session: 'x-eccs-session' } as const

/** Bounds of the web host. Times in ms, sizes in bytes. */
export const WEB_HOST_LIMITS = {
  /** Whole request head must arrive within this (slowloris). */
  headersTimeoutMs: 5_000,
  /** Whole request (head + body) must arrive within this. */
  requestTimeoutMs: 10_000,
  /** Idle keep-alive connections are closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** Open sockets at once; more are dropped by Node before any parsing. */
  maxConnections: 64,
  /** Request head size (Node's parser answers 431 above it). */
  maxHeaderSize: 8 * 1024,
  /** IPC request body. */
  maxBody: 64 * 1024,
  /** Event streams open at once (a page holds one). */
  maxStreams: 8,
  /** An event stream is ended after this; the page reconnects and gets a fresh snapshot. */
  streamMaxAgeMs: 5 * 60_000,
  /** Keep-alive comment on idle streams: a dead peer is noticed and dropped. */
  streamPingMs: 15_000,
  /** Page sessions kept (tabs); the oldest is forgotten beyond this. */
  maxSessions: 16
} as const

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json'
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large'
}

export interface WebHostOptions {
  core: AppCore
  rendererDir: string
  port?: number
  /** The first App URL token (tests); random otherwise. */
  token?: string
  /** Called with each new App URL after the previous one was used (print it for the user). */
  onAppUrl?: (appUrl: string) => void
  /** Tighter bounds (tests); defaults: WEB_HOST_LIMITS. */
  limits?: Partial<WebHostLimits>
}

export type WebHostLimits = { -readonly [K in keyof typeof WEB_HOST_LIMITS]: number }

export interface WebHost {
  /** http://127.0.0.1:PORT */
  origin: string
  /** The URL to open now: origin + /?token=… (single use; see `onAppUrl` for the next one). */
  readonly appUrl: string
  /** The token inside `appUrl`. */
  readonly token: string
  close(): Promise<void>
}

/** A request we refuse: answered with `status` and a short plain-text reason. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

function sameSecret(a: string | undefined, b: string): boolean {
  if (!a) return false
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * One header value; a repeated header is refused (ambiguous). Node keeps only the first `Host`
 * and joins other repeats with ", ", so the raw header list is counted. `name` is lower case.
 */
function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  let seen = 0
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === name) seen++
  if (Array.isArray(v) || seen > 1) throw new Refusal(400, `repeated ${name} header`)
  return v
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body)
  })
  res.end(body)
}

/** The body as text, or a Refusal (413 too large, 400 aborted). Slow bodies end with requestTimeout. */
function readBody(req: IncomingMessage, maxBody: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = header(req, 'content-length')
    if (declared !== undefined && !/^\d{1,9}$/.test(declared)) return reject(new Refusal(400, 'bad content-length'))
    if (Number(declared ?? 0) > maxBody) return reject(new Refusal(413, 'body too large'))
    let size = 0
    const chunks: Buffer[] = []
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > maxBody) {
        req.off('data', onData)
        req.resume() // discard the rest; the 413 closes the connection
        reject(new Refusal(413, 'body too large'))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', () => reject(new Refusal(400, 'request aborted')))
  })
}

/** Decoded URL path of a renderer file, or a Refusal: no `..`, `\`, NUL or encoded separators. */
export function rendererPath(rawPath: string): string {
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    throw new Refusal(400, 'malformed percent-encoding')
  }
  if (/[\\\0]/.test(decoded) || /%2f|%5c/i.test(rawPath)) throw new Refusal(400, 'bad path')
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.includes('..')) throw new Refusal(400, 'bad path')
  return parts.join('/')
}

/**
 * Starts the web host on 127.0.0.1 (`port` or a free one). Resolves once it listens.
 * Errors: the listen error (e.g. EADDRINUSE).
 */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const limits: WebHostLimits = { ...WEB_HOST_LIMITS, ...opts.limits }
  let token = opts.token ?? randomBytes(32).toString('base64url')
  /** Page sessions, oldest first. */
  const sessions: string[] = []
  const sse = new Set<ServerResponse>()
  let origin = ''
  /** `host:port` forms this server answers to, lower-case (requests are lower-cased before the comparison). */
  let allowedHosts: string[] = []
  /** `http://host:port` serialisations of our own page's origin (RFC 6454 §6.1), lower-case. */
  let allowedOrigins: string[] = []

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

  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: 1_000
    },
    (req, res) => {
      try {
        route(req, res)?.catch((err: unknown) => refuse(res, err))
      } catch (err) {
        refuse(res, err)
      }
    }
  )
  server.keepAliveTimeout = limits.keepAliveTimeoutMs
  server.maxConnections = limits.maxConnections
  // Parser errors (bad method, header, chunking, timeouts): a 4xx on the raw socket, then close.
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? 431
          : err.code === 'HPE_URI_TOO_LONG'
            ? 414
            : 400
    if (socket.writable && !socket.destroyed) {
      socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
    }
    socket.destroy()
  })

  function refuse(res: ServerResponse, err: unknown): void {
    if (err instanceof Refusal) {
      if (err.status === 413) res.setHeader('connection', 'close')
      return send(res, err.status, err.message)
    }
    // Not a request error: our own fault. Still an answer, never an exit.
    send(res, 500, 'internal error')
  }

  function route(req: IncomingMessage, res: ServerResponse): Promise<void> | void {
    res.setHeader('x-content-type-options', 'nosniff')
    res.setHeader('referrer-policy', 'no-referrer')
    res.setHeader('x-frame-options', 'DENY')
    res.setHeader('cross-origin-opener-policy', 'same-origin')
    res.setHeader('cross-origin-resource-policy', 'same-origin')
    // Host names and URI schemes are case-insensitive (RFC 9110 §7.2, RFC 3986 §3.1/§3.2.2): compare lower-cased.
    if (!allowedHosts.includes((header(req, 'host') ?? '').toLowerCase())) throw new Refusal(421, 'misdirected request')
    const reqOrigin = header(req, 'origin')
    if (reqOrigin !== undefined && !allowedOrigins.includes(reqOrigin.toLowerCase()))
      throw new Refusal(403, 'foreign origin')
    const raw = req.url ?? ''
    if (!raw.startsWith('/') || raw.startsWith('//')) throw new Refusal(400, 'bad request target')
    const q = raw.search(/[?#]/)
    const pathname = q < 0 ? raw : raw.slice(0, q)

    if (pathname === '/session') {
      if (req.method !== 'POST') throw new Refusal(405, 'method not allowed')
      return openSession(req, res)
    }
    if (pathname.startsWith('/ipc/')) {
      if (req.method !== 'POST') throw new Refusal(405, 'method not allowed')
      requireSession(req)
      return handleIpc(req, res, pathname.slice(5))
    }
    if (pathname === '/events') {
      if (req.method !== 'GET') throw new Refusal(405, 'method not allowed')
      requireSession(req)
      return openEvents(res)
    }
    if (req.method === 'GET' || req.method === 'HEAD') return serveStatic(req, res, pathname)
    throw new Refusal(405, 'method not allowed')
  }

  function requireBridge(req: IncomingMessage): void {
    // Custom header: a cross-site attempt needs a CORS preflight, which is never granted.
    if (header(req, BRIDGE_HEADERS.bridge) !== '1') throw new Refusal(403, 'bridge header required')
  }

  function requireSession(req: IncomingMessage): void {
    requireBridge(req)
    const given = header(req, BRIDGE_HEADERS.session)
    if (!sessions.some((s) => sameSecret(given, s))) throw new Refusal(401, 'missing or unknown session')
  }

  /** POST /session with the App URL token in a header: single use; answers a new page session. */
  async function openSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requireBridge(req)
    await readBody(req, limits.maxBody) // no body expected; drained within the limits
    if (!sameSecret(header(req, BRIDGE_HEADERS.token), token))
      throw new Refusal(401, 'App URL token already used or wrong')
    token = randomBytes(32).toString('base64url')
    const session = randomBytes(32).toString('base64url')
    sessions.push(session)
    while (sessions.length > limits.maxSessions) sessions.shift()
    opts.onAppUrl?.(`${origin}/?token=${token}`)
    send(res, 200, JSON.stringify({ session }), 'application/json; charset=utf-8')
  }

  async function handleIpc(req: IncomingMessage, res: ServerResponse, rawChannel: string): Promise<void> {
    if (!(header(req, 'content-type') ?? '').startsWith('application/json')) throw new Refusal(415, 'JSON only')
    let channel: string
    try {
      channel = decodeURIComponent(rawChannel)
    } catch {
      throw new Refusal(400, 'malformed percent-encoding')
    }
    const body = await readBody(req, limits.maxBody)
    let payload: unknown
    try {
      payload = body.length === 0 ? undefined : JSON.parse(body)
    } catch {
      payload = Symbol('malformed') // dispatcher answers INVALID_REQUEST
    }
    const result = await opts.core.dispatch(channel, payload)
    send(res, 200, JSON.stringify(result), 'application/json; charset=utf-8')
  }

  /**
   * An event stream connects some time after the page asked for the current state, and reconnects
   * after a drop: a state change in between would be lost for good (the card stuck at "reading").
   * So every stream starts with the current card and API status, and events raised while those
   * are read are queued behind them — the last frame is always the newest state.
   */
  function openEvents(res: ServerResponse): void {
    if (sse.size >= limits.maxStreams) throw new Refusal(429, 'too many event streams')
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
    res.write(': connected\n\n')
    const queue: string[] = []
    pending.set(res, queue)
    sse.add(res)
    const ping = setInterval(() => res.write(': ping\n\n'), limits.streamPingMs)
    const maxAge = setTimeout(() => res.end(), limits.streamMaxAgeMs)
    res.on('close', () => {
      clearInterval(ping)
      clearTimeout(maxAge)
      sse.delete(res)
      pending.delete(res)
    })
    const flush = (snapshot: string[]): void => {
      if (!pending.has(res)) return // closed meanwhile
      for (const f of [...snapshot, ...queue]) res.write(f)
      pending.delete(res)
    }
    Promise.all([opts.core.dispatch('card:getStatus', undefined), opts.core.dispatch('api:getStatus', undefined)]).then(
      ([card, api]) =>
        flush([
          ...(card.ok ? [frame('card:status', card.value)] : []),
          ...(api.ok ? [frame('api:status', api.value)] : [])
        ]),
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

  function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    const rel = rendererPath(pathname)
    const file = join(opts.rendererDir, rel === '' ? 'index.html' : rel)
    const inside = file.startsWith(opts.rendererDir + sep)
    let target = inside ? file : join(opts.rendererDir, 'index.html')
    let st = fileStat(target)
    if (!st) {
      target = join(opts.rendererDir, 'index.html') // unknown paths are app routes
      st = fileStat(target)
    }
    if (!st) throw new Refusal(404, 'renderer not built')
    let cached = files.get(target)
    if (!cached || cached.mtimeMs !== st.mtimeMs || cached.size !== st.size) {
      try {
        cached = { mtimeMs: st.mtimeMs, size: st.size, body: readFileSync(target) }
      } catch {
        throw new Refusal(404, 'not found') // removed between stat and read (a rebuild)
      }
      files.set(target, cached)
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
      'content-length': cached.body.length,
      'content-security-policy': RENDERER_CSP,
      'cache-control': 'no-store'
    })
    res.end(req.method === 'HEAD' ? undefined : cached.body)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  origin = `http://127.0.0.1:${port}`
  allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`]
  allowedOrigins = allowedHosts.map((h) => `http://${h}`)

  return {
    origin,
    get appUrl() {
      return `${origin}/?token=${token}`
    },
    get token() {
      return token
    },
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
