import type { KeyObject } from 'node:crypto'
import { crlStatus, type CrlProblem } from './crl-validation'
import { children, parseDer, type Tlv } from './der'
import { addNameConstraints, initialNameConstraints, nameConstraintViolation } from './name-constraints'
import { PolicyFailure, PolicyState, type PolicyInputs } from './policy-tree'
import {
  checkSignature,
  NEVER_CRITICAL,
  parseName,
  parseStrictCrl,
  publicKeyOf,
  unknownCriticalExtension,
  type StrictCertificate,
  type StrictCrl
} from './x509-strict'

// THE path validator of the app (see README.md in this folder): RFC 5280 §6.1 basic path
// validation (signatures through node:crypto, validity, name chaining, self-issued certificates,
// certificate policies, name constraints, basicConstraints / pathLenConstraint, key usage, unknown
// critical extensions) with §6.3 CRL checking (crl-validation.ts), over paths built from the leaf
// to a trust anchor. Path building is bounded (candidate count, depth, time), so meshes of
// cross-certified CAs and many issuers sharing one name end with a verdict, never a hang.

export type PathFailure =
  | 'expired'
  | 'not-yet-valid'
  | 'untrusted'
  | 'bad-signature'
  | 'unsupported-algorithm'
  | 'not-ca'
  | 'path-length'
  | 'key-usage'
  | 'revoked'
  | 'crl-expired'
  | 'crl-missing'
  | 'name-chaining'
  | 'name-constraints'
  | 'policy'
  | 'unknown-critical-extension'
  | 'invalid-extension'
  | 'malformed-certificate'

export interface PathResult {
  valid: boolean
  reason?: PathFailure
  detail?: string
  /** Leaf first, anchor last. */
  path: StrictCertificate[]
  /** The authorities-constrained policies ∩ the user's (§6.1.5 (g)); empty when the tree is NULL. */
  policies?: string[]
}

export interface PathInputs {
  leaf: StrictCertificate
  anchors: StrictCertificate[]
  intermediates: StrictCertificate[]
  /** Intermediates that could not be parsed (DER): a path that needs one is `malformed-certificate`. */
  malformed?: Buffer[]
  crls: StrictCrl[]
  at: Date
  /** Check the given CRLs (§6.3) for every certificate below the anchor (default: when any CRL is given). */
  checkRevocation?: boolean
  /**
   * A certificate whose revocation status cannot be determined fails (default false: only when a
   * CRL in its scope was given but could not be used).
   */
  requireRevocation?: boolean
  /** End-entity key usage the caller needs (any one of them); absent keyUsage allows everything. */
  leafKeyUsage?: ('digitalSignature' | 'nonRepudiation')[]
  /** §6.1.1 policy inputs; default: any-policy, nothing required or inhibited. */
  policy?: PolicyInputs
  /** Stop trying further paths after this many milliseconds (default 600: a verdict within a second). */
  budgetMs?: number
}

const MAX_DEPTH = 12
const MAX_PATHS = 64
/** Severity used to pick the most telling failure when several paths fail. */
const RANK: Record<PathFailure, number> = {
  'malformed-certificate': 0,
  untrusted: 1,
  'name-chaining': 2,
  'bad-signature': 3,
  'unsupported-algorithm': 3,
  'not-ca': 4,
  'path-length': 4,
  'key-usage': 4,
  'unknown-critical-extension': 4,
  'invalid-extension': 4,
  'name-constraints': 4,
  policy: 4,
  'crl-missing': 5,
  'crl-expired': 5,
  'not-yet-valid': 6,
  expired: 6,
  revoked: 7
}

class Fail extends Error {
  /** How many certificates (top-down) passed before this failure; set by validatePath. */
  depth = 0
  constructor(
    readonly reason: PathFailure,
    detail: string
  ) {
    super(detail)
  }
}

/** Per-call memo of signature checks (issuer key × certificate): meshes revisit the same pairs. */
type SigCache = Map<StrictCertificate, Map<string, ReturnType<typeof checkSignature>>>

function signatureCheck(
  cache: SigCache,
  cert: StrictCertificate,
  issuer: StrictCertificate,
  key?: KeyObject
): ReturnType<typeof checkSignature> {
  let byIssuer = cache.get(cert)
  if (!byIssuer) cache.set(cert, (byIssuer = new Map()))
  const id = issuer.spki.toString('latin1')
  let result = byIssuer.get(id)
  if (result === undefined) {
    try {
      result = checkSignature(
        cert.signatureAlgorithmId,
        cert.tbs,
        cert.signature,
        key ?? publicKeyOf(issuer.spki, null).key
      )
    } catch {
      result = 'bad' // a key node:crypto cannot load (e.g. DSA without inherited parameters)
    }
    byIssuer.set(id, result)
  }
  return result
}

