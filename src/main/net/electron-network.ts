import { X509Certificate } from 'node:crypto'
import { isIP } from 'node:net'
import { AppError } from '../../shared/errors'
import type { EffectiveSettings } from '../policy'
import { systemCaCertificates } from '../policy'
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_TIMEOUT_MS,
  netError,
  proxyMode,
  type NetResponse,
  type Transport
} from './transport'

// The Electron transport: requests go through Chromium's network service (electron `net.request`
// on the app's session), so PAC/WPAD, the OS proxy settings and NTLM/Negotiate proxy authentication
// work as in the browser. This module never imports `electron`: src/main/index.ts hands it `net`
// and the sessions, and tests hand it a recording stand-in. The platform's host keeps the trust rule
// of the plain-Node path (a certificate verify handler: chain to the app's CA list, dates, host name).

/** Electron's ProxyConfig (session.setProxy), the subset the policy maps to. */
export interface ElectronProxyConfig {
  mode: 'direct' | 'system' | 'fixed_servers' | 'pac_script'
  proxyRules?: string
  proxyBypassRules?: string
  pacScript?: string
}

/** Electron's Certificate (the fields used): PEM `data` and the issuer chain as Chromium received it. */
export interface ElectronCertificateLike {
  data: string
  issuerCert?: ElectronCertificateLike | null
}

/** What session.setCertificateVerifyProc hands the handler. */
export interface CertificateVerifyRequest {
  hostname: string
  certificate: ElectronCertificateLike
  /** Chromium's own result: 0 = OK, negative = net error. */
  errorCode: number
}

/** The part of Electron's Session used here. */
export interface ElectronSessionLike {
  setProxy(config: ElectronProxyConfig): Promise<void>
  resolveProxy(url: string): Promise<string>
  setCertificateVerifyProc(proc: (request: CertificateVerifyRequest, callback: (result: number) => void) => void): void
}

interface IncomingLike {
  statusCode: number
  headers: Record<string, string | string[]>
  on(event: 'data', l: (chunk: Buffer) => void): unknown
  on(event: 'end', l: () => void): unknown
  on(event: 'error', l: (err: Error) => void): unknown
}

/** Electron's AuthInfo for a `login` event. */
export interface AuthInfoLike {
  isProxy: boolean
  scheme: string
  host: string
  port: number
  realm: string
}

interface ClientRequestLike {
  setHeader(name: string, value: string): void
  on(event: 'response', l: (res: IncomingLike) => void): unknown
  on(
    event: 'login',
    l: (authInfo: AuthInfoLike, callback: (username?: string, password?: string) => void) => void
  ): unknown
  on(event: 'error', l: (err: Error) => void): unknown
  write(chunk: Buffer): void
  end(): void
  abort(): void
}

/** The part of Electron's `net` used here (S: Electron's Session, or the tests' stand-in). */
export interface ElectronNetLike<S extends ElectronSessionLike = ElectronSessionLike> {
  request(options: {
    url: string
    method: string
    session: S
    redirect: 'error'
    useSessionCookies: boolean
  }): ClientRequestLike
}

/** Electron's `app`, for the proxy `login` event of the windows' and the updater's requests. */
export interface ElectronAppLike {
  on(
    event: 'login',
    l: (
      event: { preventDefault(): void },
      webContents: unknown,
      details: unknown,
      authInfo: AuthInfoLike,
      callback: (username?: string, password?: string) => void
    ) => void
  ): unknown
}

/** Policy → Chromium proxy config (docs/deployment.md, "Proxy"). */
export function electronProxyConfig(values: EffectiveSettings['values']): ElectronProxyConfig {
  const m = proxyMode(values)
  if (m.mode === 'direct') return { mode: 'direct' }
  if (m.mode === 'pac') return { mode: 'pac_script', pacScript: m.url }
  if (m.mode === 'system') return { mode: 'system' } // OS settings, WPAD and the OS's PAC included
  const port = m.url.port || (m.url.protocol === 'https:' ? '443' : '80')
  // Credentials never go into Chromium's proxy rules; they answer the proxy's 407 (proxyLogin).
  return {
    mode: 'fixed_servers',
    proxyRules: `${m.url.protocol.replace(':', '')}://${m.url.hostname}:${port}`,
    proxyBypassRules: values.proxyBypass.join(',')
  }
}

/**
 * Answers a proxy's authentication challenge with the user info of the policy's fixed proxy URL
 * (Basic/Digest), and only for that proxy; everything else is cancelled (NTLM/Negotiate with the
 * desk's own Windows/Kerberos credentials need no answer: Chromium uses them itself).
 */
