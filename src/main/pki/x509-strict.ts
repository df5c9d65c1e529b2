import { constants, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { children, decodeOid, decodeTime, DerError, encodeTlv, expectTag, parseDer, seq, TAG, type Tlv } from './der'

// Certificates and CRLs parsed exactly as RFC 5280 lays them out: the one model path validation
// (path-validation.ts) decides on, for the card, verify-cert, doctor and revocation. node-forge
// only reads display fields of the card's certificate; it cannot parse DSA/EC/PSS keys and
// re-encodes what it verifies, which a conformance suite would catch.

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  crlDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  ocsp: '1.3.6.1.5.5.7.48.1',
  crlNumber: '2.5.29.20',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  crlReason: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  certificateIssuer: '2.5.29.29',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  policyConstraints: '2.5.29.36',
  inhibitAnyPolicy: '2.5.29.54',
  freshestCrl: '2.5.29.46',
  anyPolicy: '2.5.29.32.0',
  emailAddress: '1.2.840.113549.1.9.1',
  rsaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
  dsa: '1.2.840.10040.4.1'
} as const

/** Extensions this validator understands or may safely leave to others when critical. */
// Every extension here is processed by path-validation.ts (or only informs, like issuerAltName /
// extKeyUsage, which RFC 5280 §6.1 leaves to the application). Anything else critical is refused.
const KNOWN_CERT_EXTENSIONS = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.crlDistributionPoints,
  OID.authorityInfoAccess,
  '2.5.29.9',
  OID.subjectAltName,
  '2.5.29.18',
  '2.5.29.37',
  OID.certificatePolicies,
  OID.policyMappings,
  OID.policyConstraints,
  OID.inhibitAnyPolicy,
  OID.freshestCrl,
  OID.nameConstraints
])
const KNOWN_CRL_EXTENSIONS = new Set<string>([
  OID.authorityKeyIdentifier,
  OID.crlNumber,
  OID.issuingDistributionPoint,
  OID.deltaCrlIndicator,
  '2.5.29.18',
  OID.freshestCrl
])
const KNOWN_CRL_ENTRY_EXTENSIONS = new Set<string>([OID.crlReason, OID.invalidityDate, OID.certificateIssuer])
/** RFC 5280 §4.2: conforming CAs mark these non-critical; a critical one is refused. */
export const NEVER_CRITICAL = new Set<string>([
  OID.authorityKeyIdentifier,
  OID.subjectKeyIdentifier,
  OID.authorityInfoAccess
])

const SIGNATURE_HASHES: Record<string, string | null> = {
  '1.2.840.113549.1.1.4': 'md5',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10040.4.3': 'sha1',
  '2.16.840.1.101.3.4.3.1': 'sha224',
  '2.16.840.1.101.3.4.3.2': 'sha256',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null // Ed25519: no separate hash
}

export interface Extension {
  oid: string
  critical: boolean
  value: Buffer
}

export interface Name {
  raw: Buffer
  /** RFC 5280 §7.1 comparison key: RDNs in order, attributes sorted, strings case-folded. */
  key: string
  /** The same key per RDN (name constraints compare RDN prefixes, §4.2.1.10). */
  rdns: string[]
  text: string
  /** emailAddress attributes (legacy e-mail in the DN; checked against rfc822Name constraints). */
  emails: string[]
}

/** RFC 5280 §4.2.1.6 GeneralName, reduced to what path validation compares. */
export type GeneralName =
  | { type: 'rfc822' | 'dns' | 'uri'; value: string }
  | { type: 'directory'; name: Name }
  | { type: 'ip'; bytes: Buffer }
  | { type: 'other'; tag: number; raw: Buffer }

/** RFC 5280 §4.2.1.13 DistributionPoint / §5.2.5 IssuingDistributionPoint name part. */
export interface DistributionPointName {
  fullName: GeneralName[] | null
  /** Appended to the CRL issuer's name (§4.2.1.13), as the RDN key. */
  relativeName: string | null
}

export interface DistributionPoint {
  name: DistributionPointName | null
  /** ReasonFlags as a bit mask (bit 1 = keyCompromise … bit 8 = aACompromise), null = all reasons. */
  reasons: number | null
  crlIssuer: GeneralName[] | null
}