interface Candidate {
  cert: StrictCertificate
  nameMatch: boolean
}

function candidatesFor(child: StrictCertificate, pool: StrictCertificate[], sigs: SigCache): Candidate[] {
  const out: (Candidate & { score: number })[] = []
  for (const c of pool) {
    const nameMatch = c.subject.key === child.issuer.key
    const keyMatch = child.aki !== null && c.ski !== null && c.ski === child.aki
    // Name chaining decides; a key-id match with another name is kept only to report name-chaining.
    if (!nameMatch && !keyMatch) continue
    const keyIdConflict = child.aki !== null && c.ski !== null && c.ski !== child.aki
    // Prefer issuers whose key signed the child, then whose SKI matches the AKI (GRCA G1/G2 and
    // MOICA generations share names): the right path comes first however many lookalikes exist.
    const signed = nameMatch && !keyIdConflict && signatureCheck(sigs, child, c) === 'ok'
    out.push({ cert: c, nameMatch, score: (signed ? 4 : 0) + (keyMatch ? 2 : 0) + (nameMatch ? 1 : 0) })
  }
  return out.sort((a, b) => b.score - a.score)
}

/** Paths leaf → … → anchor in preference order (depth-, count- and time-limited, no loops). */
function* buildPaths(
  inputs: PathInputs,
  sigs: SigCache,
  deadline: number,
  dangling: Set<string>
): Generator<{ path: StrictCertificate[]; chained: boolean }> {
  let yielded = 0
  function* walk(
    path: StrictCertificate[],
    chained: boolean
  ): Generator<{ path: StrictCertificate[]; chained: boolean }> {
    if (yielded >= MAX_PATHS || path.length > MAX_DEPTH || Date.now() > deadline) return
    const tip = path[path.length - 1] as StrictCertificate
    const anchors = candidatesFor(tip, inputs.anchors, sigs)
    const next = candidatesFor(tip, inputs.intermediates, sigs).filter(
      (c) =>
        !path.some(
          (p) => p.der.equals(c.cert.der) || (p.subject.key === c.cert.subject.key && p.spki.equals(c.cert.spki))
        )
    )
    if (anchors.length === 0 && next.length === 0) dangling.add(tip.issuer.key)
    for (const a of anchors) {
      yielded++
      yield { path: [...path, a.cert], chained: chained && a.nameMatch }
    }
    for (const c of next) yield* walk([...path, c.cert], chained && c.nameMatch)
  }
  yield* walk([inputs.leaf], true)
}

function isSelfIssued(c: StrictCertificate): boolean {
  return c.subject.key === c.issuer.key
}

/** Best-effort subject of a certificate our strict parser refuses (to tell whether a path needed it). */
function looseSubjectKey(der: Buffer): string | null {
  try {
    const [tbs] = children(parseDer(der))
    const fields = children(tbs as Tlv)
    const start = fields[0]?.tag === 0xa0 ? 1 : 0
    return parseName(fields[start + 4] as Tlv).key
  } catch {
    return null
  }
}

interface Ctx {
  inputs: PathInputs
  sigs: SigCache
  recursion: number
  signerCache: Map<StrictCrl, { key: KeyObject; cert: StrictCertificate }[]>
  /** CRL-signer certificates whose own validation is in progress up the stack (a CRL issuer covered by its own CRL). */
  pending: Set<StrictCertificate>
}

/**
 * §6.3.3 (f): keys that may sign `crl`: the key of the certificate's issuer in this path (when
 * the CRL's AKI does not name another), or any other certificate with the CRL issuer's name
 * (a separate CRL key, a rolled-over key, an indirect CRL issuer) that itself validates to the
 * same anchor.
 */
