import type { Transport } from '../net'

// "Can we reach it?" over the app's own network stack (src/main/net: the same proxy, bypass list
// and CA list the platform API and the OCSP/CRL requests use). Any HTTP answer counts as
// reachable; a TLS verification error is reported as such, since it usually means a
// TLS-inspecting proxy whose CA belongs in extraCaCertificates.

export interface ProbeResult {
  reachable: boolean
  status?: number
  error?: string
  code?: string
  /** The proxy the request went through ("host:port"), absent for a direct connection. */
  viaProxy?: string
}

/** GET `url` through `transport` (8 s limit unless given); never throws. */
export async function probeUrl(
  url: string,
  transport: Transport,
  opts: { timeoutMs?: number } = {}
): Promise<ProbeResult> {
  let via: { viaProxy?: string } = {}
  try {
    const route = await transport.route(url)
    const proxy = /^(?:PROXY|HTTPS)\s+([^;\s]+)/i.exec(route)?.[1]
    if (proxy) via = { viaProxy: proxy }
    const res = await transport.request({
      url,
      method: 'GET',
      timeoutMs: opts.timeoutMs ?? 8000,
      maxBytes: 1024 * 1024
    })
    return { reachable: true, status: res.status, ...via }
  } catch (err) {
    const e = err as { message?: string; code?: string }
    return { reachable: false, error: e.message ?? String(err), ...(e.code ? { code: e.code } : {}), ...via }
  }
}
