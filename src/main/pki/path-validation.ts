import type { KeyObject } from 'node:crypto'
import {
  parseStrictCrl,
  publicKeyOf,
  unknownCriticalExtension,
  verifySignature,
  OID,
  type StrictCertificate,
  type StrictCrl
} from './x509-strict'

// RFC 5280 §6.1 basic path validation (signatures, validity, name chaining, basicConstraints with
// pathLenConstraint, key usage, unknown critical extensions) plus §6.3 CRL checking, over every
// path that can be built from the leaf to a trust anchor. Used by `verify-cert`.

export type PathFailure =
  | 'expired'
  | 'not-yet-valid'
  | 'untrusted'
  | 'bad-signature'
  | 'not-ca'
  | 'path-length'
  | 'key-usage'
  | 'revoked'
  | 'crl-expired'
  | 'crl-missing'
  | 'name-chaining'
  | 'unknown-critical-extension'
  | 'malformed'

export interface PathResult {
  valid: boolean
  reason?: PathFailure
  detail?: string
  /** Leaf first, anchor last. */
  path: StrictCertificate[]
}

export interface PathInputs {
  leaf: StrictCertificate
  anchors: StrictCertificate[]
  intermediates: StrictCertificate[]
  crls: StrictCrl[]
  at: Date
  /** Require a current CRL for every certificate below the anchor (default: when any CRL is given). */
  checkRevocation?: boolean
  /** End-entity key usage the caller needs (any one of them); absent keyUsage allows everything. */
  leafKeyUsage?: ('digitalSignature' | 'nonRepudiation')[]
}

const MAX_DEPTH = 10
/** Severity used to pick the most telling failure when several paths fail. */
const RANK: Record<PathFailure, number> = {
  malformed: 0, untrusted: 1, 'name-chaining': 2, 'bad-signature': 3, 'not-ca': 4, 'path-length': 4, 'key-usage': 4,
  'unknown-critical-extension': 4, 'crl-missing': 5, 'crl-expired': 5, 'not-yet-valid': 6, expired: 6, revoked: 7
}

class Fail extends Error {
  /** How many certificates (top-down) passed before this failure; set by validatePath. */
  depth = 0
  constructor(readonly reason: PathFailure, detail: string) {
    super(detail)
  }
}

function candidatesFor(child: StrictCertificate, pool: StrictCertificate[]): { cert: StrictCertificate; nameMatch: boolean }[] {
  const out: { cert: StrictCertificate; nameMatch: boolean }[] = []
  for (const c of pool) {
    const nameMatch = c.subject.key === child.issuer.key
    const keyMatch = child.aki !== null && c.ski !== null && c.ski === child.aki
    // Name chaining decides; a key-id match with another name is kept only to report name-chaining.
    if (nameMatch || keyMatch) out.push({ cert: c, nameMatch })
  }
  // Prefer issuers whose SKI matches the AKI (real GRCA/MOICA generations share names).
  return out.sort((a, b) => Number(b.cert.ski === child.aki) - Number(a.cert.ski === child.aki))
}

/** Every chain leaf → … → anchor that name or key-id matching allows (depth-limited, no loops). */
function buildPaths(inputs: PathInputs): { path: StrictCertificate[]; chained: boolean }[] {
  const out: { path: StrictCertificate[]; chained: boolean }[] = []
  const walk = (path: StrictCertificate[], chained: boolean): void => {
    if (out.length > 64 || path.length > MAX_DEPTH) return
    const tip = path[path.length - 1] as StrictCertificate
    for (const a of candidatesFor(tip, inputs.anchors)) out.push({ path: [...path, a.cert], chained: chained && a.nameMatch })
    for (const c of candidatesFor(tip, inputs.intermediates)) {
      if (path.some((p) => p.der.equals(c.cert.der))) continue
      walk([...path, c.cert], chained && c.nameMatch)
    }
  }
  walk([inputs.leaf], true)
  return out
}

function isSelfIssued(c: StrictCertificate): boolean {
  return c.subject.key === c.issuer.key
}