function crlSigners(
  crl: StrictCrl,
  issuer: StrictCertificate,
  issuerKey: KeyObject,
  anchor: StrictCertificate,
  ctx: Ctx
): { key: KeyObject; cert: StrictCertificate }[] {
  const out: { key: KeyObject; cert: StrictCertificate }[] = []
  if (crl.issuer.key === issuer.subject.key && (!crl.aki || !issuer.ski || crl.aki === issuer.ski))
    out.push({ key: issuerKey, cert: issuer })
  if (
    crl.issuer.key === anchor.subject.key &&
    anchor !== issuer &&
    (!crl.aki || !anchor.ski || crl.aki === anchor.ski)
  ) {
    out.push({ key: publicKeyOf(anchor.spki, null).key, cert: anchor })
  }
  // The common case (the issuer's own key signed its CRL) needs no further path.
  if (out.some((s) => checkSignature(crl.signatureAlgorithmId, crl.tbs, crl.signature, s.key) === 'ok')) return out
  let extra = ctx.signerCache.get(crl)
  if (!extra) {
    extra = []
    if (ctx.recursion < 2) {
      for (const c of ctx.inputs.intermediates) {
        if (c.subject.key !== crl.issuer.key || (crl.aki && c.ski && c.ski !== crl.aki)) continue
        // Its validity is being established by the enclosing validation: break the cycle there.
        const valid =
          ctx.pending.has(c) ||
          validate(
            { ...ctx.inputs, leaf: c, anchors: [anchor], leafKeyUsage: undefined, policy: undefined, budgetMs: 300 },
            ctx.recursion + 1,
            new Set([...ctx.pending, c])
          ).valid
        if (valid) extra.push({ key: publicKeyOf(c.spki, null).key, cert: c })
      }
    }
    ctx.signerCache.set(crl, extra)
  }
  return [...out, ...extra]
}

const CRL_FAILURE: Record<CrlProblem, PathFailure> = {
  'crl-missing': 'crl-missing',
  'crl-expired': 'crl-expired',
  'crl-signature': 'crl-missing',
  'key-usage': 'key-usage',
  'unknown-critical-extension': 'crl-missing'
}

/** Validates one candidate path (leaf first, anchor last) per §6.1.2–§6.1.5; throws Fail. */
function validatePath(path: StrictCertificate[], chained: boolean, ctx: Ctx): string[] {
  const { inputs } = ctx
  const anchor = path[path.length - 1] as StrictCertificate
  const certs = path.slice(0, -1).reverse() // top-down, anchor excluded (RFC 5280: the anchor is just name + key)
  const n = certs.length
  let working = publicKeyOf(anchor.spki, null)
  let workingIssuer = anchor
  let maxPathLength = n
  const policy = new PolicyState(n, inputs.policy)
  const names = initialNameConstraints()
  const checkRevocation = (inputs.checkRevocation ?? inputs.crls.length > 0) && ctx.recursion < 3
  if (!chained) throw new Fail('name-chaining', 'issuer and subject names do not chain')
  for (let i = 0; i < n; i++) {
    try {
      step(i)
    } catch (err) {
      const fail =
        err instanceof Fail
          ? err
          : err instanceof PolicyFailure
            ? new Fail('policy', err.message)
            : new Fail('malformed-certificate', (err as Error).message)
      fail.depth = i
      throw fail
    }
  }
  try {
    return policy.wrapUp(certs[n - 1] as StrictCertificate)
  } catch (err) {
    const fail = new Fail('policy', (err as Error).message)
    fail.depth = n
    throw fail
  }

  function step(i: number): void {
    const cert = certs[i] as StrictCertificate
    const last = i === n - 1
    const selfIssued = isSelfIssued(cert)
    // (a)(4) name chaining, (a)(1) signature, (a)(2) validity
    if (cert.issuer.key !== workingIssuer.subject.key)
      throw new Fail('name-chaining', `issuer of ${cert.subject.text} is not ${workingIssuer.subject.text}`)
    if (!cert.tbsSignatureAlgorithmRaw.equals(cert.signatureAlgorithmRaw))
      throw new Fail('bad-signature', 'signature algorithm fields differ')
    const sig = signatureCheck(ctx.sigs, cert, workingIssuer, working.key)
    if (sig === 'unsupported')
      throw new Fail(
        'unsupported-algorithm',
        `signature algorithm ${cert.signatureAlgorithm} of ${cert.subject.text} is not supported`
      )
    if (sig !== 'ok') throw new Fail('bad-signature', `signature of ${cert.subject.text} does not verify`)
    if (inputs.at < cert.notBefore)
      throw new Fail('not-yet-valid', `${cert.subject.text} is valid from ${cert.notBefore.toISOString()}`)
    if (inputs.at > cert.notAfter)
      throw new Fail('expired', `${cert.subject.text} expired on ${cert.notAfter.toISOString()}`)
    const unknown = unknownCriticalExtension(cert)
    if (unknown)
      throw new Fail('unknown-critical-extension', `${cert.subject.text} has unknown critical extension ${unknown}`)
    const mustNot = cert.extensions.find((e) => e.critical && NEVER_CRITICAL.has(e.oid))
    if (mustNot)
      throw new Fail(
        'invalid-extension',
        `${cert.subject.text} marks extension ${mustNot.oid} critical (RFC 5280 §4.2 forbids it)`
      )
    // (b), (c): name constraints apply to every certificate but self-issued intermediates
    if (last || !selfIssued) {
      const violation = nameConstraintViolation(names, cert)
      if (violation) throw new Fail('name-constraints', `${cert.subject.text}: ${violation}`)
    }
    // (d)–(f)
    policy.processCertificate(cert, i + 1)
    if (!last) {
      policy.prepareNext(cert, i + 1)
      addNameConstraints(names, cert)
      // §6.1.4 (k), (l), (m), (n)
      if (cert.version !== 3 || !cert.basicConstraints?.ca)
        throw new Fail('not-ca', `${cert.subject.text} is not a CA (basicConstraints)`)
      if (!selfIssued) {
        if (maxPathLength <= 0) throw new Fail('path-length', `path length exceeded below ${cert.subject.text}`)
        maxPathLength--
      }
      const pl = cert.basicConstraints.pathLen
      if (pl !== null && pl < maxPathLength) maxPathLength = pl
      if (cert.keyUsage && !cert.keyUsage.has('keyCertSign'))
        throw new Fail('key-usage', `${cert.subject.text} lacks keyCertSign`)
    } else {
      // §4.2.1.3: keyCertSign only with cA; the caller's end-entity key usage
      if (cert.keyUsage?.has('keyCertSign') && !cert.basicConstraints?.ca)
        throw new Fail('key-usage', `${cert.subject.text} asserts keyCertSign but is not a CA`)
      if (inputs.leafKeyUsage && cert.keyUsage && !inputs.leafKeyUsage.some((u) => cert.keyUsage?.has(u))) {
        throw new Fail('key-usage', `end entity lacks ${inputs.leafKeyUsage.join(' / ')} key usage`)
      }
    }
    // (a)(3) revocation, last: CRL signer paths are only built for otherwise valid steps
    if (checkRevocation) {
      const issuer = workingIssuer
      const issuerKey = working.key
      const status = crlStatus(cert, {
        crls: inputs.crls,
        at: inputs.at,
        signers: (crl) => crlSigners(crl, issuer, issuerKey, anchor, ctx)
      })
      if (status.status === 'revoked') throw new Fail('revoked', status.detail)
      // Unknown status fails when required, and whenever a CRL for it was given but unusable
      // (stale, unverifiable, unknown critical extension): that is a finding, not an absence.
      if (status.status === 'undetermined' && (inputs.requireRevocation || status.inScope))
        throw new Fail(CRL_FAILURE[status.problem], status.detail)
    }
    working = publicKeyOf(cert.spki, working.dsaParams)
    workingIssuer = cert
  }
}