export function proxyLogin(
  values: EffectiveSettings['values']
): (authInfo: AuthInfoLike, callback: (username?: string, password?: string) => void) => boolean {
  const m = proxyMode(values)
  return (authInfo, callback) => {
    if (m.mode === 'fixed' && authInfo.isProxy && m.url.username) {
      const port = Number(m.url.port || (m.url.protocol === 'https:' ? 443 : 80))
      if (authInfo.host.toLowerCase() === m.url.hostname.toLowerCase() && authInfo.port === port) {
        callback(decodeURIComponent(m.url.username), decodeURIComponent(m.url.password))
        return true
      }
    }
    callback()
    return false
  }
}

function parseAll(pems: string[]): X509Certificate[] {
  const out: X509Certificate[] = []
  for (const pem of pems) {
    try {
      out.push(new X509Certificate(pem))
    } catch {
      // an unparsable entry cannot anchor anything
    }
  }
  return out
}

function current(c: X509Certificate, now: Date): boolean {
  return c.validFromDate <= now && now <= c.validToDate
}

/**
 * True when `leaf` (with Chromium's issuer chain) is valid now for `hostname` and chains to one of
 * `anchors` by issuer name and signature, every issuer being a current CA (RFC 5280 §6.1 basics;
 * the same decision Node's TLS makes for the plain-Node path).
 */
export function chainTrusted(
  leaf: ElectronCertificateLike,
  hostname: string,
  anchors: X509Certificate[],
  now = new Date()
): boolean {
  const chain: X509Certificate[] = []
  for (let c: ElectronCertificateLike | null | undefined = leaf; c && chain.length < 10; c = c.issuerCert) {
    try {
      chain.push(new X509Certificate(c.data))
    } catch {
      return false
    }
  }
  const first = chain[0]
  if (!first || !current(first, now)) return false
  const host = hostname.replace(/^\[|\]$/g, '')
  if (!(isIP(host) ? first.checkIP(host) : first.checkHost(host))) return false
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i] as X509Certificate
    if (i > 0 && (!cert.ca || !current(cert, now))) return false
    if (anchors.some((a) => a.fingerprint256 === cert.fingerprint256)) return true
    if (anchors.some((a) => a.ca && current(a, now) && cert.checkIssued(a) && cert.verify(a.publicKey))) return true
    const next = chain[i + 1]
    if (!next || !cert.checkIssued(next) || !cert.verify(next.publicKey)) return false
  }
  return false
}

/**
 * The certificate verify handler (session.setCertificateVerifyProc). The platform's host: accepted
 * only when the chain is trusted by the app's CA list (system + policy extra CAs + dev API CA),
 * whatever Chromium thinks — as strict as the plain-Node path. Other hosts (OCSP/CRL over https,
 * the update feed): Chromium's verdict, or the policy's extra CAs (TLS-inspecting proxy).
 * Callback values: 0 accept, -2 reject, -3 use Chromium's result.
 */
export function platformCertificateVerifier(opts: {
  platformHost: string | null
  cas: () => string[]
  extraCas: () => string[]
  now?: () => Date
}) {
  let anchors: X509Certificate[] | null = null
  let extra: X509Certificate[] | null = null
  return (request: CertificateVerifyRequest, callback: (result: number) => void): void => {
    const now = opts.now?.() ?? new Date()
    if (opts.platformHost && request.hostname.toLowerCase() === opts.platformHost.toLowerCase()) {
      anchors ??= parseAll(opts.cas())
      callback(chainTrusted(request.certificate, request.hostname, anchors, now) ? 0 : -2)
      return
    }
    if (request.errorCode === 0) return callback(-3)
    extra ??= parseAll(opts.extraCas())
    callback(extra.length > 0 && chainTrusted(request.certificate, request.hostname, extra, now) ? 0 : -3)
  }
}

