import type { ChainVerdict } from '../../shared/card-status'
import { parseCertificate, type ParsedCertificate } from './certificate'
import { validatePathStrict, type PathFailure, type PathResult } from './path-validation'
import { strictTrust, type TrustStore } from './trust-store'
import { checkSignature, parseStrictCertificate, publicKeyOf, type StrictCertificate } from './x509-strict'

// The card's startup check: the card's signing certificate through THE validator
// (path-validation.ts, RFC 5280 §6, the same as verify-cert and doctor) against the bundled
// anchors, then the citizen rule: only a certificate issued by a bundled MOICA CA (matched by
// AKI/SKI and signature) under a bundled GRCA root is a citizen certificate. Revocation (OCSP /
// CRL, revocation-checker.ts) is layered on top by card-service.

export interface ChainResult {
  verdict: ChainVerdict
  /** Leaf first, anchor last (display/revocation model). */
  path: ParsedCertificate[]
  /** Why not valid, in words (reason code first). */
  reason?: string
  /** The validator's reason code, when invalid. */
  failure?: PathFailure
  /** Issued by a CA that is not a bundled MOICA CA (business, government, health … CAs): not a citizen certificate. */
  notCitizen?: { issuer: string }
}

export interface ChainOptions {
  /** Certificate policy OIDs the path must assert (policy `requiredCertificatePolicies`); empty = any. */
  requiredPolicies?: string[]
}

const VERDICT: Partial<Record<PathFailure, ChainVerdict>> = {
  expired: 'expired',
  'not-yet-valid': 'not-yet-valid',
  revoked: 'revoked',
  'crl-missing': 'revocation-unknown',
  'crl-expired': 'revocation-unknown'
}

/** The bundled MOICA CA that issued `leaf` (same name, AKI = SKI, its key verifies the signature), or null. */
export function citizenIssuer(leaf: StrictCertificate, store: TrustStore): StrictCertificate | null {
  return (
    strictTrust(store).citizenCas.find(
      (ca) =>
        ca.subject.key === leaf.issuer.key &&
        (leaf.aki === null || ca.ski === null || leaf.aki === ca.ski) &&
        checkSignature(leaf.signatureAlgorithmId, leaf.tbs, leaf.signature, publicKeyOf(ca.spki, null).key) === 'ok'
    ) ?? null
  )
}

/** Strict §6 validation of `leaf` against the store, as verify-cert would run it (no CRLs: revocation is separate). */
export function validateStrictAgainstStore(
  leaf: StrictCertificate,
  store: TrustStore,
  at: Date,
  opts: ChainOptions = {}
): PathResult {
  const required = opts.requiredPolicies ?? []
  const { strict } = strictTrust(store)
  return validatePathStrict({
    leaf,
    anchors: strict.anchors,
    intermediates: strict.intermediates,
    crls: [],
    at,
    checkRevocation: false,
    leafKeyUsage: ['digitalSignature', 'nonRepudiation'],
    policy: required.length ? { initialPolicySet: required, initialExplicitPolicy: true } : undefined
  })
}

/** Display name of a certificate's issuer: CN, else the last OU, else the whole DN. */
function issuerName(leaf: StrictCertificate): string {
  const text = leaf.issuer.text
  return text.match(/(?:^|, )CN=([^,]+)/)?.[1] ?? [...text.matchAll(/(?:^|, )OU=([^,]+)/g)].pop()?.[1] ?? text
}

/**
 * The card's chain verdict for its signing certificate (node-forge model in, for display fields).
 * Never throws: a certificate the strict parser refuses is `untrusted` with reason malformed-certificate.
 */
export function validateChain(
  leaf: ParsedCertificate,
  store: TrustStore,
  at: Date = new Date(),
  opts: ChainOptions = {}
): ChainResult {
  let strictLeaf: StrictCertificate
  try {
    strictLeaf = parseStrictCertificate(leaf.der)
  } catch (err) {
    return {
      verdict: 'untrusted',
      path: [leaf],
      failure: 'malformed-certificate',
      reason: `malformed-certificate: ${(err as Error).message}`
    }
  }
  const result = validateStrictAgainstStore(strictLeaf, store, at, opts)
  // Not issued by MOICA at all (another CA's name): say so, whatever the chain says.
  if (!strictTrust(store).citizenCas.some((ca) => ca.subject.key === strictLeaf.issuer.key)) {
    const issuer = issuerName(strictLeaf)
    return {
      verdict: 'untrusted',
      path: [leaf],
      notCitizen: { issuer },
      ...(result.valid ? {} : { failure: result.reason }),
      reason: `not-citizen-certificate: issued by ${strictLeaf.issuer.text}${result.valid ? '' : ` (chain: ${result.reason})`}`
    }
  }
  if (!result.valid) {
    const failure = result.reason ?? 'untrusted'
    return {
      verdict: VERDICT[failure] ?? 'untrusted',
      path: [leaf],
      failure,
      reason: `${failure}: ${result.detail ?? ''}`
    }
  }
  // A MOICA name with another key (a lookalike CA) cannot have validated; the path's issuer must be the bundled MOICA CA.
  const issuer = citizenIssuer(strictLeaf, store)
  if (!issuer || !(result.path[1] && result.path[1].der.equals(issuer.der))) {
    return {
      verdict: 'untrusted',
      path: [leaf],
      failure: 'untrusted',
      reason: 'untrusted: not issued by a bundled MOICA CA key'
    }
  }
  const byDer = new Map([...store.anchors, ...store.intermediates].map((c) => [c.der.toString('latin1'), c]))
  const path = result.path.map((c, i) =>
    i === 0 ? leaf : (byDer.get(c.der.toString('latin1')) ?? parseCertificate(c.der))
  )
  return { verdict: 'valid', path }
}