function validate(inputs: PathInputs, recursion: number, pending: Set<StrictCertificate> = new Set()): PathResult {
  const ctx: Ctx = { inputs, sigs: new Map(), recursion, signerCache: new Map(), pending }
  const deadline = Date.now() + (inputs.budgetMs ?? 600)
  const dangling = new Set<string>()
  // When every path fails, report the one that got furthest (then the most telling reason): a
  // lookalike CA that fails early should not mask why the real path failed.
  let best: { result: PathResult; score: number } | null = null
  for (const { path, chained } of buildPaths(inputs, ctx.sigs, deadline, dangling)) {
    try {
      const policies = validatePath(path, chained, ctx)
      return { valid: true, path, policies }
    } catch (err) {
      const reason: PathFailure = err instanceof Fail ? err.reason : 'malformed-certificate'
      const score = (err instanceof Fail ? err.depth : 0) * 100 + RANK[reason]
      if (!best || score > best.score)
        best = { result: { valid: false, reason, detail: (err as Error).message, path }, score }
    }
  }
  const needed = (inputs.malformed ?? []).find((der) => {
    const subject = looseSubjectKey(der)
    return subject === null || dangling.has(subject)
  })
  if (needed && (!best || best.result.reason === 'untrusted' || best.result.reason === 'name-chaining')) {
    return {
      valid: false,
      reason: 'malformed-certificate',
      detail: 'a CA certificate the path needs cannot be parsed',
      path: [inputs.leaf]
    }
  }
  if (best) return best.result
  if (needed)
    return {
      valid: false,
      reason: 'malformed-certificate',
      detail: 'a CA certificate the path needs cannot be parsed',
      path: [inputs.leaf]
    }
  return {
    valid: false,
    reason: 'untrusted',
    detail: `no path from ${inputs.leaf.issuer.text} to a trust anchor`,
    path: [inputs.leaf]
  }
}

/**
 * RFC 5280 §6 path validation of `inputs.leaf` against `inputs.anchors`: the one verdict the card's
 * startup check, verify-cert, doctor and revocation use. Never throws; a malformed certificate in
 * the way is `malformed-certificate`.
 */
export function validatePathStrict(inputs: PathInputs): PathResult {
  return validate(inputs, 0)
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
