import * as http from 'node:http'
import * as https from 'node:https'
import { isIP } from 'node:net'
import type { Duplex } from 'node:stream'
import * as tls from 'node:tls'
import type { NetworkOptions } from './network'

// An https.Agent built from NetworkOptions: always verifying TLS against the given CA list, and
// tunnelling through the proxy with HTTP CONNECT when there is one (axios' own proxy support
// sends HTTPS requests to the proxy in clear; use `httpsAgent: createHttpsAgent(n), proxy: false`).

class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: URL,
    private readonly ca: string[],
    options: https.AgentOptions
  ) {
    super(options)
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void
  ): Duplex | null | undefined {
    const done = callback ?? (() => undefined)
    const host = String(options.hostname ?? options.host ?? 'localhost')
    const port = Number(options.port ?? 443)
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`
    const headers: Record<string, string> = { host: authority }
    if (this.proxy.username) {
      const creds = `${decodeURIComponent(this.proxy.username)}:${decodeURIComponent(this.proxy.password)}`
      headers['proxy-authorization'] = `Basic ${Buffer.from(creds).toString('base64')}`
    }
    const request = (this.proxy.protocol === 'https:' ? https.request : http.request)({
      host: this.proxy.hostname,
      port: Number(this.proxy.port || (this.proxy.protocol === 'https:' ? 443 : 80)),
      method: 'CONNECT',
      path: authority,
      headers,
      ...(this.proxy.protocol === 'https:' ? { ca: this.ca, rejectUnauthorized: true } : {}),
      agent: false
    })
    const timer = setTimeout(
      () => request.destroy(new Error(`proxy ${this.proxy.host} did not answer CONNECT`)),
      Number(options.timeout ?? 15_000)
    )
    request.once('connect', (res, socket) => {
      clearTimeout(timer)
      if (res.statusCode !== 200) {
        socket.destroy()
        done(new Error(`proxy ${this.proxy.host} refused CONNECT ${authority}: HTTP ${res.statusCode}`), socket)
        return
      }
      const secure = tls.connect({
        socket,
        host, // checked against the certificate's names/IPs
        // SNI must be a host name; for an IP address Node verifies the certificate's IP SAN instead.
        ...(isIP(options.servername || host) ? {} : { servername: options.servername || host }),
        ca: this.ca,
        rejectUnauthorized: true // never configurable
      })
      done(null, secure)
    })
    request.once('error', (err) => {
      clearTimeout(timer)
      done(err, request.socket as Duplex)
    })
    request.end()
    return undefined
  }
}

export function createHttpsAgent(net: NetworkOptions, opts: { keepAlive?: boolean } = {}): https.Agent {
  const options: https.AgentOptions = { ca: net.ca, rejectUnauthorized: true, keepAlive: opts.keepAlive ?? true }
  return net.proxy ? new TunnelAgent(net.proxy, net.ca, options) : new https.Agent(options)
}
