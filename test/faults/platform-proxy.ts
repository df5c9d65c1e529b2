import { createServer, request as httpsRequest, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket, AddressInfo } from 'node:net'

// A fault-injecting TLS proxy between the client and server-mock: it terminates TLS with a
// certificate chosen per test (trusted, untrusted, expired, wrong host) and forwards requests to
// the real server-mock over TLS. Faults are queued per request pattern and used once each:
//   lose-answer        forward (the platform commits), then cut the client's connection
//   down-after-commit  forward, cut, then refuse every connection for downMs ("server killed after commit")
//   slow               forward at once, answer only after delayMs
//   status-before      answer `status` without forwarding (5xx before commit)
//   status-after       forward, then answer `status` instead of the real answer (5xx after commit)
//   reset-before       cut the connection without forwarding
//   blackhole          never forward, never answer (a silent platform)
// "Server killed" is simulated at the proxy (refused connections after the commit) rather than by
// killing server-mock: the client sees exactly the same, and the platform's database stays inspectable.

export type Fault =
  | { kind: 'lose-answer' }
  | { kind: 'down-after-commit'; downMs: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'status-before'; status: number }
  | { kind: 'status-after'; status: number }
  | { kind: 'reset-before' }
  | { kind: 'blackhole' }

export interface Pem {
  key: string
  cert: string
}

interface Rule {
  pattern: RegExp
  fault: Fault
  left: number
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer'
])

export class FaultProxy {
  /** Requests forwarded to server-mock, and faults used, by kind. */
  readonly counts = { forwarded: 0, injected: {} as Record<string, number> }
  private rules: Rule[] = []
  private upstream: { url: URL; ca: string } | null = null
  private downUntil = 0
  private readonly sockets = new Set<Socket>()
  private readonly held = new Set<ServerResponse>()

  private constructor(
    private readonly server: Server,
    readonly url: string
  ) {}

  /** Listens on 127.0.0.1 (ephemeral port) presenting `initial`; call setUpstream before use. */
  static async start(initial: Pem): Promise<FaultProxy> {
    let self: FaultProxy | null = null
    const server = createServer({ key: initial.key, cert: initial.cert }, (req, res) => void self?.handle(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    self = new FaultProxy(server, `https://127.0.0.1:${port}`)
    const proxy = self
    server.on('connection', (socket: Socket) => {
      if (Date.now() < proxy.downUntil) {
        socket.destroy()
        return
      }
      proxy.sockets.add(socket)
      socket.on('close', () => proxy.sockets.delete(socket))
    })
    server.on('tlsClientError', () => undefined) // a client refusing our certificate is a test outcome
    return self
  }

  setUpstream(url: string, caPem: string): void {
    this.upstream = { url: new URL(url), ca: caPem }
  }

  /** Presents `pem` from now on; open (keep-alive) connections are cut so the next request handshakes again. */
  setCertificate(pem: Pem): void {
    this.server.setSecureContext({ key: pem.key, cert: pem.cert })
    this.dropConnections()
  }

  /** The next `times` requests whose "METHOD /path" matches `pattern` get `fault`. */
  inject(pattern: RegExp, fault: Fault, times = 1): void {
    this.rules.push({ pattern, fault, left: times })
  }

  /** Forgets queued faults, ends held (blackholed) requests and the "down" period. */
  heal(): void {
    this.rules = []
    this.downUntil = 0
    for (const res of this.held) res.destroy()
    this.held.clear()
  }

  dropConnections(): void {
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
  }

  async close(): Promise<void> {
    this.heal()
    this.dropConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private take(line: string): Fault | null {
    const rule = this.rules.find((r) => r.left > 0 && r.pattern.test(line))
    if (!rule) return null
    rule.left--
    this.counts.injected[rule.fault.kind] = (this.counts.injected[rule.fault.kind] ?? 0) + 1
    return rule.fault
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    const fault = this.take(`${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}`)
    if (fault?.kind === 'reset-before') return void res.socket?.destroy()
    if (fault?.kind === 'blackhole') {
      this.held.add(res)
      res.on('close', () => this.held.delete(res))
      return
    }
    if (fault?.kind === 'status-before')
      return this.answer(
        res,
        fault.status,
        { 'content-type': 'text/html' },
        Buffer.from('<h1>Service Unavailable</h1>')
      )
    let upstream: { status: number; headers: Record<string, string>; body: Buffer }
    try {
      upstream = await this.forward(req, body)
    } catch {
      return this.answer(res, 502, { 'content-type': 'text/plain' }, Buffer.from('bad gateway'))
    }
    switch (fault?.kind) {
      case 'lose-answer':
        return void res.socket?.destroy()
      case 'down-after-commit':
        this.downUntil = Date.now() + fault.downMs
        res.socket?.destroy()
        return this.dropConnections()
      case 'status-after':
        return this.answer(res, fault.status, { 'content-type': 'text/plain' }, Buffer.from('upstream answer lost'))
      case 'slow':
        await new Promise((r) => setTimeout(r, fault.delayMs))
        if (res.destroyed || res.socket?.destroyed) return
        return this.answer(res, upstream.status, upstream.headers, upstream.body)
      default:
        return this.answer(res, upstream.status, upstream.headers, upstream.body)
    }
  }

  private answer(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
    if (res.destroyed) return
    res.writeHead(status, { ...headers, 'content-length': String(body.length) })
    res.end(body)
  }

  private forward(
    req: IncomingMessage,
    body: Buffer
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const up = this.upstream
    if (!up) throw new Error('FaultProxy: no upstream')
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !HOP_BY_HOP.has(k) && k !== 'host') headers[k] = v
    headers['content-length'] = String(body.length)
    this.counts.forwarded++
    return new Promise((resolve, reject) => {
      const r = httpsRequest(
        {
          host: up.url.hostname,
          port: up.url.port,
          method: req.method,
          path: req.url,
          headers,
          ca: up.ca,
          agent: false
        },
        (res) => {
          const parts: Buffer[] = []
          res.on('data', (c: Buffer) => parts.push(c))
          res.on('end', () => {
            const out: Record<string, string> = {}
            for (const [k, v] of Object.entries(res.headers))
              if (typeof v === 'string' && !HOP_BY_HOP.has(k) && k !== 'content-length') out[k] = v
            resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(parts) })
          })
          res.on('error', reject)
        }
      )
      r.on('error', reject)
      r.end(body)
    })
  }
}
