import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http'
import { request as httpsRequest, type Agent } from 'node:https'
import { caList, createHttpsAgent, networkOptions, type EffectiveSettings, type NetworkOptions } from '../policy'
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_TIMEOUT_MS,
  netError,
  type NetRequest,
  type NetResponse,
  type Transport
} from './transport'

// The plain-Node transport (web host, CLI, tests): the CA list and the proxy come from
// policy/network.ts for every request's own URL (so the bypass list applies per host). https: is
// tunnelled with CONNECT (policy/https-agent.ts), http: (OCSP, CRL) is sent to the proxy as an
// absolute-URI request (RFC 9112 §3.2.2). Proxy credentials in the proxy URL are sent as Basic
// (RFC 7617); NTLM/Negotiate and PAC files are the Electron transport's (Chromium's) job.

export interface NodeTransportOptions {
  settings: EffectiveSettings
  /** Environment for proxy = "system" (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY). */
  env?: NodeJS.ProcessEnv
  /** Extra CA (PEM file) for the platform and the responders, e.g. server-mock's dev CA. */
  apiCaFile?: string | null
}

/** `Proxy-Authorization: Basic …` for a proxy URL with user info (percent-decoded, RFC 7617). */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {}
  const creds = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
  return { 'proxy-authorization': `Basic ${Buffer.from(creds).toString('base64')}` }
}

function routeOf(net: NetworkOptions): string {
  return net.proxy ? `PROXY ${net.proxy.host}` : 'DIRECT'
}

/**
 * Creates the plain-Node transport. Throws POLICY_INVALID (AppError) from `request` while the
 * machine policy is invalid: nothing leaves the machine until the administrator fixes it.
 */
export function createNodeTransport(opts: NodeTransportOptions): Transport & { options(url: string): NetworkOptions } {
  const agents = new AgentCache()
  const cas = new CaListCache(() => caList(opts.settings, opts.apiCaFile ?? null))
  const options = (url: string): NetworkOptions =>
    networkOptions(opts.settings, {
      target: url,
      env: opts.env ?? process.env,
      ...(opts.settings.networkBlocked ? {} : { ca: cas.get() })
    })
  return {
    kind: 'node',
    options,
    route: async (url) => routeOf(options(url)),
    request: (req) => send(req, options(req.url), agents)
  }
}

/** How long a read CA list is used (ms): an OS store or CA file changed meanwhile counts from then on. */
const CA_LIST_TTL_MS = 60_000

/**
 * The CA list read at most once a minute (not per request: reading the runtime's and the OS's
 * roots and the CA file took ~10 ms a request, more than the request on loopback), kept as the
 * same array while unchanged so the agent cache can key on its identity.
 */
class CaListCache {
  private list: string[] | null = null
  private at = 0
  constructor(private readonly read: () => string[]) {}

  get(): string[] {
    const now = Date.now()
    if (this.list && now - this.at < CA_LIST_TTL_MS && now >= this.at) return this.list
    const fresh = this.read()
    if (!this.list || fresh.length !== this.list.length || fresh.some((c, i) => c !== this.list?.[i])) this.list = fresh
    this.at = now
    return this.list
  }
}

/**
 * Keep-alive agents per (proxy, CA list): a new agent per request parsed every CA certificate into
 * a new secure context and made a full TLS handshake each time (~15 ms a request here; a batch
 * confirmation and a sync make many). A changed policy (other proxy or CAs) gets its own agent.
 */
class AgentCache {
  private readonly agents = new Map<string, Agent>()
  /** Short keys for CA lists by identity (CaListCache keeps an unchanged list as the same array). */
  private readonly caKeys = new WeakMap<string[], string>()
  private nextCaKey = 0

  get(net: NetworkOptions): Agent {
    let caKey = this.caKeys.get(net.ca)
    if (caKey === undefined) this.caKeys.set(net.ca, (caKey = String(this.nextCaKey++)))
    const key = `${net.proxy?.href ?? 'DIRECT'}\n${caKey}`
    let agent = this.agents.get(key)
    if (!agent) {
      if (this.agents.size >= 8) this.clear()
      agent = createHttpsAgent(net, { keepAlive: true })
      this.agents.set(key, agent)
    }
    return agent
  }

  clear(): void {
    for (const a of this.agents.values()) a.destroy()
    this.agents.clear()
  }
}

function send(req: NetRequest, net: NetworkOptions, agents: AgentCache): Promise<NetResponse> {
  const target = new URL(req.url)
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return Promise.reject(netError(`unsupported URL ${req.url}`, 'ERR_UNSUPPORTED_PROTOCOL'))
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES
  const headers: Record<string, string> = { ...req.headers }
  if (req.body) headers['content-length'] = String(req.body.length)
  const base: RequestOptions = { method: req.method, timeout: timeoutMs }
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => {
        size += c.length
        if (size > maxBytes)
          request.destroy(netError(`${req.url}: answer larger than ${maxBytes} bytes`, 'ERR_RESPONSE_TOO_LARGE'))
        else chunks.push(c)
      })
      res.on('end', () => {
        clearTimeout(timer)
        const h: Record<string, string> = {}
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) })
      })
      res.on('error', reject)
    }
    let request: ClientRequest
    if (target.protocol === 'https:') {
      request = httpsRequest(target, { ...base, headers, agent: agents.get(net) }, onResponse)
    } else if (net.proxy) {
      const proxy = net.proxy
      const viaTls = proxy.protocol === 'https:'
      request = (viaTls ? httpsRequest : httpRequest)(
        {
          ...base,
          host: proxy.hostname,
          port: Number(proxy.port || (viaTls ? 443 : 80)),
          path: target.href, // absolute-URI form: the proxy connects to the responder
          headers: { ...headers, host: target.host, ...proxyAuthorization(proxy) },
          ...(viaTls ? { ca: net.ca, rejectUnauthorized: true } : {}),
          agent: false
        },
        onResponse
      )
    } else {
      request = httpRequest(target, { ...base, headers, agent: false }, onResponse)
    }
    // One limit for the whole exchange (connect, CONNECT, TLS, answer), not just socket idleness.
    const timer = setTimeout(
      () => request.destroy(netError(`${req.url}: no answer within ${timeoutMs} ms`, 'ETIMEDOUT')),
      timeoutMs
    )
    request.on('timeout', () => request.destroy(netError(`${req.url}: timed out`, 'ETIMEDOUT')))
    request.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    request.end(req.body)
  })
}