/** Chromium's net error → a Node-style code api/error-mapping.ts and doctor understand. */
export function codeFromChromium(message: string): string {
  const m = /net::(ERR_[A-Z_]+)/.exec(message)
  const err = m?.[1] ?? 'ERR_FAILED'
  if (err === 'ERR_NAME_NOT_RESOLVED' || err === 'ERR_NAME_RESOLUTION_FAILED') return 'ENOTFOUND'
  if (err === 'ERR_CONNECTION_REFUSED') return 'ECONNREFUSED'
  if (err === 'ERR_CONNECTION_RESET' || err === 'ERR_CONNECTION_CLOSED') return 'ECONNRESET'
  if (err === 'ERR_TIMED_OUT' || err === 'ERR_CONNECTION_TIMED_OUT') return 'ETIMEDOUT'
  if (err === 'ERR_INTERNET_DISCONNECTED' || err === 'ERR_ADDRESS_UNREACHABLE' || err === 'ERR_NETWORK_CHANGED')
    return 'ENETUNREACH'
  if (err.startsWith('ERR_CERT_') || err === 'ERR_SSL_PINNED_KEY_NOT_IN_CERT_CHAIN') return 'CERT_UNTRUSTED'
  return err // ERR_PROXY_CONNECTION_FAILED, ERR_TUNNEL_CONNECTION_FAILED, ERR_PROXY_AUTH_… stay as they are
}

export interface ElectronTransportOptions<S extends ElectronSessionLike = ElectronSessionLike> {
  net: ElectronNetLike<S>
  /** The app's session (first: requests go here) and the updater's partition: all get proxy + verifier. */
  sessions: S[]
  /** For the `login` event of windows and the updater (their requests are not ours). */
  app?: ElectronAppLike
  settings: EffectiveSettings
  /** The platform's base URL: its host gets the strict verify handler. */
  platformUrl: string | null
  /** Dev API CA (PEM text) trusted like an extra CA. */
  devCaPem?: string | null
}

/**
 * Configures the sessions (proxy from policy, certificate verify handler, proxy login) and returns
 * the Transport over Chromium's network service. Requests wait until the proxy is set; while the
 * machine policy is invalid every request is refused with POLICY_INVALID (fail closed, as the
 * plain-Node transport).
 */
export function createElectronTransport<S extends ElectronSessionLike>(
  opts: ElectronTransportOptions<S>
): Transport & { ready: Promise<void> } {
  const [primary] = opts.sessions
  if (!primary) throw new Error('createElectronTransport: no session')
  const values = opts.settings.values
  const extraCas = (): string[] => [...opts.settings.caPems, ...(opts.devCaPem ? [opts.devCaPem] : [])]
  const verify = platformCertificateVerifier({
    platformHost: opts.platformUrl ? new URL(opts.platformUrl).hostname.replace(/^\[|\]$/g, '') : null,
    cas: () => [...new Set([...systemCaCertificates(), ...extraCas()])],
    extraCas
  })
  const login = proxyLogin(values)
  const config = electronProxyConfig(values)
  for (const s of opts.sessions) s.setCertificateVerifyProc(verify)
  opts.app?.on('login', (event, _wc, _details, authInfo, callback) => {
    if (!authInfo.isProxy) return // a site's own login is not ours to answer
    event.preventDefault()
    login(authInfo, callback)
  })
  const ready = Promise.all(opts.sessions.map((s) => s.setProxy(config))).then(() => undefined)

  return {
    kind: 'electron',
    ready,
    route: async (url) => {
      await ready
      return primary.resolveProxy(url)
    },
    request: async (req) => {
      if (opts.settings.networkBlocked) throw new AppError('POLICY_INVALID', opts.settings.networkBlocked.detail)
      await ready
      const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS
      const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES
      return new Promise<NetResponse>((resolve, reject) => {
        const r = opts.net.request({
          url: req.url,
          method: req.method,
          session: primary,
          redirect: 'error',
          useSessionCookies: false
        })
        const fail = (err: Error): void => {
          clearTimeout(timer)
          const code = (err as { code?: string }).code ?? codeFromChromium(err.message)
          reject(netError(`${req.url}: ${err.message}`, code, err))
        }
        const timer = setTimeout(() => {
          r.abort()
          fail(netError(`no answer within ${timeoutMs} ms`, 'ETIMEDOUT'))
        }, timeoutMs)
        for (const [k, v] of Object.entries(req.headers ?? {})) r.setHeader(k, v)
        r.on('login', (authInfo, callback) => void login(authInfo, callback))
        r.on('error', fail)
        r.on('response', (res) => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (c) => {
            size += c.length
            if (size > maxBytes) {
              r.abort()
              fail(netError(`answer larger than ${maxBytes} bytes`, 'ERR_RESPONSE_TOO_LARGE'))
            } else chunks.push(c)
          })
          res.on('error', fail)
          res.on('end', () => {
            clearTimeout(timer)
            const headers: Record<string, string> = {}
            for (const [k, v] of Object.entries(res.headers))
              headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
            resolve({ status: res.statusCode, headers, body: Buffer.concat(chunks) })
          })
        })
        if (req.body) r.write(req.body)
        r.end()
      })
    }
  }
}
