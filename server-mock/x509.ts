// Parsing of X.509 certificates and CRLs into the fields the verifier needs (RFC 5280).
// Signatures are checked with node:crypto; structure is read with the DER reader in asn1.ts.
import { createHash, verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto'
import {
  bitStringBytes,
  children,
  decodeOid,
  decodeString,
  decodeTime,
  DerError,
  expect,
  integerHex,
  parseDer,
  TAG,
  type DerNode
} from './asn1'

export const OID = {
  SKI: '2.5.29.14',
  AKI: '2.5.29.35',
  KEY_USAGE: '2.5.29.15',
  BASIC_CONSTRAINTS: '2.5.29.19',
  EXT_KEY_USAGE: '2.5.29.37',
  SUBJECT_ALT_NAME: '2.5.29.17',
  CERT_POLICIES: '2.5.29.32',
  SUBJECT_DIRECTORY_ATTRIBUTES: '2.5.29.9',
  CRL_DISTRIBUTION_POINTS: '2.5.29.31',
  AIA: '1.3.6.1.5.5.7.1.1',
  CRL_NUMBER: '2.5.29.20',
  CRL_REASON: '2.5.29.21',
  NATIONAL_ID_LAST4: '2.16.886.1.100.2.51',
  COMMON_NAME: '2.5.4.3',
  SERIAL_NUMBER: '2.5.4.5',
  COUNTRY: '2.5.4.6',
  ORGANIZATION: '2.5.4.10',
  ORGANIZATIONAL_UNIT: '2.5.4.11'
} as const

const SHORT_NAMES: Record<string, string> = {
  [OID.COMMON_NAME]: 'CN',
  [OID.SERIAL_NUMBER]: 'serialNumber',
  [OID.COUNTRY]: 'C',
  [OID.ORGANIZATION]: 'O',
  [OID.ORGANIZATIONAL_UNIT]: 'OU'
}

/** Extensions this verifier understands; an unknown *critical* extension makes a cert invalid. */
const KNOWN_EXTENSIONS = new Set<string>([
  OID.SKI,
  OID.AKI,
  OID.KEY_USAGE,
  OID.BASIC_CONSTRAINTS,
  OID.EXT_KEY_USAGE,
  OID.SUBJECT_ALT_NAME,
  OID.CERT_POLICIES,
  OID.SUBJECT_DIRECTORY_ATTRIBUTES,
  OID.CRL_DISTRIBUTION_POINTS,
  OID.AIA
])

export const SIGNATURE_HASHES: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512'
}

export interface NameAttribute {
  oid: string
  type: string
  value: string
}

export interface KeyUsage {
  digitalSignature: boolean
  nonRepudiation: boolean
  keyEncipherment: boolean
  dataEncipherment: boolean
  keyAgreement: boolean
  keyCertSign: boolean
  cRLSign: boolean
}

export interface ParsedCertificate {
  der: Buffer
  x509: X509Certificate
  publicKey: KeyObject
  serialHex: string
  fingerprint256: string
  issuerRaw: Buffer
  subjectRaw: Buffer
  issuer: NameAttribute[]
  subject: NameAttribute[]
  notBefore: Date
  notAfter: Date
  skiHex: string | null
  akiHex: string | null
  basicConstraints: { cA: boolean; pathLen: number | null } | null
  keyUsage: KeyUsage | null
  nationalIdLast4: string | null
  unknownCriticalExtensions: string[]
}

export class CertificateParseError extends Error {
  override readonly name = 'CertificateParseError'
}

export function parseName(node: DerNode): NameAttribute[] {
  const out: NameAttribute[] = []
  for (const rdn of children(expect(node, TAG.SEQUENCE, 'Name'))) {
    for (const atv of children(expect(rdn, TAG.SET, 'RelativeDistinguishedName'))) {
      const [type, value] = children(expect(atv, TAG.SEQUENCE, 'AttributeTypeAndValue'))
      if (!type || !value) throw new DerError('bad AttributeTypeAndValue')
      const oid = decodeOid(type)
      out.push({ oid, type: SHORT_NAMES[oid] ?? oid, value: decodeString(value) })
    }
  }
  return out
}

export function formatName(attrs: NameAttribute[]): string {
  return attrs.map((a) => `${a.type}=${a.value}`).join(', ')
}

