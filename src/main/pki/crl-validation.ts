import type { KeyObject } from 'node:crypto'
import {
  ALL_REASONS,
  checkSignature,
  type DistributionPoint,
  type DistributionPointName,
  type GeneralName,
  type StrictCertificate,
  type StrictCrl
} from './x509-strict'

// RFC 5280 §6.3 CRL processing for one certificate of a path: distribution point scope (IDP / DP /
// reasons), indirect CRLs (cRLIssuer, certificateIssuer entries), delta CRLs, CRL currency and
// signatures. Used by path-validation.ts (verify-cert, the card's startup check, doctor) and by the
// card's revocation checker for downloaded CRLs — one §6.3 implementation.

/** §6.3.3 (f): keys allowed to sign `crl` (each from a certificate validated to the path's anchor). */
export type CrlSignerLookup = (crl: StrictCrl) => { key: KeyObject; cert: StrictCertificate }[]

export type CrlProblem = 'crl-missing' | 'crl-expired' | 'crl-signature' | 'key-usage' | 'unknown-critical-extension'

export type CertStatus =
  | { status: 'unrevoked'; until: Date | null }
  | { status: 'revoked'; detail: string; revokedAt: Date; reason: number | null; until: Date | null }
  /** `inScope`: some CRL of the right issuer and scope was given but could not be used (stale, unverifiable…). */
  | { status: 'undetermined'; problem: CrlProblem; detail: string; inScope: boolean }

export interface CrlCheckOptions {
  crls: StrictCrl[]
  at: Date
  signers: CrlSignerLookup
  /** Use delta CRLs (§6.3.3 (c)); default true. */
  useDeltas?: boolean
}

const REMOVE_FROM_CRL = 8

function generalNameEquals(a: GeneralName, b: GeneralName): boolean {
  if (a.type !== b.type) return false
  if (a.type === 'directory' && b.type === 'directory') return a.name.key === b.name.key
  if (a.type === 'ip' && b.type === 'ip') return a.bytes.equals(b.bytes)
  if (a.type === 'other' && b.type === 'other') return a.raw.equals(b.raw)
  return 'value' in a && 'value' in b && a.value === b.value
}

/** A DistributionPointName as full names; a relative name is appended to `issuerKey` (§4.2.1.13). */
function fullNames(
  name: DistributionPointName,
  issuerKey: string
): { names: GeneralName[]; relativeKey: string | null } {
  if (name.fullName) return { names: name.fullName, relativeKey: null }
  return { names: [], relativeKey: issuerKey ? `${issuerKey},${name.relativeName}` : (name.relativeName ?? '') }
}

function namesMatch(
  a: { names: GeneralName[]; relativeKey: string | null },
  b: { names: GeneralName[]; relativeKey: string | null }
): boolean {
  const keysA = new Set([
    ...a.names.flatMap((n) => (n.type === 'directory' ? [n.name.key] : [])),
    ...(a.relativeKey !== null ? [a.relativeKey] : [])
  ])
  const keysB = [
    ...b.names.flatMap((n) => (n.type === 'directory' ? [n.name.key] : [])),
    ...(b.relativeKey !== null ? [b.relativeKey] : [])
  ]
  if (keysB.some((k) => keysA.has(k))) return true
  return a.names.some((x) => x.type !== 'directory' && b.names.some((y) => generalNameEquals(x, y)))
}

function isCa(cert: StrictCertificate): boolean {
  return cert.basicConstraints?.ca === true
}

/** §6.3.3 (b): is `crl` the right issuer and scope for `cert` through distribution point `dp`? */
function inScope(crl: StrictCrl, cert: StrictCertificate, dp: DistributionPoint): boolean {
  const dpIssuers = (dp.crlIssuer ?? []).flatMap((g) => (g.type === 'directory' ? [g.name.key] : []))
  if (dp.crlIssuer) {
    if (!crl.idp?.indirect || !dpIssuers.includes(crl.issuer.key)) return false
  } else if (crl.issuer.key !== cert.issuer.key) return false
  const idp = crl.idp
  if (!idp) return true
  if (idp.name) {
    const idpNames = fullNames(idp.name, crl.issuer.key)
    if (dp.name) {
      if (!namesMatch(idpNames, fullNames(dp.name, dp.crlIssuer ? (dpIssuers[0] ?? '') : cert.issuer.key))) return false
    } else if (!idpNames.names.some((n) => n.type === 'directory' && dpIssuers.includes(n.name.key))) return false
  }
  if (idp.onlyUser && isCa(cert)) return false
  if (idp.onlyCa && !isCa(cert)) return false
  if (idp.onlyAttribute) return false
  return true
}

function current(crl: StrictCrl, at: Date): boolean {
  return at >= crl.thisUpdate && (!crl.nextUpdate || at <= crl.nextUpdate)
}