export interface IssuingDistributionPoint {
  name: DistributionPointName | null
  onlyUser: boolean
  onlyCa: boolean
  onlySomeReasons: number | null
  indirect: boolean
  onlyAttribute: boolean
  /** The extension's DER value (a delta CRL's IDP must equal its complete CRL's, §6.3.3 (c)). */
  raw: Buffer
}

export interface PolicyInformation {
  oid: string
  /** The PolicyQualifiers SEQUENCE as DER, or null. */
  qualifiers: Buffer | null
}

export interface AlgorithmId {
  oid: string
  /** Parameters as DER, or null when absent. */
  params: Buffer | null
}

export interface StrictCertificate {
  der: Buffer
  tbs: Buffer
  version: number
  serialHex: string
  signatureAlgorithm: string
  signatureAlgorithmId: AlgorithmId
  signatureAlgorithmRaw: Buffer
  tbsSignatureAlgorithmRaw: Buffer
  signature: Buffer
  issuer: Name
  subject: Name
  notBefore: Date
  notAfter: Date
  spki: Buffer
  extensions: Extension[]
  basicConstraints: { ca: boolean; pathLen: number | null } | null
  /** Bits of KeyUsage by name, or null when absent. */
  keyUsage: Set<KeyUsageBit> | null
  ski: string | null
  aki: string | null
  crlUrls: string[]
  ocspUrls: string[]
  subjectAltNames: GeneralName[]
  policies: PolicyInformation[] | null
  policyMappings: { issuerDomain: string; subjectDomain: string }[] | null
  policyConstraints: { requireExplicitPolicy: number | null; inhibitPolicyMapping: number | null } | null
  inhibitAnyPolicy: number | null
  nameConstraints: { permitted: GeneralName[] | null; excluded: GeneralName[] | null } | null
  distributionPoints: DistributionPoint[] | null
  freshestCrl: DistributionPoint[] | null
}

export type KeyUsageBit =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly'
const KEY_USAGE_BITS: KeyUsageBit[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly'
]

/** All reason bits of §5.3.1 that a CRL can cover (unused bit 0 and removeFromCRL excluded). */
export const ALL_REASONS = 0x1fe

export interface CrlEntry {
  serialHex: string
  revokedAt: Date
  reason: number | null
  /** The certificate issuer this entry belongs to (indirect CRLs, §5.3.3); the CRL issuer by default. */
  issuerKey: string
  unknownCriticalExtension: string | null
}

export interface StrictCrl {
  der: Buffer
  tbs: Buffer
  signatureAlgorithm: string
  signatureAlgorithmId: AlgorithmId
  signature: Buffer
  issuer: Name
  thisUpdate: Date
  nextUpdate: Date | null
  entries: CrlEntry[]
  extensions: Extension[]
  aki: string | null
  crlNumber: bigint | null
  /** BaseCRLNumber of a delta CRL (§5.2.4), null for a complete CRL. */
  deltaBase: bigint | null
  idp: IssuingDistributionPoint | null
  unknownCriticalExtension: string | null
}

function decodeString(tlv: Tlv): string | null {
  switch (tlv.tag) {
    case TAG.UTF8:
      return tlv.value.toString('utf8')
    case TAG.PRINTABLE:
    case TAG.IA5:
    case 0x12: // NumericString
    case 0x1a: // VisibleString
      return tlv.value.toString('latin1')
    case TAG.TELETEX:
      return tlv.value.toString('latin1')
    case TAG.BMP: {
      const b = Buffer.from(tlv.value)
      return b.swap16().toString('utf16le')
    }
    case TAG.UNIVERSAL: {
      let s = ''
      for (let i = 0; i + 3 < tlv.value.length; i += 4) s += String.fromCodePoint(tlv.value.readUInt32BE(i))
      return s
    }
    default:
      return null
  }
}

/** RFC 4518-ish string preparation: NFKC, case fold, trim, collapse inner whitespace. */
function prepString(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()
}

const SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '0.9.2342.19200300.100.1.25': 'DC'
}