export function nameValue(attrs: NameAttribute[], oid: string): string | null {
  return attrs.find((a) => a.oid === oid)?.value ?? null
}

function parseKeyUsage(value: Buffer): KeyUsage {
  const { bytes } = bitStringBytes(parseDer(value))
  const bit = (n: number): boolean => (((bytes[Math.floor(n / 8)] ?? 0) >> (7 - (n % 8))) & 1) === 1
  return {
    digitalSignature: bit(0),
    nonRepudiation: bit(1),
    keyEncipherment: bit(2),
    dataEncipherment: bit(3),
    keyAgreement: bit(4),
    keyCertSign: bit(5),
    cRLSign: bit(6)
  }
}

function parseBasicConstraints(value: Buffer): { cA: boolean; pathLen: number | null } {
  let cA = false
  let pathLen: number | null = null
  for (const item of children(expect(parseDer(value), TAG.SEQUENCE, 'BasicConstraints'))) {
    if (item.tag === TAG.BOOLEAN) cA = item.content[0] !== 0
    else if (item.tag === TAG.INTEGER) pathLen = parseInt(integerHex(item), 16)
  }
  return { cA, pathLen }
}

function parseAki(value: Buffer): string | null {
  for (const item of children(expect(parseDer(value), TAG.SEQUENCE, 'AuthorityKeyIdentifier'))) {
    if (item.tag === 0x80) return item.content.toString('hex').toUpperCase()
  }
  return null
}

function parseNationalIdLast4(value: Buffer): string | null {
  for (const attr of children(expect(parseDer(value), TAG.SEQUENCE, 'SubjectDirectoryAttributes'))) {
    const [type, values] = children(expect(attr, TAG.SEQUENCE, 'Attribute'))
    if (!type || !values) continue
    if (decodeOid(type) !== OID.NATIONAL_ID_LAST4) continue
    const first = children(expect(values, TAG.SET, 'SET OF AttributeValue'))[0]
    return first ? decodeString(first) : null
  }
  return null
}

/** Parses a DER certificate. Throws CertificateParseError on any structural problem. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  try {
    const x509 = new X509Certificate(der)
    const [tbs] = children(expect(parseDer(der), TAG.SEQUENCE, 'Certificate'))
    const fields = children(expect(tbs, TAG.SEQUENCE, 'TBSCertificate'))
    let i = fields[0]?.tag === 0xa0 ? 1 : 0
    const serialHex = integerHex(fields[i++] as DerNode)
    i++ // signature AlgorithmIdentifier
    const issuerNode = expect(fields[i++], TAG.SEQUENCE, 'issuer')
    const validity = children(expect(fields[i++], TAG.SEQUENCE, 'Validity'))
    const subjectNode = expect(fields[i++], TAG.SEQUENCE, 'subject')
    const result: ParsedCertificate = {
      der,
      x509,
      publicKey: x509.publicKey,
      serialHex,
      fingerprint256: createHash('sha256').update(der).digest('hex').toUpperCase(),
      issuerRaw: issuerNode.raw,
      subjectRaw: subjectNode.raw,
      issuer: parseName(issuerNode),
      subject: parseName(subjectNode),
      notBefore: decodeTime(validity[0] as DerNode),
      notAfter: decodeTime(validity[1] as DerNode),
      skiHex: null,
      akiHex: null,
      basicConstraints: null,
      keyUsage: null,
      nationalIdLast4: null,
      unknownCriticalExtensions: []
    }
    const extWrapper = fields.find((f) => f.tag === 0xa3)
    const exts = extWrapper ? children(expect(children(extWrapper)[0], TAG.SEQUENCE, 'Extensions')) : []
    const seen = new Set<string>()
    for (const ext of exts) {
      const parts = children(expect(ext, TAG.SEQUENCE, 'Extension'))
      const oid = decodeOid(parts[0] as DerNode)
      if (seen.has(oid)) throw new CertificateParseError(`duplicate extension ${oid}`)
      seen.add(oid)
      const critical = parts[1]?.tag === TAG.BOOLEAN ? parts[1].content[0] !== 0 : false
      const value = expect(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue').content
      switch (oid) {
        case OID.SKI:
          result.skiHex = expect(parseDer(value), TAG.OCTET_STRING, 'SubjectKeyIdentifier')
            .content.toString('hex')
            .toUpperCase()
          break
        case OID.AKI:
          result.akiHex = parseAki(value)
          break
        case OID.KEY_USAGE:
          result.keyUsage = parseKeyUsage(value)
          break
        case OID.BASIC_CONSTRAINTS:
          result.basicConstraints = parseBasicConstraints(value)
          break
        case OID.SUBJECT_DIRECTORY_ATTRIBUTES:
          result.nationalIdLast4 = parseNationalIdLast4(value)
          break
        default:
          if (critical && !KNOWN_EXTENSIONS.has(oid)) result.unknownCriticalExtensions.push(oid)
      }
    }
    return result
  } catch (err) {
    if (err instanceof CertificateParseError) throw err
    throw new CertificateParseError(`cannot parse certificate: ${err instanceof Error ? err.message : String(err)}`)
  }
}

export function certificateFromPem(pem: string): ParsedCertificate {
  return parseCertificate(new X509Certificate(pem).raw)
}

export interface ParsedCrl {
  issuerRaw: Buffer
  issuer: NameAttribute[]
  akiHex: string | null
  thisUpdate: Date
  nextUpdate: Date | null
  /** Upper-case hex serial → revocation date. */
  revoked: Map<string, Date>
  tbsRaw: Buffer
  signatureHash: string | null
  signature: Buffer
}

