import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { connect, type Socket } from 'node:net'

// A real forward proxy on loopback for the network tests, logging every request it receives:
// CONNECT tunnels (https:) and absolute-URI requests (http:, RFC 9112 §3.2.2), with optional Basic
// authentication (RFC 7617 / RFC 9110 §11.7: 407 + Proxy-Authenticate without valid credentials).
// `routes` stand for the corporate network's own name resolution: an absolute URI starting with a
// key is forwarded to the mapped URL (e.g. the test certificates' placeholder OCSP responder
// http://127.0.0.1/test-pki/OCSP → server-mock's responder), everything else to its own address.

export interface ProxyLogEntry {
  method: string
  /** CONNECT authority or the absolute URI. */
  target: string
  auth: 'none' | 'ok' | 'bad'
  status: number
}

export interface AuthProxy {
  url: string
  port: number
  log: ProxyLogEntry[]
  close(): Promise<void>
}

export async function startAuthProxy(
  opts: { credentials?: { user: string; password: string }; routes?: Record<string, string>; trustCa?: string } = {}
): Promise<AuthProxy> {
  const log: ProxyLogEntry[] = []
  const sockets = new Set<Socket>()
  const expected = opts.credentials
    ? `Basic ${Buffer.from(`${opts.credentials.user}:${opts.credentials.password}`).toString('base64')}`
    : null
  const authOf = (req: IncomingMessage): ProxyLogEntry['auth'] => {
    const h = req.headers['proxy-authorization']
    return !h ? 'none' : h === expected ? 'ok' : 'bad'
  }
  const allowed = (auth: ProxyLogEntry['auth']): boolean => expected === null || auth === 'ok'

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const auth = authOf(req)
    const target = req.url ?? ''
    if (!allowed(auth)) {
      log.push({ method: req.method ?? '', target, auth, status: 407 })
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test proxy"' }).end()
      return
    }
    if (!/^https?:\/\//.test(target)) {
      log.push({ method: req.method ?? '', target, auth, status: 400 })
      res.writeHead(400).end('absolute URI required')
      return
    }
    const route = Object.keys(opts.routes ?? {}).find((k) => target.startsWith(k))
    const upstream = new URL(route ? (opts.routes?.[route] ?? target) : target)
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: upstream.host }
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest
    const out = send(upstream, { method: req.method, headers, ...(opts.trustCa ? { ca: opts.trustCa } : {}) }, (up) => {
      log.push({ method: req.method ?? '', target, auth, status: up.statusCode ?? 0 })
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    out.on('error', () => {
      log.push({ method: req.method ?? '', target, auth, status: 502 })
      if (!res.headersSent) res.writeHead(502).end()
    })
    req.pipe(out)
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client)
    const auth = authOf(req)
    const target = req.url ?? ''
    if (!allowed(auth)) {
      log.push({ method: 'CONNECT', target, auth, status: 407 })
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test proxy"\r\nContent-Length: 0\r\n\r\n'
      )
      return
    }
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target)
    const upstream = connect(Number(m?.[2]), m?.[1] ?? '', () => {
      log.push({ method: 'CONNECT', target, auth, status: 200 })
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => {
      log.push({ method: 'CONNECT', target, auth, status: 502 })
      client.destroy()
    })
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    close: async () => {
      for (const s of sockets) s.destroy()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}
