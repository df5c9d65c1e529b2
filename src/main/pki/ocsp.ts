import { createHash, randomBytes } from 'node:crypto'
import forge from 'node-forge'
import { children, decodeOid, decodeTime, expectTag, parseDer, TAG, type Tlv } from './der'
import { parseStrictCertificate, publicKeyOf, verifySignature, type StrictCertificate } from './x509-strict'

// RFC 6960 OCSP for one certificate: the request is built with forge.asn1 (SHA-1 CertID, as
// MOICA's responder expects, plus an RFC 8954 nonce); the response is parsed on exact bytes and
// its signature checked against the issuer or a responder certificate the issuer delegated to.

const OID_SHA1 = '1.3.14.3.2.26'
const OID_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1'
const OID_OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2'
const OID_KP_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9'
const OID_EXT_KEY_USAGE = '2.5.29.37'
/** Clock skew tolerated between us and the responder. */
const SKEW_MS = 5 * 60_000

export type OcspStatus =
  | { status: 'good' | 'unknown'; nextUpdate: Date | null }
  | { status: 'revoked'; revokedAt: Date; nextUpdate: Date | null }

export class OcspError extends Error {
  override readonly name = 'OcspError'
}

/** The subjectPublicKey BIT STRING contents without the unused-bits byte (what issuerKeyHash hashes). */
function publicKeyBits(cert: StrictCertificate): Buffer {
  const [, bits] = children(parseDer(cert.spki))
  return expectTag(bits, TAG.BIT_STRING, 'subjectPublicKey').value.subarray(1)
}

function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest()
}

const { asn1 } = forge
const bin = (b: Buffer): string => b.toString('binary')

export interface OcspRequest {
  der: Buffer
  nonce: Buffer
  nameHash: Buffer
  keyHash: Buffer
  serialHex: string
}

export function buildOcspRequest(leaf: StrictCertificate, issuer: StrictCertificate): OcspRequest {
  const nameHash = sha1(issuer.subject.raw)
  const keyHash = sha1(publicKeyBits(issuer))
  const serial = Buffer.from(leaf.serialHex, 'hex')
  const nonceValue = randomBytes(32)
  // extnValue of the nonce extension = DER OCTET STRING(nonce) (RFC 8954).
  const nonceExtValue = Buffer.from(
    asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bin(nonceValue))).getBytes(),
    'binary'
  )
  const certId = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID_SHA1).getBytes()),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')
    ]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bin(nameHash)),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bin(keyHash)),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, bin(serial))
  ])
  const request = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [certId])
      ]),
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
          asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
            asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID_OCSP_NONCE).getBytes()),
            asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bin(nonceExtValue))
          ])
        ])
      ])
    ])
  ])
  return {
    der: Buffer.from(asn1.toDer(request).getBytes(), 'binary'),
    nonce: nonceExtValue,
    nameHash,
    keyHash,
    serialHex: leaf.serialHex
  }
}

function isDelegatedResponder(cert: StrictCertificate, issuer: StrictCertificate): boolean {
  if (cert.issuer.key !== issuer.subject.key) return false
  const eku = cert.extensions.find((e) => e.oid === OID_EXT_KEY_USAGE)
  if (!eku) return false
  const purposes = children(parseDer(eku.value)).map(decodeOid)
  if (!purposes.includes(OID_KP_OCSP_SIGNING)) return false
  return verifySignature(cert.signatureAlgorithmId, cert.tbs, cert.signature, publicKeyOf(issuer.spki, null).key)
}