/**
 * Keys that may sign `crl` for `issuer`: the issuer's own key (when the CRL's AKI does not name
 * another), or a separate CRL-signing certificate of the same CA name whose SKI the CRL's AKI
 * names, which must itself validate to the same anchors (RFC 5280 §6.3.3 (f)).
 */
function crlSigners(crl: StrictCrl, issuer: StrictCertificate, issuerKey: KeyObject, inputs: PathInputs, depth: number): { key: KeyObject; cert: StrictCertificate }[] {
  const out: { key: KeyObject; cert: StrictCertificate }[] = []
  if (!crl.aki || !issuer.ski || crl.aki === issuer.ski) out.push({ key: issuerKey, cert: issuer })
  if (depth >= 2) return out
  for (const c of inputs.intermediates) {
    if (c.der.equals(issuer.der) || c.subject.key !== crl.issuer.key || (crl.aki && c.ski !== crl.aki)) continue
    const sub = validatePathStrict({ ...inputs, leaf: c, leafKeyUsage: undefined }, depth + 1)
    if (sub.valid) out.push({ key: publicKeyOf(c.spki, null).key, cert: c })
  }
  return out
}

/**
 * §6.3 against the CRLs given. The end entity must be covered by a CRL of its issuer; a CA
 * certificate is checked whenever a CRL of its issuer was given (an anchor's CRL is often not
 * at hand, and the card's CA is the one that matters day to day).
 */
function checkCrl(cert: StrictCertificate, issuer: StrictCertificate, issuerKey: KeyObject, inputs: PathInputs, isLeaf: boolean, depth: number): void {
  const at = inputs.at
  const fromIssuer = inputs.crls.filter((c) => c.issuer.key === cert.issuer.key)
  if (fromIssuer.length === 0) {
    if (isLeaf) throw new Fail('crl-missing', `no CRL from ${cert.issuer.text}`)
    return
  }
  let stale: StrictCrl | null = null
  let usable: StrictCrl | null = null
  const problems: string[] = []
  for (const crl of fromIssuer) {
    if (crl.extensions.some((e) => e.oid === OID.deltaCrlIndicator)) continue // a delta is not a complete CRL
    if (crl.unknownCriticalExtension) {
      problems.push(`CRL has unknown critical extension ${crl.unknownCriticalExtension}`)
      continue
    }
    const signers = crlSigners(crl, issuer, issuerKey, inputs, depth)
    const verified = signers.find((s) => verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, s.key))
    if (!verified) {
      problems.push(signers.length ? 'CRL signature does not verify' : 'no valid CRL signer')
      continue
    }
    if (verified.cert.keyUsage && !verified.cert.keyUsage.has('cRLSign')) {
      problems.push('CRL issuer lacks cRLSign key usage')
      continue
    }
    if (at < crl.thisUpdate || (crl.nextUpdate && at > crl.nextUpdate)) {
      stale = crl
      continue
    }
    usable = crl
    break
  }
  if (!usable) {
    if (stale) throw new Fail('crl-expired', `CRL of ${cert.issuer.text} is not current (next update ${stale.nextUpdate?.toISOString() ?? 'none'})`)
    throw new Fail(problems.some((p) => p.includes('cRLSign')) ? 'key-usage' : 'crl-missing', problems.join('; ') || `no usable CRL from ${cert.issuer.text}`)
  }
  const entry = usable.entries.find((e) => e.serialHex === cert.serialHex)
  if (usable.entries.some((e) => e.unknownCriticalExtension)) throw new Fail('crl-missing', 'CRL entry has an unknown critical extension')
  // reason 8 = removeFromCRL (only meaningful in deltas): not revoked
  if (entry && entry.reason !== 8) throw new Fail('revoked', `serial ${cert.serialHex} revoked on ${entry.revokedAt.toISOString()}`)
}