/** Parses a Name (RFC 5280 §4.1.2.4) into its comparison key and display text. */
export function parseName(tlv: Tlv): Name {
  expectTag(tlv, TAG.SEQUENCE, 'Name')
  const rdnKeys: string[] = []
  const texts: string[] = []
  const emails: string[] = []
  for (const rdn of children(tlv)) {
    expectTag(rdn, TAG.SET, 'RelativeDistinguishedName')
    const attrs = children(rdn).map((atv) => {
      const [type, value] = children(expectTag(atv, TAG.SEQUENCE, 'AttributeTypeAndValue'))
      if (!type || !value) throw new DerError('truncated AttributeTypeAndValue')
      const oid = decodeOid(type)
      const str = decodeString(value)
      if (oid === OID.emailAddress && str !== null) emails.push(str)
      // Strings compare case-insensitively (RFC 5280 §7.1); anything else byte for byte.
      const key = `${oid}=${str !== null ? `s:${prepString(str)}` : `b:${value.raw.toString('hex')}`}`
      texts.push(`${SHORT[oid] ?? oid}=${str ?? `#${value.raw.toString('hex')}`}`)
      return key
    })
    if (attrs.length === 0) throw new DerError('empty RelativeDistinguishedName')
    rdnKeys.push(attrs.sort().join('+'))
  }
  return { raw: tlv.raw, key: rdnKeys.join(','), rdns: rdnKeys, text: texts.join(', '), emails }
}

function parseExtensions(tlv: Tlv | undefined): Extension[] {
  if (!tlv) return []
  const list = children(expectTag(tlv, TAG.SEQUENCE, 'Extensions'))
  const seen = new Set<string>()
  return list.map((ext) => {
    const parts = children(expectTag(ext, TAG.SEQUENCE, 'Extension'))
    const oid = decodeOid(parts[0] as Tlv)
    if (seen.has(oid)) throw new DerError(`duplicate extension ${oid}`)
    seen.add(oid)
    const critical = parts.length === 3 ? expectTag(parts[1], TAG.BOOLEAN, 'critical').value[0] !== 0 : false
    const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue').value
    return { oid, critical, value }
  })
}

function intValue(tlv: Tlv, tag: number = TAG.INTEGER): number {
  const b = expectTag(tlv, tag, 'INTEGER').value
  if (b.length === 0 || b.length > 6 || (b[0] ?? 0) & 0x80) throw new DerError('INTEGER out of range')
  return b.reduce((n, x) => n * 256 + x, 0)
}

function bigIntValue(tlv: Tlv): bigint {
  const b = expectTag(tlv, TAG.INTEGER, 'INTEGER').value
  if (b.length === 0 || (b[0] ?? 0) & 0x80) throw new DerError('negative or empty INTEGER')
  return BigInt(`0x${b.toString('hex')}`)
}

function parseBasicConstraints(value: Buffer): { ca: boolean; pathLen: number | null } {
  const parts = children(expectTag(parseDer(value), TAG.SEQUENCE, 'BasicConstraints'))
  let ca = false
  let pathLen: number | null = null
  for (const p of parts) {
    if (p.tag === TAG.BOOLEAN) ca = p.value[0] !== 0
    else if (p.tag === TAG.INTEGER) pathLen = intValue(p)
    else throw new DerError('BasicConstraints: unexpected field')
  }
  return { ca, pathLen }
}

/** A BIT STRING's named bits as a mask: bit i (DER order) → 1 << i. */
function bitMask(tlv: Tlv): number {
  const v = tlv.value
  if (v.length === 0) throw new DerError('empty BIT STRING')
  let mask = 0
  for (let i = 0; i < (v.length - 1) * 8 && i < 16; i++) if ((v[1 + (i >> 3)] ?? 0) & (0x80 >> (i & 7))) mask |= 1 << i
  return mask
}

function parseKeyUsage(value: Buffer): Set<KeyUsageBit> {
  const mask = bitMask(expectTag(parseDer(value), TAG.BIT_STRING, 'KeyUsage'))
  return new Set(KEY_USAGE_BITS.filter((_, i) => mask & (1 << i)))
}

function parseAkiKeyId(value: Buffer): string | null {
  const keyId = children(expectTag(parseDer(value), TAG.SEQUENCE, 'AuthorityKeyIdentifier')).find((p) => p.tag === 0x80)
  return keyId ? keyId.value.toString('hex') : null
}

/** URIs in GeneralNames ([6] IA5String), wherever they sit in the structure. */
function uris(tlv: Tlv, out: string[] = []): string[] {
  if (tlv.tag === 0x86) out.push(tlv.value.toString('latin1'))
  else if (tlv.tag & 0x20) for (const c of children(tlv)) uris(c, out)
  return out
}

function ocspUrls(value: Buffer): string[] {
  return children(parseDer(value)).flatMap((ad) => {
    const [method, location] = children(ad)
    return method && location && decodeOid(method) === OID.ocsp && location.tag === 0x86
      ? [location.value.toString('latin1')]
      : []
  })
}

/** One GeneralName (§4.2.1.6); IMPLICIT tags [1] rfc822, [2] dNS, [6] URI, [7] iPAddress, [4] EXPLICIT directoryName. */
export function parseGeneralName(tlv: Tlv): GeneralName {
  switch (tlv.tag) {
    case 0x81:
      return { type: 'rfc822', value: tlv.value.toString('latin1') }
    case 0x82:
      return { type: 'dns', value: tlv.value.toString('latin1') }
    case 0x86:
      return { type: 'uri', value: tlv.value.toString('latin1') }
    case 0x87:
      return { type: 'ip', bytes: tlv.value }
    case 0xa4: {
      const [name, ...rest] = children(tlv)
      if (!name || rest.length) throw new DerError('directoryName must hold one Name')
      return { type: 'directory', name: parseName(name) }
    }
    default:
      return { type: 'other', tag: tlv.tag, raw: tlv.raw }
  }
}

function generalNames(tlv: Tlv): GeneralName[] {
  return children(tlv).map(parseGeneralName)
}

function parseDistributionPointName(tlv: Tlv): DistributionPointName {
  // DistributionPointName ::= CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] RDN }
  const [inner, ...rest] = children(tlv)
  if (!inner || rest.length) throw new DerError('DistributionPointName must hold one choice')
  if (inner.tag === 0xa0) return { fullName: generalNames(inner), relativeName: null }
  if (inner.tag === 0xa1) {
    const rdn = parseName(parseDer(seq(encodeTlv(TAG.SET, inner.value))))
    return { fullName: null, relativeName: rdn.key }
  }
  throw new DerError('DistributionPointName: unexpected choice')
}

function parseDistributionPoints(value: Buffer): DistributionPoint[] {
  return children(expectTag(parseDer(value), TAG.SEQUENCE, 'CRLDistributionPoints')).map((dp) => {
    const out: DistributionPoint = { name: null, reasons: null, crlIssuer: null }
    for (const f of children(expectTag(dp, TAG.SEQUENCE, 'DistributionPoint'))) {
      if (f.tag === 0xa0) out.name = parseDistributionPointName(f)
      else if (f.tag === 0x81) out.reasons = bitMask(f)
      else if (f.tag === 0xa2) out.crlIssuer = generalNames(f)
      else throw new DerError('DistributionPoint: unexpected field')
    }
    if (!out.name && !out.crlIssuer) throw new DerError('DistributionPoint without name or cRLIssuer')
    return out
  })
}

function parseIdp(value: Buffer): IssuingDistributionPoint {
  const out: IssuingDistributionPoint = {
    name: null,
    onlyUser: false,
    onlyCa: false,
    onlySomeReasons: null,
    indirect: false,
    onlyAttribute: false,
    raw: value
  }
  const flag = (t: Tlv): boolean => t.value[0] !== 0
  for (const f of children(expectTag(parseDer(value), TAG.SEQUENCE, 'IssuingDistributionPoint'))) {
    if (f.tag === 0xa0) out.name = parseDistributionPointName(f)
    else if (f.tag === 0x81) out.onlyUser = flag(f)
    else if (f.tag === 0x82) out.onlyCa = flag(f)
    else if (f.tag === 0x83) out.onlySomeReasons = bitMask(f)
    else if (f.tag === 0x84) out.indirect = flag(f)
    else if (f.tag === 0x85) out.onlyAttribute = flag(f)
    else throw new DerError('IssuingDistributionPoint: unexpected field')
  }
  return out
}

function parsePolicies(value: Buffer): PolicyInformation[] {
  const seen = new Set<string>()
  return children(expectTag(parseDer(value), TAG.SEQUENCE, 'CertificatePolicies')).map((pi) => {
    const [id, qualifiers] = children(expectTag(pi, TAG.SEQUENCE, 'PolicyInformation'))
    const oid = decodeOid(id as Tlv)
    if (seen.has(oid)) throw new DerError(`policy ${oid} listed twice`)
    seen.add(oid)
    return { oid, qualifiers: qualifiers ? expectTag(qualifiers, TAG.SEQUENCE, 'PolicyQualifiers').raw : null }
  })
}

function parsePolicyMappings(value: Buffer): { issuerDomain: string; subjectDomain: string }[] {
  return children(expectTag(parseDer(value), TAG.SEQUENCE, 'PolicyMappings')).map((m) => {
    const [a, b] = children(expectTag(m, TAG.SEQUENCE, 'PolicyMapping'))
    return { issuerDomain: decodeOid(a as Tlv), subjectDomain: decodeOid(b as Tlv) }
  })
}

function parsePolicyConstraints(value: Buffer): {
  requireExplicitPolicy: number | null
  inhibitPolicyMapping: number | null
} {
  const out = { requireExplicitPolicy: null as number | null, inhibitPolicyMapping: null as number | null }
  for (const f of children(expectTag(parseDer(value), TAG.SEQUENCE, 'PolicyConstraints'))) {
    if (f.tag === 0x80) out.requireExplicitPolicy = intValue(f, 0x80)
    else if (f.tag === 0x81) out.inhibitPolicyMapping = intValue(f, 0x81)
    else throw new DerError('PolicyConstraints: unexpected field')
  }
  if (out.requireExplicitPolicy === null && out.inhibitPolicyMapping === null)
    throw new DerError('empty PolicyConstraints')
  return out
}

function parseNameConstraints(value: Buffer): { permitted: GeneralName[] | null; excluded: GeneralName[] | null } {
  const out = { permitted: null as GeneralName[] | null, excluded: null as GeneralName[] | null }
  const subtrees = (t: Tlv): GeneralName[] =>
    children(t).map((st) => {
      const [base, ...rest] = children(expectTag(st, TAG.SEQUENCE, 'GeneralSubtree'))
      // minimum MUST be zero and maximum absent (§4.2.1.10)
      if (!base || rest.some((r) => r.tag !== 0x80 || intValue(r, 0x80) !== 0))
        throw new DerError('GeneralSubtree with minimum/maximum')
      return parseGeneralName(base)
    })
  for (const f of children(expectTag(parseDer(value), TAG.SEQUENCE, 'NameConstraints'))) {
    if (f.tag === 0xa0) out.permitted = subtrees(f)
    else if (f.tag === 0xa1) out.excluded = subtrees(f)
    else throw new DerError('NameConstraints: unexpected field')
  }
  return out
}

/** INTEGER content as canonical hex (sign byte kept: negative serials stay distinct). */
function serialHex(tlv: Tlv): string {
  return expectTag(tlv, TAG.INTEGER, 'serialNumber').value.toString('hex').toUpperCase()
}

function parseAlgorithm(tlv: Tlv | undefined): AlgorithmId {
  const [oid, params, ...rest] = children(expectTag(tlv, TAG.SEQUENCE, 'AlgorithmIdentifier'))
  if (rest.length) throw new DerError('AlgorithmIdentifier: trailing fields')
  return { oid: decodeOid(oid as Tlv), params: params ? params.raw : null }
}

function signatureBits(tlv: Tlv | undefined): Buffer {
  const v = expectTag(tlv, TAG.BIT_STRING, 'signature').value
  if (v[0] !== 0) throw new DerError('signature BIT STRING with unused bits')
  return v.subarray(1)
}

/**
 * Parses a DER certificate exactly as RFC 5280 §4.1 lays it out, every extension path
 * validation processes included. Throws DerError for anything malformed (which makes a path
 * invalid with `malformed-certificate`, never "not a certificate" usage errors).
 */
export function parseStrictCertificate(der: Buffer): StrictCertificate {
  const top = parseDer(der)
  const [tbsTlv, algTlv, sigTlv, ...extra] = children(expectTag(top, TAG.SEQUENCE, 'Certificate'))
  if (!tbsTlv || extra.length) throw new DerError('Certificate must have three parts')
  const fields = children(expectTag(tbsTlv, TAG.SEQUENCE, 'TBSCertificate'))
  let i = 0
  let version = 1
  if (fields[0]?.tag === 0xa0) {
    version = intValue(children(fields[0])[0] as Tlv) + 1
    if (version < 2 || version > 3) throw new DerError(`unknown certificate version ${version}`)
    i = 1
  }
  const serial = fields[i++] as Tlv
  const tbsAlg = fields[i++] as Tlv
  const issuer = parseName(fields[i++] as Tlv)
  const validity = children(expectTag(fields[i++], TAG.SEQUENCE, 'Validity'))
  const subject = parseName(fields[i++] as Tlv)
  const spkiTlv = expectTag(fields[i++], TAG.SEQUENCE, 'SubjectPublicKeyInfo')
  parseAlgorithm(children(spkiTlv)[0])
  const spki = spkiTlv.raw
  for (const f of fields.slice(i))
    if (f.tag !== 0x81 && f.tag !== 0x82 && f.tag !== 0xa3) throw new DerError('TBSCertificate: unexpected field')
  const extTlv = fields.slice(i).find((f) => f.tag === 0xa3)
  const extensions = extTlv ? parseExtensions(children(extTlv)[0]) : []
  if (extTlv && version !== 3) throw new DerError('extensions in a non-v3 certificate')
  const ext = (oid: string): Extension | undefined => extensions.find((e) => e.oid === oid)
  const bc = ext(OID.basicConstraints)
  const ku = ext(OID.keyUsage)
  const ski = ext(OID.subjectKeyIdentifier)
  const aki = ext(OID.authorityKeyIdentifier)
  const cdp = ext(OID.crlDistributionPoints)
  const aia = ext(OID.authorityInfoAccess)
  const san = ext(OID.subjectAltName)
  const cp = ext(OID.certificatePolicies)
  const pm = ext(OID.policyMappings)
  const pc = ext(OID.policyConstraints)
  const iap = ext(OID.inhibitAnyPolicy)
  const nc = ext(OID.nameConstraints)
  const fresh = ext(OID.freshestCrl)
  const alg = parseAlgorithm(algTlv)
  return {
    der,
    tbs: tbsTlv.raw,
    version,
    serialHex: serialHex(serial),
    signatureAlgorithm: alg.oid,
    signatureAlgorithmId: alg,
    signatureAlgorithmRaw: (algTlv as Tlv).raw,
    tbsSignatureAlgorithmRaw: tbsAlg.raw,
    signature: signatureBits(sigTlv),
    issuer,
    subject,
    notBefore: decodeTime(validity[0] as Tlv),
    notAfter: decodeTime(validity[1] as Tlv),
    spki,
    extensions,
    basicConstraints: bc ? parseBasicConstraints(bc.value) : null,
    keyUsage: ku ? parseKeyUsage(ku.value) : null,
    ski: ski ? expectTag(parseDer(ski.value), TAG.OCTET_STRING, 'SKI').value.toString('hex') : null,
    aki: aki ? parseAkiKeyId(aki.value) : null,
    crlUrls: cdp ? uris(parseDer(cdp.value)) : [],
    ocspUrls: aia ? ocspUrls(aia.value) : [],
    subjectAltNames: san ? generalNames(expectTag(parseDer(san.value), TAG.SEQUENCE, 'SubjectAltName')) : [],
    policies: cp ? parsePolicies(cp.value) : null,
    policyMappings: pm ? parsePolicyMappings(pm.value) : null,
    policyConstraints: pc ? parsePolicyConstraints(pc.value) : null,
    inhibitAnyPolicy: iap ? intValue(parseDer(iap.value)) : null,
    nameConstraints: nc ? parseNameConstraints(nc.value) : null,
    distributionPoints: cdp ? parseDistributionPoints(cdp.value) : null,
    freshestCrl: fresh ? parseDistributionPoints(fresh.value) : null
  }
}

/** The first critical extension path validation does not process (§4.2: must be refused), or null. */
export function unknownCriticalExtension(cert: StrictCertificate): string | null {
  return cert.extensions.find((e) => e.critical && !KNOWN_CERT_EXTENSIONS.has(e.oid))?.oid ?? null
}

/** Parses a DER CRL (RFC 5280 §5.1) with its extensions (IDP, delta indicator, CRL number) and entries. */
export function parseStrictCrl(der: Buffer): StrictCrl {
  const [tbsTlv, algTlv, sigTlv, ...extra] = children(expectTag(parseDer(der), TAG.SEQUENCE, 'CertificateList'))
  if (!tbsTlv || extra.length) throw new DerError('CertificateList must have three parts')
  const f = children(expectTag(tbsTlv, TAG.SEQUENCE, 'TBSCertList'))
  let i = f[0]?.tag === TAG.INTEGER ? 1 : 0
  i++ // signature AlgorithmIdentifier
  const issuer = parseName(f[i++] as Tlv)
  const thisUpdate = decodeTime(f[i++] as Tlv)
  let nextUpdate: Date | null = null
  if (f[i] && (f[i]?.tag === TAG.UTC_TIME || f[i]?.tag === TAG.GENERALIZED_TIME)) nextUpdate = decodeTime(f[i++] as Tlv)
  const entryTlvs = f[i]?.tag === TAG.SEQUENCE ? children(f[i++] as Tlv) : []
  const extTlv = f.slice(i).find((x) => x.tag === 0xa0)
  const extensions = extTlv ? parseExtensions(children(extTlv)[0]) : []
  const ext = (oid: string): Extension | undefined => extensions.find((e) => e.oid === oid)
  const idpExt = ext(OID.issuingDistributionPoint)
  const idp = idpExt ? parseIdp(idpExt.value) : null
  const entries: CrlEntry[] = []
  // §5.3.3: in an indirect CRL an entry without certificateIssuer belongs to the previous entry's issuer.
  let entryIssuer = issuer.key
  for (const e of entryTlvs) {
    const [serial, date, entryExt] = children(expectTag(e, TAG.SEQUENCE, 'revokedCertificate'))
    const exts = parseExtensions(entryExt)
    const reasonExt = exts.find((x) => x.oid === OID.crlReason)
    const certIssuer = exts.find((x) => x.oid === OID.certificateIssuer)
    if (certIssuer && idp?.indirect) {
      const dir = generalNames(parseDer(certIssuer.value)).find((g) => g.type === 'directory')
      if (dir && dir.type === 'directory') entryIssuer = dir.name.key
    }
    entries.push({
      serialHex: serialHex(serial as Tlv),
      revokedAt: decodeTime(date as Tlv),
      reason: reasonExt ? (expectTag(parseDer(reasonExt.value), TAG.ENUMERATED, 'CRLReason').value[0] ?? 0) : null,
      issuerKey: entryIssuer,
      unknownCriticalExtension: exts.find((x) => x.critical && !KNOWN_CRL_ENTRY_EXTENSIONS.has(x.oid))?.oid ?? null
    })
  }
  const aki = ext(OID.authorityKeyIdentifier)
  const number = ext(OID.crlNumber)
  const delta = ext(OID.deltaCrlIndicator)
  const alg = parseAlgorithm(algTlv)
  return {
    der,
    tbs: tbsTlv.raw,
    signatureAlgorithm: alg.oid,
    signatureAlgorithmId: alg,
    signature: signatureBits(sigTlv),
    issuer,
    thisUpdate,
    nextUpdate,
    entries,
    extensions,
    aki: aki ? parseAkiKeyId(aki.value) : null,
    crlNumber: number ? bigIntValue(parseDer(number.value)) : null,
    deltaBase: delta ? bigIntValue(parseDer(delta.value)) : null,
    idp,
    unknownCriticalExtension: extensions.find((e) => e.critical && !KNOWN_CRL_EXTENSIONS.has(e.oid))?.oid ?? null
  }
}

/**
 * The issuer's public key as a KeyObject. A DSA key without parameters inherits them from the
 * next key up the path (RFC 5280 §6.1.4 (f)), passed as `inheritedDsaParams`.
 */
export function publicKeyOf(
  spki: Buffer,
  inheritedDsaParams: Buffer | null
): { key: KeyObject; dsaParams: Buffer | null } {
  const [alg, bits] = children(parseDer(spki))
  const [oidTlv, params] = children(alg as Tlv)
  const isDsa = decodeOid(oidTlv as Tlv) === OID.dsa
  let der = spki
  let dsaParams: Buffer | null = null
  if (isDsa) {
    if (params && params.tag === TAG.SEQUENCE) dsaParams = params.raw
    else if (inheritedDsaParams) {
      dsaParams = inheritedDsaParams
      der = seq(seq((oidTlv as Tlv).raw, inheritedDsaParams), (bits as Tlv).raw)
    } else throw new DerError('DSA key without parameters and nothing to inherit')
  }
  return { key: createPublicKey({ key: der, format: 'der', type: 'spki' }), dsaParams }
}

export type SignatureCheck = 'ok' | 'bad' | 'unsupported'

const HASH_OIDS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512'
}
const ALLOWED_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1'])

