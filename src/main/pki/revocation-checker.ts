import { readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { ParsedCertificate } from './certificate'
import { buildOcspRequest, parseOcspResponse } from './ocsp'
import type { RevocationChecker, RevocationMode, RevocationResult } from './revocation'
import { crlStatus } from './crl-validation'
import {
  parseStrictCertificate,
  parseStrictCrl,
  publicKeyOf,
  readDerObjects,
  type StrictCertificate,
  type StrictCrl
} from './x509-strict'

// Revocation of the card's certificate: OCSP first (MOICA G3: http://ocsp.grca.nat.gov.tw/OCSP),
// then the issuer's CRL (configured files, else downloaded from the certificate's CRL
// distribution point). Answers are cached until the responder's/CRL's nextUpdate. The setting
// decides what "could not find out" means: off (never asked), soft-fail (ready, reason noted),
// hard-fail (revocation-unknown, not ready).

export interface RevocationOptions {
  mode: RevocationMode
  /** Replaces the certificate's AIA OCSP URL (tests: the test PKI's AIA is a placeholder). */
  ocspUrl?: string | null
  /** CRL files (PEM or DER) used before any download. */
  crlFiles?: string[]
  /** Download the CRL from the certificate's CRL distribution point when no file covers it. */
  crlDownload?: boolean
  /** Extra CA (PEM) trusted for https OCSP/CRL URLs (server-mock's dev CA). */
  tlsCa?: string | null
  timeoutMs?: number
  /** Injected transport (tests); default: node http(s). */
  fetch?: (url: string, body: Buffer | null, contentType: string | null) => Promise<Buffer>
  /** How long a verdict without nextUpdate is cached. */
  defaultTtlMs?: number
}

interface Cached {
  result: RevocationResult
  until: number
}

/** GET (body null) or POST over node http(s), 200 only, size-capped. */
export function httpFetch(tlsCa: string | null, timeoutMs: number) {
  return (url: string, body: Buffer | null, contentType: string | null): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const u = new URL(url)
      const send = u.protocol === 'https:' ? httpsRequest : u.protocol === 'http:' ? httpRequest : null
      if (!send) return reject(new Error(`unsupported URL ${url}`))
      const headers: Record<string, string> = body
        ? { 'content-type': contentType ?? 'application/octet-stream', 'content-length': String(body.length) }
        : {}
      const req = send(
        u,
        {
          method: body ? 'POST' : 'GET',
          headers,
          timeout: timeoutMs,
          ...(tlsCa && u.protocol === 'https:' ? { ca: tlsCa } : {})
        },
        (res) => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (c: Buffer) => {
            size += c.length
            if (size > 20 * 1024 * 1024) req.destroy(new Error('response too large'))
            else chunks.push(c)
          })
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(Buffer.concat(chunks))
              : reject(new Error(`${url}: HTTP ${res.statusCode}`))
          )
          res.on('error', reject)
        }
      )
      req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)))
      req.on('error', reject)
      req.end(body ?? undefined)
    })
}

export class OcspCrlChecker implements RevocationChecker {
  private readonly cache = new Map<string, Cached>()
  private readonly crlCache = new Map<string, StrictCrl>()
  private readonly fetch: NonNullable<RevocationOptions['fetch']>

  constructor(private readonly opts: RevocationOptions) {
    this.fetch = opts.fetch ?? httpFetch(opts.tlsCa ?? null, opts.timeoutMs ?? 8000)
  }

  async check(path: ParsedCertificate[], at: Date): Promise<RevocationResult> {
    if (this.opts.mode === 'off') return { verdict: 'valid', source: 'none' }
    const [leafP, issuerP] = path
    if (!leafP || !issuerP) return this.unknown('no issuer in the path')
    const leaf = parseStrictCertificate(leafP.der)
    const issuer = parseStrictCertificate(issuerP.der)
    const key = `${issuer.ski ?? issuer.subject.key}/${leaf.serialHex}`
    const hit = this.cache.get(key)
    if (hit && hit.until > at.getTime()) return { ...hit.result, source: 'cache' }

    const problems: string[] = []
    const answer = (await this.viaOcsp(leaf, issuer, at, problems)) ?? (await this.viaCrl(leaf, issuer, at, problems))
    if (!answer) return this.unknown(problems.join('; '))
    this.cache.set(key, {
      result: answer.result,
      until: answer.until ?? at.getTime() + (this.opts.defaultTtlMs ?? 3_600_000)
    })
    return answer.result
  }