/** Parses and verifies an OCSPResponse for `req`; throws OcspError when it cannot be relied on. */
export function parseOcspResponse(der: Buffer, req: OcspRequest, issuer: StrictCertificate, now: Date): OcspStatus {
  const [statusTlv, bytesTlv] = children(expectTag(parseDer(der), TAG.SEQUENCE, 'OCSPResponse'))
  const status = expectTag(statusTlv, TAG.ENUMERATED, 'responseStatus').value[0]
  if (status !== 0) throw new OcspError(`responder status ${status}`)
  if (!bytesTlv) throw new OcspError('no responseBytes')
  const [typeTlv, octets] = children(expectTag(children(bytesTlv)[0], TAG.SEQUENCE, 'ResponseBytes'))
  if (decodeOid(typeTlv as Tlv) !== OID_OCSP_BASIC) throw new OcspError('not a basic OCSP response')
  const [tbs, algTlv, sigTlv, certsTlv] = children(
    expectTag(parseDer(expectTag(octets, TAG.OCTET_STRING, 'response').value), TAG.SEQUENCE, 'BasicOCSPResponse')
  )
  if (!tbs || !algTlv || !sigTlv) throw new OcspError('truncated BasicOCSPResponse')
  const algorithm = decodeOid(children(algTlv)[0] as Tlv)
  const signature = expectTag(sigTlv, TAG.BIT_STRING, 'signature').value.subarray(1)

  // Who signed: the issuer itself, or a responder certificate it issued for OCSP signing.
  const signers: StrictCertificate[] = [issuer]
  if (certsTlv?.tag === 0xa0) {
    for (const c of children(children(certsTlv)[0] as Tlv)) {
      try {
        const cert = parseStrictCertificate(c.raw)
        if (isDelegatedResponder(cert, issuer) && now >= cert.notBefore && now <= cert.notAfter) signers.push(cert)
      } catch {
        // an unparsable extra certificate cannot be a signer
      }
    }
  }
  if (!signers.some((s) => verifySignature(algorithm, tbs.raw, signature, publicKeyOf(s.spki, null).key))) {
    throw new OcspError('response signature does not verify with the issuer or a delegated responder')
  }

  const fields = children(tbs)
  let i = fields[0]?.tag === 0xa0 ? 1 : 0
  i++ // responderID
  i++ // producedAt
  const responses = children(expectTag(fields[i++], TAG.SEQUENCE, 'responses'))
  const ext = fields.slice(i).find((f) => f.tag === 0xa1)
  if (ext) {
    for (const e of children(children(ext)[0] as Tlv)) {
      const parts = children(e)
      if (
        decodeOid(parts[0] as Tlv) === OID_OCSP_NONCE &&
        !expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'nonce').value.equals(req.nonce)
      ) {
        throw new OcspError('nonce mismatch (replayed response?)')
      }
    }
  }
  for (const single of responses) {
    const [certId, certStatus, thisUpdateTlv, ...rest] = children(single)
    const [, nameHash, keyHash, serial] = children(certId as Tlv)
    if (
      !expectTag(nameHash, TAG.OCTET_STRING, 'issuerNameHash').value.equals(req.nameHash) ||
      !expectTag(keyHash, TAG.OCTET_STRING, 'issuerKeyHash').value.equals(req.keyHash) ||
      expectTag(serial, TAG.INTEGER, 'serialNumber').value.toString('hex').toUpperCase() !== req.serialHex
    )
      continue
    const thisUpdate = decodeTime(thisUpdateTlv as Tlv)
    const nextTlv = rest.find((r) => r.tag === 0xa0)
    const nextUpdate = nextTlv ? decodeTime(children(nextTlv)[0] as Tlv) : null
    if (thisUpdate.getTime() > now.getTime() + SKEW_MS) throw new OcspError('response from the future')
    if (nextUpdate && nextUpdate.getTime() < now.getTime() - SKEW_MS) throw new OcspError('stale response')
    const tag = (certStatus as Tlv).tag
    if (tag === 0x80) return { status: 'good', nextUpdate }
    if (tag === 0xa1)
      return { status: 'revoked', revokedAt: decodeTime(children(certStatus as Tlv)[0] as Tlv), nextUpdate }
    return { status: 'unknown', nextUpdate }
  }
  throw new OcspError('no answer for this certificate')
}