/** RSASSA-PSS-params (RFC 4055 §3.1): hash, MGF1 with the same hash, salt length, trailer 1. */
function pssParams(params: Buffer | null): { hash: string; saltLength: number } | null {
  let hash = 'sha1'
  let mgfHash = 'sha1'
  let saltLength = 20
  if (params && !(params.length === 2 && params[0] === TAG.NULL)) {
    for (const f of children(expectTag(parseDer(params), TAG.SEQUENCE, 'RSASSA-PSS-params'))) {
      const inner = children(f)[0] as Tlv
      if (f.tag === 0xa0) {
        const h = HASH_OIDS[parseAlgorithm(inner).oid]
        if (!h) return null
        hash = h
      } else if (f.tag === 0xa1) {
        const mgf = parseAlgorithm(inner)
        if (mgf.oid !== OID.mgf1 || !mgf.params) return null
        const h = HASH_OIDS[parseAlgorithm(parseDer(mgf.params)).oid]
        if (!h) return null
        mgfHash = h
      } else if (f.tag === 0xa2) saltLength = intValue(inner)
      else if (f.tag === 0xa3) {
        if (intValue(inner) !== 1) return null
      } else return null
    }
  }
  // node:crypto's PSS uses MGF1 with the message hash; another MGF hash is not something we can check.
  if (mgfHash !== hash || saltLength > 1024) return null
  return { hash, saltLength }
}

