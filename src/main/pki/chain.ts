import type { ChainVerdict } from '../../shared/card-status'
import type { ParsedCertificate } from './certificate'
import type { TrustStore } from './trust-store'

// Path building by AKI → SKI (never by DN alone: real GRCA G1/G2 and MOICA G2/G3 share DNs),
// signature, validity, CA constraints and end-entity key usage. Revocation (OCSP/CRL) is layered
// on top by the card-layer issue; here a valid path without a revocation check is "valid".

export interface ChainResult {
  verdict: ChainVerdict
  path: ParsedCertificate[]
  reason?: string
}

function verifies(issuer: ParsedCertificate, child: ParsedCertificate): boolean {
  try {
    return issuer.cert.verify(child.cert)
  } catch {
    return false
  }
}

function issuersOf(child: ParsedCertificate, pool: ParsedCertificate[]): ParsedCertificate[] {
  const byKey = child.aki ? pool.filter((c) => c.ski === child.aki) : []
  const candidates = byKey.length > 0 ? byKey : pool.filter((c) => c.subjectDn === child.issuerDn)
  return candidates.filter((c) => verifies(c, child))
}

function timeVerdict(path: ParsedCertificate[], at: Date): ChainVerdict | null {
  for (const c of path) {
    if (at < c.notBefore) return 'not-yet-valid'
    if (at > c.notAfter) return 'expired'
  }
  return null
}

export function validateChain(leaf: ParsedCertificate, store: TrustStore, at: Date = new Date()): ChainResult {
  if (!leaf.keyUsage?.digitalSignature) return { verdict: 'untrusted', path: [leaf], reason: 'leaf lacks digitalSignature key usage' }
  const path: ParsedCertificate[] = [leaf]
  let current = leaf
  for (let depth = 0; depth < 6; depth++) {
    const anchor = issuersOf(current, store.anchors)[0]
    if (anchor) {
      path.push(anchor)
      const time = timeVerdict(path, at)
      return time ? { verdict: time, path } : { verdict: 'valid', path }
    }
    const next = issuersOf(current, store.intermediates).find((c) => c.isCa && c.keyUsage?.keyCertSign !== false)
    if (!next || path.includes(next)) break
    path.push(next)
    current = next
  }
  return { verdict: 'untrusted', path, reason: 'no path to a trusted anchor' }
}
