import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { EffectiveSettings } from '../policy/effective'
import { createHttpsAgent } from '../policy/https-agent'
import { networkOptions } from '../policy/network'

// "Can we reach it?" with the app's own network settings (CA list, proxy). Any HTTP answer counts
// as reachable; a TLS verification error is reported as such, since it usually means a
// TLS-inspecting proxy whose CA belongs in extraCaCertificates.

export interface ProbeResult {
  reachable: boolean
  status?: number
  error?: string
  code?: string
  viaProxy?: string
}

export function probeUrl(url: string, settings: EffectiveSettings, opts: { env: NodeJS.ProcessEnv; apiCaFile: string | null; timeoutMs?: number }): Promise<ProbeResult> {
  const target = new URL(url)
  const net = networkOptions(settings, { target, env: opts.env, apiCaFile: opts.apiCaFile })
  const via = net.proxy ? { viaProxy: net.proxy.host } : {}
  return new Promise((resolve) => {
    const onResponse = (res: { statusCode?: number; resume(): void }): void => {
      res.resume()
      resolve({ reachable: true, status: res.statusCode ?? 0, ...via })
    }
    const req =
      target.protocol === 'https:'
        ? httpsRequest(target, { agent: createHttpsAgent(net, { keepAlive: false }), timeout: opts.timeoutMs ?? 8000 }, onResponse)
        : // plain http (OCSP responders): proxied the classic way, with an absolute URI
          net.proxy
          ? httpRequest({ host: net.proxy.hostname, port: Number(net.proxy.port || 80), path: target.href, headers: { host: target.host }, timeout: opts.timeoutMs ?? 8000 }, onResponse)
          : httpRequest(target, { timeout: opts.timeoutMs ?? 8000 }, onResponse)
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })))
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ reachable: false, error: err.message, ...(err.code ? { code: err.code } : {}), ...via }))
    req.end()
  })
}
