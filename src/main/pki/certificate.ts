import forge from 'node-forge'

// X.509 parsing on node-forge, plus the two extensions forge leaves opaque: the Authority Key
// Identifier (chains are built by key id because real GRCA/MOICA generations share DNs) and
// MOICA's Subject Directory Attributes carrying the national ID's last four digits.

export const OID_SUBJECT_DIRECTORY_ATTRIBUTES = '2.5.29.9'
export const OID_ID_LAST_FOUR = '2.16.886.1.100.2.51'

export interface ParsedCertificate {
  cert: forge.pki.Certificate
  der: Buffer
  subjectName: string
  cardSerial: string
  issuerName: string
  subjectDn: string
  issuerDn: string
  serialHex: string
  notBefore: Date
  notAfter: Date
  ski: string | null
  aki: string | null
  isCa: boolean
  keyUsage: { digitalSignature: boolean; keyEncipherment: boolean; keyCertSign: boolean; cRLSign: boolean } | null
  idLast4: string | null
}

type Ext = { id?: string; name?: string; value?: string; [k: string]: unknown }

export function toDer(input: Buffer | string): Buffer {
  const text = typeof input === 'string' ? input : input.toString('latin1')
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    const b64 = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '')
    return Buffer.from(b64, 'base64')
  }
  return typeof input === 'string' ? Buffer.from(input, 'latin1') : input
}

/** Splits a PEM bundle (or returns the single DER) into DER certificates. */
export function splitCertificates(input: Buffer | string): Buffer[] {
  const text = typeof input === 'string' ? input : input.toString('latin1')
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)
  return blocks ? blocks.map((b) => toDer(b)) : [toDer(input)]
}

function decodeUtf8(value: unknown): string {
  if (typeof value !== 'string') return ''
  try {
    return forge.util.decodeUtf8(value)
  } catch {
    return value // not UTF-8 (PrintableString etc. are ASCII anyway)
  }
}

function attrValue(attrs: forge.pki.CertificateField[], shortName: string): string {
  const attr = attrs.find((a) => a.shortName === shortName || a.name === shortName)
  return attr ? decodeUtf8(attr.value) : ''
}

function dnString(attrs: forge.pki.CertificateField[]): string {
  return attrs.map((a) => `${a.shortName ?? a.type}=${decodeUtf8(a.value)}`).join(', ')
}

function readAki(ext: Ext | undefined): string | null {
  if (!ext?.value) return null
  const seq = forge.asn1.fromDer(ext.value)
  const parts = Array.isArray(seq.value) ? seq.value : []
  const keyId = parts.find((p) => p.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && p.type === 0)
  return keyId && typeof keyId.value === 'string' ? forge.util.bytesToHex(keyId.value) : null
}

function readIdLast4(ext: Ext | undefined): string | null {
  if (!ext?.value) return null
  const attrs = forge.asn1.fromDer(ext.value)
  for (const attr of Array.isArray(attrs.value) ? attrs.value : []) {
    const [oid, set] = Array.isArray(attr.value) ? attr.value : []
    if (!oid || typeof oid.value !== 'string' || forge.asn1.derToOid(oid.value) !== OID_ID_LAST_FOUR) continue
    const first = Array.isArray(set?.value) ? set.value[0] : undefined
    if (first && typeof first.value === 'string') return first.value
  }
  return null
}

export function parseCertificate(input: Buffer | string): ParsedCertificate {
  const der = toDer(input)
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString('binary')))
  const exts = cert.extensions as Ext[]
  const find = (name: string, id: string): Ext | undefined => exts.find((e) => e.name === name || e.id === id)
  const ku = find('keyUsage', '2.5.29.15')
  const bc = find('basicConstraints', '2.5.29.19')
  const ski = find('subjectKeyIdentifier', '2.5.29.14')
  return {
    cert,
    der,
    subjectName: attrValue(cert.subject.attributes, 'CN') || attrValue(cert.subject.attributes, 'OU'),
    cardSerial: attrValue(cert.subject.attributes, 'serialNumber'),
    issuerName: attrValue(cert.issuer.attributes, 'CN') || attrValue(cert.issuer.attributes, 'OU'),
    subjectDn: dnString(cert.subject.attributes),
    issuerDn: dnString(cert.issuer.attributes),
    serialHex: cert.serialNumber.toUpperCase(),
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    ski: typeof ski?.subjectKeyIdentifier === 'string' ? ski.subjectKeyIdentifier.toLowerCase() : null,
    aki: readAki(find('authorityKeyIdentifier', '2.5.29.35'))?.toLowerCase() ?? null,
    isCa: bc?.cA === true,
    keyUsage: ku
      ? {
          digitalSignature: ku.digitalSignature === true,
          keyEncipherment: ku.keyEncipherment === true,
          keyCertSign: ku.keyCertSign === true,
          cRLSign: ku.cRLSign === true
        }
      : null,
    idLast4: readIdLast4(find('subjectDirectoryAttributes', OID_SUBJECT_DIRECTORY_ATTRIBUTES))
  }
}