/** Parses a DER CRL (v2). Its signature is checked separately with `crlSignedBy`. */
export function parseCrl(der: Buffer): ParsedCrl {
  const [tbs, sigAlg, sigValue] = children(expect(parseDer(der), TAG.SEQUENCE, 'CertificateList'))
  const fields = children(expect(tbs, TAG.SEQUENCE, 'TBSCertList'))
  let i = fields[0]?.tag === TAG.INTEGER ? 1 : 0
  i++ // signature AlgorithmIdentifier
  const issuerNode = expect(fields[i++], TAG.SEQUENCE, 'issuer')
  const thisUpdate = decodeTime(fields[i++] as DerNode)
  let nextUpdate: Date | null = null
  const maybeNext = fields[i]
  if (maybeNext && (maybeNext.tag === TAG.UTC_TIME || maybeNext.tag === TAG.GENERALIZED_TIME)) {
    nextUpdate = decodeTime(maybeNext)
    i++
  }
  const revoked = new Map<string, Date>()
  const maybeList = fields[i]
  if (maybeList && maybeList.tag === TAG.SEQUENCE) {
    for (const entry of children(maybeList)) {
      const [serial, date] = children(expect(entry, TAG.SEQUENCE, 'revokedCertificate'))
      revoked.set(integerHex(serial as DerNode), decodeTime(date as DerNode))
    }
    i++
  }
  let akiHex: string | null = null
  const maybeExts = fields[i]
  if (maybeExts && maybeExts.tag === 0xa0) {
    for (const ext of children(expect(children(maybeExts)[0], TAG.SEQUENCE, 'crlExtensions'))) {
      const parts = children(ext)
      if (decodeOid(parts[0] as DerNode) === OID.AKI) {
        akiHex = parseAki(expect(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue').content)
      }
    }
  }
  const algOid = decodeOid(children(expect(sigAlg, TAG.SEQUENCE, 'AlgorithmIdentifier'))[0] as DerNode)
  return {
    issuerRaw: issuerNode.raw,
    issuer: parseName(issuerNode),
    akiHex,
    thisUpdate,
    nextUpdate,
    revoked,
    tbsRaw: (tbs as DerNode).raw,
    signatureHash: SIGNATURE_HASHES[algOid] ?? null,
    signature: bitStringBytes(sigValue as DerNode).bytes
  }
}

/** PEM or DER input → DER buffers of every block of the given label. */
export function pemBlocks(input: Buffer, label: string): Buffer[] {
  const text = input.toString('latin1')
  if (!text.includes('-----BEGIN')) return [input]
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g')
  return [...text.matchAll(re)].map((m) => Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'))
}

export function crlSignedBy(crl: ParsedCrl, ca: ParsedCertificate): boolean {
  if (!crl.signatureHash || !crl.issuerRaw.equals(ca.subjectRaw)) return false
  if (crl.akiHex && ca.skiHex && crl.akiHex !== ca.skiHex) return false
  try {
    return cryptoVerify(crl.signatureHash, crl.tbsRaw, ca.publicKey, crl.signature)
  } catch {
    return false
  }
}
