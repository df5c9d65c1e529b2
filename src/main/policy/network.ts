import { readFileSync } from 'node:fs'
import * as tls from 'node:tls'
import { AppError } from '../../shared/errors'
import type { EffectiveSettings } from './effective'

// What an HTTPS client needs from the effective settings: the CA list (system CAs + policy/user
// extra CAs + the dev API CA) and the proxy for a given destination. There is deliberately no
// option to turn TLS verification off; a TLS-inspecting proxy is handled by trusting its CA.

export interface NetworkOptions {
  /** PEM certificates to pass as `ca` (replaces Node's default list, so it includes the system CAs). */
  ca: string[]
  /** Proxy to tunnel through (HTTP CONNECT), or null for a direct connection. */
  proxy: URL | null
}

/** Node's bundled Mozilla roots plus the OS store (`tls.getCACertificates`, Node 24 / Electron 45). */
export function systemCaCertificates(): string[] {
  const fromRuntime = (type: 'default' | 'system'): string[] => {
    try {
      return tls.getCACertificates(type)
    } catch {
      return [] // an unreadable OS store must not break the bundled roots
    }
  }
  return [...new Set([...fromRuntime('default'), ...fromRuntime('system')])]
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] || env[name.toLowerCase()] || undefined
}

/** NO_PROXY matching: "*", exact host, ".suffix" / "*.suffix" / "suffix" (as curl), optional :port. */
export function bypassesProxy(target: URL, list: string[]): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const port = target.port || (target.protocol === 'https:' ? '443' : '80')
  return list.some((raw) => {
    let entry = raw.trim().toLowerCase()
    if (!entry) return false
    if (entry === '*') return true
    let entryPort: string | null = null
    const m = /^(.*?):(\d+)$/.exec(entry)
    if (m && !entry.includes('::')) {
      entry = m[1] ?? entry
      entryPort = m[2] ?? null
    }
    if (entryPort && entryPort !== port) return false
    entry = entry.replace(/^\*?\./, '').replace(/^\[|\]$/g, '')
    return host === entry || host.endsWith(`.${entry}`)
  })
}

export function proxyFor(
  target: URL,
  settings: Pick<EffectiveSettings['values'], 'proxy' | 'proxyBypass'>,
  env: NodeJS.ProcessEnv
): URL | null {
  if (settings.proxy === 'direct') return null
  if (settings.proxy !== 'system') return bypassesProxy(target, settings.proxyBypass) ? null : new URL(settings.proxy)
  const fromEnv =
    target.protocol === 'https:'
      ? (envValue(env, 'HTTPS_PROXY') ?? envValue(env, 'ALL_PROXY'))
      : (envValue(env, 'HTTP_PROXY') ?? envValue(env, 'ALL_PROXY'))
  if (!fromEnv) return null
  const noProxy = (envValue(env, 'NO_PROXY') ?? '').split(',').concat(settings.proxyBypass)
  if (bypassesProxy(target, noProxy)) return null
  const spelled = fromEnv.includes('://') ? fromEnv : `http://${fromEnv}` // "proxy:3128" is common in the wild
  const url = URL.canParse(spelled) ? new URL(spelled) : null
  return url && (url.protocol === 'http:' || url.protocol === 'https:') ? url : null
}

function readPem(path: string): string[] {
  const text = readFileSync(path, 'utf8')
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
}

/**
 * Network options for requests to `target`. Throws POLICY_INVALID while the machine policy is
 * invalid: the app stays off the network until the administrator fixes the file.
 */
export function networkOptions(
  settings: EffectiveSettings,
  opts: {
    target: string | URL
    env?: NodeJS.ProcessEnv
    apiCaFile?: string | null
    systemCas?: () => string[]
    /** The CA list, when the caller keeps one (caList) instead of reading the stores per request. */
    ca?: string[]
  }
): NetworkOptions {
  if (settings.networkBlocked) throw new AppError('POLICY_INVALID', settings.networkBlocked.detail)
  const target = typeof opts.target === 'string' ? new URL(opts.target) : opts.target
  const ca = opts.ca ?? caList(settings, opts.apiCaFile ?? null, opts.systemCas)
  return { ca, proxy: proxyFor(target, settings.values, opts.env ?? process.env) }
}

/**
 * The CAs trusted for the platform and the responders (PEM strings, distinct): the runtime's and
 * the OS's roots, the policy's caPems, and `apiCaFile` (read now). Reading them costs milliseconds
 * (~150 certificates): callers that send many requests keep the list for a while.
 */
export function caList(
  settings: EffectiveSettings,
  apiCaFile: string | null,
  systemCas: () => string[] = systemCaCertificates
): string[] {
  return [...new Set([...systemCas(), ...settings.caPems, ...(apiCaFile ? readPem(apiCaFile) : [])])]
}