function usable(crl: StrictCrl): string | null {
  if (crl.unknownCriticalExtension)
    return `CRL of ${crl.issuer.text} has unknown critical extension ${crl.unknownCriticalExtension}`
  const entry = crl.entries.find((e) => e.unknownCriticalExtension)
  if (entry)
    return `CRL of ${crl.issuer.text} has an entry with unknown critical extension ${entry.unknownCriticalExtension}`
  return null
}

function entryFor(crl: StrictCrl, cert: StrictCertificate): StrictCrl['entries'][number] | undefined {
  return crl.entries.find((e) => e.serialHex === cert.serialHex && e.issuerKey === cert.issuer.key)
}

/**
 * RFC 5280 §6.3.3 for `cert`: walks its distribution points (then an implied one naming its
 * issuer) over the given CRLs. `undetermined` carries the most telling problem met on the way
 * (a stale CRL → crl-expired; an unverifiable one → crl-signature; none → crl-missing).
 */
export function crlStatus(cert: StrictCertificate, opts: CrlCheckOptions): CertStatus {
  const implied: DistributionPoint = {
    name: { fullName: [{ type: 'directory', name: cert.issuer }], relativeName: null },
    reasons: null,
    crlIssuer: null
  }
  const dps = [...(cert.distributionPoints ?? []), implied]
  let reasonsMask = 0
  let until: Date | null = null
  let problem: { code: CrlProblem; detail: string } | null = null
  let seen = false
  const note = (code: CrlProblem, detail: string): void => {
    const rank: Record<CrlProblem, number> = {
      'crl-missing': 0,
      'crl-expired': 1,
      'crl-signature': 2,
      'unknown-critical-extension': 3,
      'key-usage': 4
    }
    if (!problem || rank[code] > rank[problem.code]) problem = { code, detail }
  }
  const completes = opts.crls.filter((c) => c.deltaBase === null)
  const deltas = opts.useDeltas === false ? [] : opts.crls.filter((c) => c.deltaBase !== null)
  for (const dp of dps) {
    for (const crl of completes) {
      if (reasonsMask === ALL_REASONS) break
      if (!inScope(crl, cert, dp)) continue
      seen = true
      if (!current(crl, opts.at)) {
        note(
          'crl-expired',
          `CRL of ${crl.issuer.text} is not current (next update ${crl.nextUpdate?.toISOString() ?? 'none'})`
        )
        continue
      }
      const interim = (crl.idp?.onlySomeReasons ?? ALL_REASONS) & (dp.reasons ?? ALL_REASONS) & ALL_REASONS
      if ((interim & ~reasonsMask) === 0) continue
      const bad = usable(crl)
      if (bad) {
        note('unknown-critical-extension', bad)
        continue
      }
      const signers = opts.signers(crl)
      const signer = signers.find(
        (s) => checkSignature(crl.signatureAlgorithmId, crl.tbs, crl.signature, s.key) === 'ok'
      )
      if (!signer) {
        note(
          'crl-signature',
          signers.length
            ? `CRL of ${crl.issuer.text} does not verify`
            : `no valid signer for the CRL of ${crl.issuer.text}`
        )
        continue
      }
      if (signer.cert.keyUsage && !signer.cert.keyUsage.has('cRLSign')) {
        note('key-usage', `CRL signer ${signer.cert.subject.text} lacks cRLSign key usage`)
        continue
      }
      // §6.3.3 (c), (h): a current delta CRL of the same issuer, scope and key, based on this CRL or an older one.
      const delta = deltas.find(
        (d) =>
          d.issuer.key === crl.issuer.key &&
          (d.idp?.raw.equals(crl.idp?.raw ?? Buffer.alloc(0)) ?? crl.idp === null) &&
          d.aki === crl.aki &&
          current(d, opts.at) &&
          crl.crlNumber !== null &&
          (d.deltaBase as bigint) <= crl.crlNumber &&
          usable(d) === null &&
          checkSignature(d.signatureAlgorithmId, d.tbs, d.signature, signer.key) === 'ok'
      )
      const entry = (delta && entryFor(delta, cert)) ?? entryFor(crl, cert)
      const nextUpdate = delta?.nextUpdate ?? crl.nextUpdate
      if (nextUpdate && (!until || nextUpdate < until)) until = nextUpdate
      if (entry && entry.reason !== REMOVE_FROM_CRL) {
        return {
          status: 'revoked',
          detail: `serial ${cert.serialHex} revoked on ${entry.revokedAt.toISOString()}`,
          revokedAt: entry.revokedAt,
          reason: entry.reason,
          until
        }
      }
      reasonsMask |= interim
    }
    if (reasonsMask === ALL_REASONS) return { status: 'unrevoked', until }
  }
  const p = problem as { code: CrlProblem; detail: string } | null
  if (reasonsMask !== 0)
    return {
      status: 'undetermined',
      problem: 'crl-missing',
      detail: `CRLs of ${cert.issuer.text} do not cover every revocation reason`,
      inScope: true
    }
  return {
    status: 'undetermined',
    problem: p?.code ?? 'crl-missing',
    detail: p?.detail ?? `no CRL covers ${cert.subject.text} (issuer ${cert.issuer.text})`,
    inScope: seen
  }
}