/** Validates one candidate path (leaf first, anchor last); throws Fail. */
function validatePath(path: StrictCertificate[], inputs: PathInputs, chained: boolean, depth: number): void {
  const anchor = path[path.length - 1] as StrictCertificate
  const certs = path.slice(0, -1).reverse() // top-down, anchor excluded (RFC 5280: the anchor is just name + key)
  const n = certs.length
  let working = publicKeyOf(anchor.spki, null)
  let workingIssuer = anchor
  let maxPathLength = n
  const checkRevocation = inputs.checkRevocation ?? inputs.crls.length > 0
  if (!chained) throw new Fail('name-chaining', 'issuer and subject names do not chain')
  for (let i = 0; i < n; i++) {
    try {
      step(i)
    } catch (err) {
      if (err instanceof Fail) err.depth = i
      throw err
    }
  }
  function step(i: number): void {
    const cert = certs[i] as StrictCertificate
    const last = i === n - 1
    if (cert.issuer.key !== workingIssuer.subject.key) throw new Fail('name-chaining', `issuer of ${cert.subject.text} is not ${workingIssuer.subject.text}`)
    if (!cert.tbsSignatureAlgorithmRaw.equals(cert.signatureAlgorithmRaw)) throw new Fail('bad-signature', 'signature algorithm fields differ')
    if (!verifySignature(cert.signatureAlgorithm, cert.tbs, cert.signature, working.key)) throw new Fail('bad-signature', `signature of ${cert.subject.text} does not verify`)
    if (inputs.at < cert.notBefore) throw new Fail('not-yet-valid', `${cert.subject.text} is valid from ${cert.notBefore.toISOString()}`)
    if (inputs.at > cert.notAfter) throw new Fail('expired', `${cert.subject.text} expired on ${cert.notAfter.toISOString()}`)
    const unknown = unknownCriticalExtension(cert)
    if (unknown) throw new Fail('unknown-critical-extension', `${cert.subject.text} has unknown critical extension ${unknown}`)
    if (checkRevocation) checkCrl(cert, workingIssuer, working.key, inputs, last, depth)
    if (!last) {
      // §6.1.4 (k), (l), (m), (n)
      if (cert.version !== 3 || !cert.basicConstraints?.ca) throw new Fail('not-ca', `${cert.subject.text} is not a CA (basicConstraints)`)
      if (!isSelfIssued(cert)) {
        if (maxPathLength <= 0) throw new Fail('path-length', `path length exceeded below ${cert.subject.text}`)
        maxPathLength--
      }
      const pl = cert.basicConstraints.pathLen
      if (pl !== null && pl < maxPathLength) maxPathLength = pl
      if (cert.keyUsage && !cert.keyUsage.has('keyCertSign')) throw new Fail('key-usage', `${cert.subject.text} lacks keyCertSign`)
    } else if (inputs.leafKeyUsage && cert.keyUsage && !inputs.leafKeyUsage.some((u) => cert.keyUsage?.has(u))) {
      throw new Fail('key-usage', `end entity lacks ${inputs.leafKeyUsage.join(' / ')} key usage`)
    }
    working = publicKeyOf(cert.spki, working.dsaParams)
    workingIssuer = cert
  }
}

export function validatePathStrict(inputs: PathInputs, depth = 0): PathResult {
  const paths = buildPaths(inputs)
  if (paths.length === 0) return { valid: false, reason: 'untrusted', detail: `no path from ${inputs.leaf.issuer.text} to a trust anchor`, path: [inputs.leaf] }
  // When every path fails, report the one that got furthest (then the most telling reason): a
  // lookalike CA that fails early should not mask why the real path failed.
  let best: { result: PathResult; score: number } | null = null
  for (const { path, chained } of paths) {
    try {
      validatePath(path, inputs, chained, depth)
      return { valid: true, path }
    } catch (err) {
      const reason: PathFailure = err instanceof Fail ? err.reason : 'malformed'
      const score = (err instanceof Fail ? err.depth : 0) * 100 + RANK[reason]
      if (!best || score > best.score) best = { result: { valid: false, reason, detail: (err as Error).message, path }, score }
    }
  }
  return (best as { result: PathResult }).result
}

/** Parses CRL files leniently: one that does not parse is reported, not fatal. */
export function parseCrls(ders: Buffer[]): { crls: StrictCrl[]; errors: string[] } {
  const crls: StrictCrl[] = []
  const errors: string[] = []
  for (const der of ders) {
    try {
      crls.push(parseStrictCrl(der))
    } catch (err) {
      errors.push((err as Error).message)
    }
  }
  return { crls, errors }
}