/**
 * Verifies a signature over `data`: RSA PKCS#1 v1.5 (MD5…SHA-512), RSASSA-PSS with its
 * parameters (RFC 4055), ECDSA on P-256/P-384/P-521, DSA, Ed25519. Returns 'unsupported' for an
 * algorithm (or PSS parameter set, or curve) this code does not know — never 'bad' for those.
 */
export function checkSignature(
  alg: AlgorithmId | string,
  data: Buffer,
  signature: Buffer,
  key: KeyObject
): SignatureCheck {
  const { oid, params } = typeof alg === 'string' ? { oid: alg, params: null } : alg
  try {
    if (oid === OID.rsaPss) {
      const p = pssParams(params)
      if (!p || (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss')) return 'unsupported'
      const ok = cryptoVerify(
        p.hash,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength },
        signature
      )
      return ok ? 'ok' : 'bad'
    }
    if (!(oid in SIGNATURE_HASHES)) return 'unsupported'
    if (key.asymmetricKeyType === 'ec') {
      const curve = key.asymmetricKeyDetails?.namedCurve
      if (!curve || !ALLOWED_CURVES.has(curve)) return 'unsupported'
    }
    return cryptoVerify(SIGNATURE_HASHES[oid] ?? null, data, key, signature) ? 'ok' : 'bad'
  } catch {
    return 'bad'
  }
}

/** Boolean form of checkSignature (OCSP responses, CRLs of the card path): unsupported counts as not verified. */
export function verifySignature(alg: AlgorithmId | string, data: Buffer, signature: Buffer, key: KeyObject): boolean {
  return checkSignature(alg, data, signature, key) === 'ok'
}

/** Accepts PEM (any label) or DER; returns every DER object found. */
export function readDerObjects(input: Buffer): Buffer[] {
  const text = input.toString('latin1')
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)]
  if (blocks.length) return blocks.map((m) => Buffer.from((m[2] ?? '').replace(/\s+/g, ''), 'base64'))
  return [input]
}
