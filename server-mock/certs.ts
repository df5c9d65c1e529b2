// Certificate path validation for citizen signing certificates: chain to configured anchors built by
// AKI/SKI (never by DN alone), validity at now(), CA basicConstraints/keyUsage, end-entity
// keyUsage digitalSignature, revocation via configured CRLs, and the signature over protocol data.
import { constants, verify as cryptoVerify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { ApiError } from './errors'
import {
  CertificateParseError,
  crlSignedBy,
  formatName,
  nameValue,
  OID,
  parseCertificate,
  parseCrl,
  pemBlocks,
  type ParsedCertificate,
  type ParsedCrl
} from './x509'

export interface TrustStoreOptions {
  anchors: string[]
  intermediates?: string[]
  crls?: string[]
}

interface CrlEntry {
  crl: ParsedCrl
  issuer: ParsedCertificate
}

export interface TrustStore {
  anchors: ParsedCertificate[]
  intermediates: ParsedCertificate[]
  /** Keyed by the issuing CA's SKI (hex). */
  crls: Map<string, CrlEntry>
  /** When true (CRLs configured), an end-entity whose issuer has no CRL is refused. */
  requireRevocation: boolean
}

export interface VerifiedCertificate {
  cert: ParsedCertificate
  name: string
  cardSerial: string
  nationalIdLast4: string | null
  chain: ParsedCertificate[]
}

const MAX_CHAIN = 6

function readCerts(path: string): ParsedCertificate[] {
  const blocks = pemBlocks(readFileSync(path), 'CERTIFICATE')
  if (blocks.length === 0) throw new Error(`no certificate in ${path}`)
  return blocks.map((der) => parseCertificate(der))
}

export function loadTrustStore(opts: TrustStoreOptions): TrustStore {
  const anchors = opts.anchors.flatMap(readCerts)
  if (anchors.length === 0) throw new Error('at least one trust anchor is required')
  const intermediates = (opts.intermediates ?? []).flatMap(readCerts)
  const crls = new Map<string, CrlEntry>()
  for (const path of opts.crls ?? []) {
    for (const der of pemBlocks(readFileSync(path), 'X509 CRL')) {
      const crl = parseCrl(der)
      const issuer = [...anchors, ...intermediates].find((ca) => crlSignedBy(crl, ca))
      if (!issuer || !issuer.skiHex) throw new Error(`CRL ${path} is not signed by any configured CA`)
      const existing = crls.get(issuer.skiHex)
      if (!existing || existing.crl.thisUpdate < crl.thisUpdate) crls.set(issuer.skiHex, { crl, issuer })
    }
  }
  return { anchors, intermediates, crls, requireRevocation: crls.size > 0 }
}

type CertificateErrorCode =
  | 'CERTIFICATE_INVALID'
  | 'CERTIFICATE_UNTRUSTED'
  | 'CERTIFICATE_EXPIRED'
  | 'CERTIFICATE_NOT_YET_VALID'
  | 'CERTIFICATE_REVOKED'
  | 'CERTIFICATE_REVOCATION_UNKNOWN'
  | 'CERTIFICATE_KEY_USAGE'
  | 'CERTIFICATE_NOT_CITIZEN'

/** MOICA's name (內政部憑證管理中心) as the OU of its CAs; test PKIs prefix it (TEST, 測試). */
const MOICA_OU_SUFFIX = '內政部憑證管理中心'

function isMoicaName(name: ParsedCertificate['issuer']): boolean {
  return nameValue(name, OID.ORGANIZATIONAL_UNIT)?.endsWith(MOICA_OU_SUFFIX) ?? false
}

function fail(code: CertificateErrorCode, message: string): never {
  throw new ApiError(code, message)
}

function sameCert(a: ParsedCertificate, b: ParsedCertificate): boolean {
  return a.der.equals(b.der)
}

function issuedBy(child: ParsedCertificate, ca: ParsedCertificate): boolean {
  if (!child.issuerRaw.equals(ca.subjectRaw)) return false
  if (child.akiHex && ca.skiHex !== child.akiHex) return false
  try {
    return child.x509.verify(ca.publicKey)
  } catch {
    return false
  }
}

/** Builds the path EE → … → anchor by AKI/SKI + signature. Throws CERTIFICATE_UNTRUSTED. */
function buildChain(ee: ParsedCertificate, store: TrustStore): ParsedCertificate[] {
  const chain = [ee]
  let current = ee
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    const anchor = store.anchors.find((a) => sameCert(a, current) || issuedBy(current, a))
    if (anchor) {
      if (!sameCert(anchor, current)) chain.push(anchor)
      return chain
    }
    const next = store.intermediates.find((ca) => !chain.some((c) => sameCert(c, ca)) && issuedBy(current, ca))
    if (!next) break
    chain.push(next)
    current = next
  }
  fail(
    'CERTIFICATE_UNTRUSTED',
    `certificate issued by "${formatName(ee.issuer)}" does not chain to a trusted MOICA anchor`
  )
}

