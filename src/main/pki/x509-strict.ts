import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { children, decodeOid, decodeTime, DerError, expectTag, parseDer, seq, TAG, type Tlv } from './der'

// Certificates and CRLs parsed exactly as RFC 5280 lays them out, for strict path validation
// (verify-cert, revocation). node-forge stays in use for the card's own certificates; it cannot
// parse DSA/EC keys and re-encodes what it verifies, which a conformance suite would catch.

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
  dsa: '1.2.840.10040.4.1'
} as const

/** Extensions this validator understands or may safely leave to others when critical. */
const KNOWN_CERT_EXTENSIONS = new Set([
  OID.basicConstraints, OID.keyUsage, OID.subjectKeyIdentifier, OID.authorityKeyIdentifier, OID.crlDistributionPoints,
  OID.authorityInfoAccess, '2.5.29.9', '2.5.29.17', '2.5.29.18', '2.5.29.37', '2.5.29.32', '2.5.29.33', '2.5.29.36',
  '2.5.29.54', '2.5.29.46'
])
const KNOWN_CRL_EXTENSIONS = new Set([OID.authorityKeyIdentifier, OID.crlNumber, OID.issuingDistributionPoint, OID.deltaCrlIndicator, '2.5.29.18', '2.5.29.46'])
const KNOWN_CRL_ENTRY_EXTENSIONS = new Set([OID.crlReason, OID.invalidityDate, '2.5.29.29'])

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
  text: string
}

export interface StrictCertificate {
  der: Buffer
  tbs: Buffer
  version: number
  serialHex: string
  signatureAlgorithm: string
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
}

export type KeyUsageBit =
  | 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement'
  | 'keyCertSign' | 'cRLSign' | 'encipherOnly' | 'decipherOnly'
const KEY_USAGE_BITS: KeyUsageBit[] = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly']

export interface CrlEntry {
  serialHex: string
  revokedAt: Date
  reason: number | null
  unknownCriticalExtension: string | null
}

