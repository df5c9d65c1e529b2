// OCSP responder (RFC 6960) for the test PKI: answers from the configured CRL of the issuer,
// signs with the issuing CA's own key (CA-signed responses), echoes the request nonce.
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { children, decodeOid, expect, integerHex, parseDer, TAG, type DerNode } from './asn1'
import type { TrustStore } from './certs'
import { bitString, enumerated, explicit, generalizedTime, nullValue, octets, oid, seq, tlv } from './der-writer'
import { certificateFromPem, type ParsedCertificate } from './x509'

const OID_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1'
const OID_OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2'
const OID_SHA256_RSA = '1.2.840.113549.1.1.11'
const HASHES: Record<string, string> = { '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256' }

export const OCSP_STATUS = { successful: 0, malformedRequest: 1, internalError: 2, unauthorized: 6 } as const

export interface OcspResponder {
  issuer: ParsedCertificate
  key: KeyObject
}

export function loadOcspResponder(issuerCertPath: string, issuerKeyPath: string): OcspResponder {
  return {
    issuer: certificateFromPem(readFileSync(issuerCertPath, 'utf8')),
    key: createPrivateKey(readFileSync(issuerKeyPath))
  }
}

/** Raw subjectPublicKey bits of a certificate (what issuerKeyHash / responder KeyHash hash). */
function publicKeyBits(cert: ParsedCertificate): Buffer {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' })
  const [, bits] = children(parseDer(spki))
  return (bits as DerNode).content.subarray(1)
}

export function errorResponse(status: number): Buffer {
  return seq(enumerated(status))
}

interface ParsedRequest {
  certIds: { raw: Buffer; hash: string | null; nameHash: Buffer; keyHash: Buffer; serialHex: string }[]
  nonce: Buffer | null
}

function parseRequest(der: Buffer): ParsedRequest {
  const [tbs] = children(expect(parseDer(der), TAG.SEQUENCE, 'OCSPRequest'))
  const fields = children(expect(tbs, TAG.SEQUENCE, 'TBSRequest'))
  const list = fields.find((f) => f.tag === TAG.SEQUENCE)
  if (!list) throw new Error('no requestList')
  const certIds = children(list).map((req) => {
    const certId = expect(children(req)[0], TAG.SEQUENCE, 'CertID')
    const [alg, nameHash, keyHash, serial] = children(certId)
    const algOid = decodeOid(children(alg as DerNode)[0] as DerNode)
    return {
      raw: certId.raw,
      hash: HASHES[algOid] ?? null,
      nameHash: expect(nameHash, TAG.OCTET_STRING, 'issuerNameHash').content,
      keyHash: expect(keyHash, TAG.OCTET_STRING, 'issuerKeyHash').content,
      serialHex: integerHex(serial as DerNode)
    }
  })
  let nonce: Buffer | null = null
  const extWrapper = fields.find((f) => f.tag === 0xa2)
  if (extWrapper) {
    for (const ext of children(children(extWrapper)[0] as DerNode)) {
      const parts = children(ext)
      if (decodeOid(parts[0] as DerNode) === OID_OCSP_NONCE) nonce = (parts[parts.length - 1] as DerNode).content
    }
  }
  if (certIds.length === 0) throw new Error('empty requestList')
  return { certIds, nonce }
}

/** Builds the DER OCSPResponse for a DER OCSPRequest. */
export function respond(responder: OcspResponder | null, trust: TrustStore, requestDer: Buffer, now: Date): Buffer {
  if (!responder) return errorResponse(OCSP_STATUS.unauthorized)
  let req: ParsedRequest
  try {
    req = parseRequest(requestDer)
  } catch {
    return errorResponse(OCSP_STATUS.malformedRequest)
  }
  const issuerKeyBits = publicKeyBits(responder.issuer)
  const crl = responder.issuer.skiHex ? trust.crls.get(responder.issuer.skiHex)?.crl : undefined
  const thisUpdate = crl?.thisUpdate ?? now
  const nextUpdate = crl?.nextUpdate ?? new Date(now.getTime() + 86_400_000)
  const singles = req.certIds.map((id) => {
    let status: Buffer
    const ours =
      id.hash !== null &&
      createHash(id.hash).update(responder.issuer.subjectRaw).digest().equals(id.nameHash) &&
      createHash(id.hash).update(issuerKeyBits).digest().equals(id.keyHash)
    const revokedAt = crl?.revoked.get(id.serialHex)
    if (!ours || !crl)
      status = Buffer.from([0x82, 0x00]) // unknown
    else if (revokedAt && revokedAt <= now) status = tlv(0xa1, generalizedTime(revokedAt))
    else status = Buffer.from([0x80, 0x00]) // good
    return seq(id.raw, status, generalizedTime(thisUpdate), explicit(0, generalizedTime(nextUpdate)))
  })
  const responderKeyHash = createHash('sha1').update(issuerKeyBits).digest()
  const extensions = req.nonce ? [explicit(1, seq(seq(oid(OID_OCSP_NONCE), octets(req.nonce))))] : []
  const tbs = seq(explicit(2, octets(responderKeyHash)), generalizedTime(now), seq(...singles), ...extensions)
  const signature = sign('sha256', tbs, responder.key)
  const basic = seq(
    tbs,
    seq(oid(OID_SHA256_RSA), nullValue()),
    bitString(signature),
    explicit(0, seq(responder.issuer.der))
  )
  return seq(enumerated(OCSP_STATUS.successful), explicit(0, seq(oid(OID_OCSP_BASIC), octets(basic))))
}