function checkValidity(cert: ParsedCertificate, now: Date, role: string): void {
  if (now < cert.notBefore)
    fail('CERTIFICATE_NOT_YET_VALID', `${role} certificate is not valid before ${cert.notBefore.toISOString()}`)
  if (now > cert.notAfter) fail('CERTIFICATE_EXPIRED', `${role} certificate expired at ${cert.notAfter.toISOString()}`)
}

function checkCa(ca: ParsedCertificate, caBelow: number): void {
  if (!ca.basicConstraints?.cA)
    fail('CERTIFICATE_UNTRUSTED', `issuer "${formatName(ca.subject)}" is not a CA (basicConstraints)`)
  if (ca.keyUsage && !ca.keyUsage.keyCertSign)
    fail('CERTIFICATE_UNTRUSTED', `issuer "${formatName(ca.subject)}" may not sign certificates (keyUsage)`)
  const pathLen = ca.basicConstraints.pathLen
  if (pathLen !== null && caBelow > pathLen)
    fail('CERTIFICATE_UNTRUSTED', `path length constraint of "${formatName(ca.subject)}" exceeded`)
}

function checkRevocation(
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  store: TrustStore,
  now: Date,
  isEndEntity: boolean
): void {
  const entry = issuer.skiHex ? store.crls.get(issuer.skiHex) : undefined
  if (!entry) {
    if (isEndEntity && store.requireRevocation)
      fail('CERTIFICATE_REVOCATION_UNKNOWN', `no CRL available for issuer "${formatName(issuer.subject)}"`)
    return
  }
  const { crl } = entry
  if (crl.thisUpdate > now || (crl.nextUpdate && crl.nextUpdate < now)) {
    fail(
      'CERTIFICATE_REVOCATION_UNKNOWN',
      `CRL of "${formatName(issuer.subject)}" is not current (nextUpdate ${crl.nextUpdate?.toISOString() ?? 'none'})`
    )
  }
  const revokedAt = crl.revoked.get(cert.serialHex)
  if (revokedAt && revokedAt <= now)
    fail('CERTIFICATE_REVOKED', `certificate ${cert.serialHex} was revoked at ${revokedAt.toISOString()}`)
}

/** Full validation of a citizen signing certificate (DER). Throws ApiError with a CERTIFICATE_* code. */
export function verifyCitizenCertificate(der: Buffer, store: TrustStore, now: Date): VerifiedCertificate {
  let ee: ParsedCertificate
  try {
    ee = parseCertificate(der)
  } catch (err) {
    if (err instanceof CertificateParseError) fail('CERTIFICATE_INVALID', err.message)
    throw err
  }
  if (ee.unknownCriticalExtensions.length > 0)
    fail('CERTIFICATE_INVALID', `unsupported critical extension ${ee.unknownCriticalExtensions.join(', ')}`)
  // Only citizen certificates: issued by a MOICA CA (its name here, its key by buildChain below).
  if (!isMoicaName(ee.issuer))
    fail(
      'CERTIFICATE_NOT_CITIZEN',
      `certificate issued by "${formatName(ee.issuer)}" is not a citizen certificate (MOICA only)`
    )
  const chain = buildChain(ee, store)
  if (chain[1] && !isMoicaName(chain[1].subject))
    fail('CERTIFICATE_NOT_CITIZEN', `issuer "${formatName(chain[1].subject)}" is not a MOICA CA`)
  chain.slice(1).forEach((ca, i) => {
    if (ca.unknownCriticalExtensions.length > 0)
      fail('CERTIFICATE_UNTRUSTED', `CA has unsupported critical extension ${ca.unknownCriticalExtensions.join(', ')}`)
    checkCa(ca, i)
  })
  chain.forEach((c, i) => checkValidity(c, now, i === 0 ? 'signing' : `issuer "${formatName(c.subject)}"`))

  if (ee.basicConstraints?.cA)
    fail('CERTIFICATE_KEY_USAGE', 'a CA certificate cannot be used as a citizen signing certificate')
  if (!ee.keyUsage?.digitalSignature)
    fail('CERTIFICATE_KEY_USAGE', 'certificate keyUsage does not permit digitalSignature')
  const details = ee.publicKey.asymmetricKeyDetails
  if (ee.publicKey.asymmetricKeyType !== 'rsa' || (details?.modulusLength ?? 0) < 2048) {
    fail('CERTIFICATE_INVALID', 'certificate key must be RSA with at least 2048 bits')
  }

  for (let i = 0; i < chain.length - 1; i++) {
    checkRevocation(chain[i] as ParsedCertificate, chain[i + 1] as ParsedCertificate, store, now, i === 0)
  }

  const name = nameValue(ee.subject, OID.COMMON_NAME)
  const cardSerial = nameValue(ee.subject, OID.SERIAL_NUMBER)
  if (!name || !cardSerial) fail('CERTIFICATE_INVALID', 'certificate subject lacks CN or serialNumber')
  return { cert: ee, name, cardSerial, nationalIdLast4: ee.nationalIdLast4, chain }
}

/** RSASSA-PKCS1-v1_5 / SHA-256 over `data`. */
export function verifyRs256(cert: ParsedCertificate, data: Buffer, signature: Buffer): boolean {
  try {
    return cryptoVerify('sha256', data, { key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING }, signature)
  } catch {
    return false
  }
}