  private unknown(reason: string): RevocationResult {
    const why = `revocation status unknown: ${reason || 'no OCSP responder or CRL available'}`
    return this.opts.mode === 'hard-fail'
      ? { verdict: 'revocation-unknown', reason: why, source: 'none' }
      : { verdict: 'valid', reason: why, source: 'none' }
  }

  private async viaOcsp(
    leaf: StrictCertificate,
    issuer: StrictCertificate,
    at: Date,
    problems: string[]
  ): Promise<{ result: RevocationResult; until: number | null } | null> {
    const url = this.opts.ocspUrl ?? leaf.ocspUrls[0]
    if (!url) return null
    try {
      const req = buildOcspRequest(leaf, issuer)
      const res = parseOcspResponse(await this.fetch(url, req.der, 'application/ocsp-request'), req, issuer, at)
      if (res.status === 'unknown') {
        problems.push('OCSP responder does not know the certificate')
        return null
      }
      const until = res.nextUpdate?.getTime() ?? null
      if (res.status === 'revoked')
        return {
          result: { verdict: 'revoked', reason: `revoked on ${res.revokedAt.toISOString()} (OCSP)`, source: 'ocsp' },
          until
        }
      return { result: { verdict: 'valid', source: 'ocsp' }, until }
    } catch (err) {
      problems.push(`OCSP ${url}: ${(err as Error).message}`)
      return null
    }
  }

  private async crlsFor(leaf: StrictCertificate, problems: string[]): Promise<StrictCrl[]> {
    const out: StrictCrl[] = []
    for (const file of this.opts.crlFiles ?? []) {
      try {
        for (const der of readDerObjects(readFileSync(file))) out.push(parseStrictCrl(der))
      } catch (err) {
        problems.push(`CRL file ${file}: ${(err as Error).message}`)
      }
    }
    if (this.opts.crlDownload) {
      for (const url of leaf.crlUrls) {
        try {
          let crl = this.crlCache.get(url)
          if (!crl || (crl.nextUpdate && crl.nextUpdate.getTime() < Date.now())) {
            crl = parseStrictCrl(readDerObjects(await this.fetch(url, null, null))[0] as Buffer)
            this.crlCache.set(url, crl)
          }
          out.push(crl)
        } catch (err) {
          problems.push(`CRL ${url}: ${(err as Error).message}`)
        }
      }
    }
    return out
  }

  private async viaCrl(
    leaf: StrictCertificate,
    issuer: StrictCertificate,
    at: Date,
    problems: string[]
  ): Promise<{ result: RevocationResult; until: number | null } | null> {
    const crls = await this.crlsFor(leaf, problems)
    if (crls.length === 0) return null
    // RFC 5280 §6.3 through the validator's own CRL code (scope, delta, currency, signature); the
    // CRL must be signed by the card's issuing CA key (a separate CRL signer would need its own path).
    const issuerKey = publicKeyOf(issuer.spki, null).key
    const status = crlStatus(leaf, {
      crls,
      at,
      signers: (crl) =>
        crl.issuer.key === issuer.subject.key && (!crl.aki || !issuer.ski || crl.aki === issuer.ski)
          ? [{ key: issuerKey, cert: issuer }]
          : []
    })
    if (status.status === 'undetermined') {
      problems.push(`CRL: ${status.detail}`)
      return null
    }
    const until = status.until?.getTime() ?? null
    if (status.status === 'revoked')
      return {
        result: { verdict: 'revoked', reason: `revoked on ${status.revokedAt.toISOString()} (CRL)`, source: 'crl' },
        until
      }
    return { result: { verdict: 'valid', source: 'crl' }, until }
  }
}
