import type { Settings } from '../policy'

// One network stack for everything the main process sends (platform API, OCSP/CRL, doctor's
// probes): a Transport. Under Electron it is Chromium's network service (PAC/WPAD, system proxy,
// NTLM/Negotiate); under plain Node (web host, CLI, tests) Node's http(s) with the proxy from the
// policy or the environment. Both apply the same rule for which proxy and which CAs.

/** One HTTP exchange. `body` is sent as is; `maxBytes` caps the answer (default 20 MiB). */
export interface NetRequest {
  url: string
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'HEAD'
  headers?: Record<string, string>
  body?: Buffer
  /** Whole-exchange time limit in milliseconds (default 8000). */
  timeoutMs?: number
  maxBytes?: number
}

/** Any HTTP answer (also 4xx/5xx); headers lower-cased. */
export interface NetResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
}

/** A transport error keeps Node's/Chromium's code (ECONNREFUSED, ENOTFOUND, net::ERR_PROXY_…). */
export type NetError = Error & { code?: string }

export interface Transport {
  readonly kind: 'node' | 'electron'
  /** Sends one request; rejects with a NetError when no HTTP answer arrives. */
  request(req: NetRequest): Promise<NetResponse>
  /** How `url` is reached, for doctor and logs: "DIRECT" or "PROXY host:port" (PAC: as resolved). */
  route(url: string): Promise<string>
}

export const DEFAULT_TIMEOUT_MS = 8000
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024

/**
 * The proxy mode the settings ask for (policy keys `proxy` and `proxyPacUrl`, docs/deployment.md):
 * `direct`; `fixed` (an explicit proxy URL, `proxyBypass` applies); `pac` (the PAC file at `url`,
 * used while `proxy` is "system"); `system` (Electron: the OS settings incl. WPAD; Node: the
 * environment's HTTPS_PROXY / HTTP_PROXY / NO_PROXY).
 */
export type ProxyMode =
  { mode: 'direct' } | { mode: 'system' } | { mode: 'fixed'; url: URL } | { mode: 'pac'; url: string }

export function proxyMode(values: Pick<Settings, 'proxy' | 'proxyPacUrl'>): ProxyMode {
  if (values.proxy === 'direct') return { mode: 'direct' }
  if (values.proxy !== 'system') return { mode: 'fixed', url: new URL(values.proxy) }
  return values.proxyPacUrl ? { mode: 'pac', url: values.proxyPacUrl } : { mode: 'system' }
}

/** A NetError with a code (what the callers' error mapping and doctor's hints look at). */
export function netError(message: string, code: string, cause?: unknown): NetError {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code })
}

/**
 * The OCSP/CRL fetcher the revocation checker takes (RFC 6960 §A.1 POST, RFC 5280 §4.2.1.13 GET):
 * 200 only, answer capped at 20 MiB.
 */
export function revocationFetcher(transport: Transport, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return async (url: string, body: Buffer | null, contentType: string | null): Promise<Buffer> => {
    const res = await transport.request({
      url,
      method: body ? 'POST' : 'GET',
      headers: body ? { 'content-type': contentType ?? 'application/octet-stream' } : {},
      ...(body ? { body } : {}),
      timeoutMs
    })
    if (res.status !== 200) throw netError(`${url}: HTTP ${res.status}`, `HTTP_${res.status}`)
    return res.body
  }
}