export interface StrictCrl {
  der: Buffer
  tbs: Buffer
  signatureAlgorithm: string
  signature: Buffer
  issuer: Name
  thisUpdate: Date
  nextUpdate: Date | null
  entries: CrlEntry[]
  extensions: Extension[]
  aki: string | null
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

const SHORT: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.5': 'serialNumber', '0.9.2342.19200300.100.1.25': 'DC' }

export function parseName(tlv: Tlv): Name {
  expectTag(tlv, TAG.SEQUENCE, 'Name')
  const rdnKeys: string[] = []
  const texts: string[] = []
  for (const rdn of children(tlv)) {
    expectTag(rdn, TAG.SET, 'RelativeDistinguishedName')
    const attrs = children(rdn).map((atv) => {
      const [type, value] = children(expectTag(atv, TAG.SEQUENCE, 'AttributeTypeAndValue'))
      if (!type || !value) throw new DerError('truncated AttributeTypeAndValue')
      const oid = decodeOid(type)
      const str = decodeString(value)
      // Strings compare case-insensitively (RFC 5280 §7.1); anything else byte for byte.
      const key = `${oid}=${str !== null ? `s:${prepString(str)}` : `b:${value.raw.toString('hex')}`}`
      texts.push(`${SHORT[oid] ?? oid}=${str ?? `#${value.raw.toString('hex')}`}`)
      return key
    })
    rdnKeys.push(attrs.sort().join('+'))
  }
  return { raw: tlv.raw, key: rdnKeys.join(','), text: texts.join(', ') }
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

function intValue(tlv: Tlv): number {
  const b = expectTag(tlv, TAG.INTEGER, 'INTEGER').value
  if (b.length > 6 || ((b[0] ?? 0) & 0x80)) throw new DerError('INTEGER out of range')
  return b.reduce((n, x) => n * 256 + x, 0)
}

function parseBasicConstraints(value: Buffer): { ca: boolean; pathLen: number | null } {
  const parts = children(parseDer(value))
  let ca = false
  let pathLen: number | null = null
  for (const p of parts) {
    if (p.tag === TAG.BOOLEAN) ca = p.value[0] !== 0
    else if (p.tag === TAG.INTEGER) pathLen = intValue(p)
  }
  return { ca, pathLen }
}

function parseKeyUsage(value: Buffer): Set<KeyUsageBit> {
  const bits = expectTag(parseDer(value), TAG.BIT_STRING, 'KeyUsage').value
  const out = new Set<KeyUsageBit>()
  KEY_USAGE_BITS.forEach((name, i) => {
    const byte = bits[1 + (i >> 3)] ?? 0
    if (byte & (0x80 >> (i & 7))) out.add(name)
  })
  return out
}

function parseAkiKeyId(value: Buffer): string | null {
  const keyId = children(parseDer(value)).find((p) => p.tag === 0x80)
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
    return method && location && decodeOid(method) === OID.ocsp && location.tag === 0x86 ? [location.value.toString('latin1')] : []
  })
}

/** INTEGER content as canonical hex (sign byte kept: negative serials stay distinct). */
function serialHex(tlv: Tlv): string {
  return expectTag(tlv, TAG.INTEGER, 'serialNumber').value.toString('hex').toUpperCase()
}

function parseAlgorithm(tlv: Tlv | undefined): string {
  const [oid] = children(expectTag(tlv, TAG.SEQUENCE, 'AlgorithmIdentifier'))
  return decodeOid(oid as Tlv)
}

function signatureBits(tlv: Tlv | undefined): Buffer {
  const v = expectTag(tlv, TAG.BIT_STRING, 'signature').value
  if (v[0] !== 0) throw new DerError('signature BIT STRING with unused bits')
  return v.subarray(1)
}

export function parseStrictCertificate(der: Buffer): StrictCertificate {
  const top = parseDer(der)
  const [tbsTlv, algTlv, sigTlv, ...extra] = children(expectTag(top, TAG.SEQUENCE, 'Certificate'))
  if (!tbsTlv || extra.length) throw new DerError('Certificate must have three parts')
  const fields = children(expectTag(tbsTlv, TAG.SEQUENCE, 'TBSCertificate'))
  let i = 0
  let version = 1
  if (fields[0]?.tag === 0xa0) {
    version = intValue(children(fields[0])[0] as Tlv) + 1
    i = 1
  }
  const serial = fields[i++] as Tlv
  const tbsAlg = fields[i++] as Tlv
  const issuer = parseName(fields[i++] as Tlv)
  const validity = children(expectTag(fields[i++], TAG.SEQUENCE, 'Validity'))
  const subject = parseName(fields[i++] as Tlv)
  const spki = expectTag(fields[i++], TAG.SEQUENCE, 'SubjectPublicKeyInfo').raw
  const extTlv = fields.slice(i).find((f) => f.tag === 0xa3)
  const extensions = extTlv ? parseExtensions(children(extTlv)[0]) : []
  if (extensions.length && version !== 3) throw new DerError('extensions in a non-v3 certificate')
  const ext = (oid: string): Extension | undefined => extensions.find((e) => e.oid === oid)
  const bc = ext(OID.basicConstraints)
  const ku = ext(OID.keyUsage)
  const ski = ext(OID.subjectKeyIdentifier)
  const aki = ext(OID.authorityKeyIdentifier)
  const cdp = ext(OID.crlDistributionPoints)
  const aia = ext(OID.authorityInfoAccess)
  return {
    der,
    tbs: tbsTlv.raw,
    version,
    serialHex: serialHex(serial),
    signatureAlgorithm: parseAlgorithm(algTlv),
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
    ocspUrls: aia ? ocspUrls(aia.value) : []
  }
}

export function unknownCriticalExtension(cert: StrictCertificate): string | null {
  return cert.extensions.find((e) => e.critical && !KNOWN_CERT_EXTENSIONS.has(e.oid))?.oid ?? null
}

export function parseStrictCrl(der: Buffer): StrictCrl {
  const [tbsTlv, algTlv, sigTlv] = children(expectTag(parseDer(der), TAG.SEQUENCE, 'CertificateList'))
  if (!tbsTlv) throw new DerError('empty CRL')
  const f = children(expectTag(tbsTlv, TAG.SEQUENCE, 'TBSCertList'))
  let i = f[0]?.tag === TAG.INTEGER ? 1 : 0
  i++ // signature AlgorithmIdentifier
  const issuer = parseName(f[i++] as Tlv)
  const thisUpdate = decodeTime(f[i++] as Tlv)
  let nextUpdate: Date | null = null
  if (f[i] && (f[i]?.tag === TAG.UTC_TIME || f[i]?.tag === TAG.GENERALIZED_TIME)) nextUpdate = decodeTime(f[i++] as Tlv)
  const entries: CrlEntry[] = []
  if (f[i]?.tag === TAG.SEQUENCE) {
    for (const e of children(f[i++] as Tlv)) {
      const [serial, date, extTlv] = children(e)
      const exts = parseExtensions(extTlv)
      const reasonExt = exts.find((x) => x.oid === OID.crlReason)
      entries.push({
        serialHex: serialHex(serial as Tlv),
        revokedAt: decodeTime(date as Tlv),
        reason: reasonExt ? (parseDer(reasonExt.value).value[0] ?? 0) : null,
        unknownCriticalExtension: exts.find((x) => x.critical && !KNOWN_CRL_ENTRY_EXTENSIONS.has(x.oid))?.oid ?? null
      })
    }
  }
  const extTlv = f.slice(i).find((x) => x.tag === 0xa0)
  const extensions = extTlv ? parseExtensions(children(extTlv)[0]) : []
  const aki = extensions.find((e) => e.oid === OID.authorityKeyIdentifier)
  return {
    der,
    tbs: tbsTlv.raw,
    signatureAlgorithm: parseAlgorithm(algTlv),
    signature: signatureBits(sigTlv),
    issuer,
    thisUpdate,
    nextUpdate,
    entries,
    extensions,
    aki: aki ? parseAkiKeyId(aki.value) : null,
    unknownCriticalExtension: extensions.find((e) => e.critical && !KNOWN_CRL_EXTENSIONS.has(e.oid))?.oid ?? null
  }
}

/**
 * The issuer's public key as a KeyObject. A DSA key without parameters inherits them from the
 * next key up the path (RFC 5280 §6.1.4 (f)), passed as `inheritedDsaParams`.
 */
export function publicKeyOf(spki: Buffer, inheritedDsaParams: Buffer | null): { key: KeyObject; dsaParams: Buffer | null } {
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

/** Verifies a signature made with `algorithmOid` over `data`; false for any failure or unknown algorithm. */
export function verifySignature(algorithmOid: string, data: Buffer, signature: Buffer, key: KeyObject): boolean {
  if (!(algorithmOid in SIGNATURE_HASHES)) return false
  try {
    return cryptoVerify(SIGNATURE_HASHES[algorithmOid] ?? null, data, key, signature)
  } catch {
    return false
  }
}

/** Accepts PEM (any label) or DER; returns every DER object found. */
export function readDerObjects(input: Buffer): Buffer[] {
  const text = input.toString('latin1')
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)]
  if (blocks.length) return blocks.map((m) => Buffer.from((m[2] ?? '').replace(/\s+/g, ''), 'base64'))
  return [input]
}


