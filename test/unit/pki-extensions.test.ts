import { generateKeyPairSync } from 'node:crypto'
import forge from 'node-forge'
import { describe, expect, it } from 'vitest'
import { encodeOid, encodeTlv, seq, TAG } from '../../src/main/pki/der'
import { validatePathStrict } from '../../src/main/pki/path-validation'
import { parseStrictCertificate } from '../../src/main/pki/x509-strict'

// RFC 5280 rules PKITS' DSA-free sections do not reach: name constraints (§4.2.1.10), AKI / SKI /
// AIA never critical (§4.2.1.1, §4.2.1.2, §4.2.2.1), keyCertSign only with cA (§4.2.1.3).

type Ext = { id?: string; name?: string; critical?: boolean; value?: string; [k: string]: unknown }
const keys = (): { pub: forge.pki.rsa.PublicKey; priv: forge.pki.rsa.PrivateKey } => {
  const k = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' }
  })
  return { pub: forge.pki.publicKeyFromPem(k.publicKey), priv: forge.pki.privateKeyFromPem(k.privateKey) }
}
let n = 1
function cert(
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  pub: forge.pki.rsa.PublicKey,
  signer: forge.pki.rsa.PrivateKey,
  exts: Ext[]
): Buffer {
  const c = forge.pki.createCertificate()
  c.serialNumber = (n++).toString(16).padStart(4, '0')
  c.publicKey = pub
  c.validity.notBefore = new Date(Date.now() - 86_400_000)
  c.validity.notAfter = new Date(Date.now() + 30 * 86_400_000)
  c.setSubject(subject)
  c.setIssuer(issuer)
  c.setExtensions(exts)
  c.sign(signer, forge.md.sha256.create())
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(c)).getBytes(), 'binary')
}
const CA: Ext[] = [
  { name: 'basicConstraints', critical: true, cA: true },
  { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true }
]
const EE: Ext[] = [{ name: 'keyUsage', critical: true, digitalSignature: true }]
const dn = (o: string, cn: string): forge.pki.CertificateField[] => [
  { shortName: 'C', value: 'TW' },
  { shortName: 'O', value: o },
  { shortName: 'CN', value: cn }
]
const bin = (b: Buffer): string => b.toString('binary')

function verdict(leaf: Buffer, anchor: Buffer, intermediates: Buffer[] = []): { valid: boolean; reason?: string } {
  const r = validatePathStrict({
    leaf: parseStrictCertificate(leaf),
    anchors: [parseStrictCertificate(anchor)],
    intermediates: intermediates.map(parseStrictCertificate),
    crls: [],
    at: new Date()
  })
  return { valid: r.valid, ...(r.reason ? { reason: r.reason } : {}) }
}

describe('RFC 5280 extension rules', () => {
  const root = keys()
  const rootDn = dn('Root Org', 'Root')
  const rootDer = cert(rootDn, rootDn, root.pub, root.priv, CA)

  it('name constraints: a permitted directory subtree and an excluded DNS name', () => {
    const ca = keys()
    // permittedSubtrees: directoryName C=TW, O=Good Org; excludedSubtrees: dNSName bad.example
    const base = Buffer.from(
      forge.asn1
        .toDer(
          forge.pki.distinguishedNameToAsn1({
            attributes: [
              { shortName: 'C', value: 'TW', type: '2.5.4.6', valueTagClass: 19 },
              { shortName: 'O', value: 'Good Org', type: '2.5.4.10', valueTagClass: 19 }
            ]
          } as unknown as forge.pki.Certificate['subject'])
        )
        .getBytes(),
      'binary'
    )
    const nc = seq(
      encodeTlv(0xa0, seq(encodeTlv(0xa4, base))),
      encodeTlv(0xa1, seq(encodeTlv(0x82, Buffer.from('bad.example'))))
    )
    const caDn = dn('Root Org', 'Constrained CA')
    const caDer = cert(caDn, rootDn, ca.pub, root.priv, [...CA, { id: '2.5.29.30', critical: true, value: bin(nc) }])
    const inside = cert(dn('Good Org', 'Alice'), caDn, keys().pub, ca.priv, EE)
    const outside = cert(dn('Other Org', 'Mallory'), caDn, keys().pub, ca.priv, EE)
    const excluded = cert(dn('Good Org', 'Bob'), caDn, keys().pub, ca.priv, [
      ...EE,
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'www.bad.example' }] }
    ])
    expect(verdict(inside, rootDer, [caDer])).toEqual({ valid: true })
    expect(verdict(outside, rootDer, [caDer])).toEqual({ valid: false, reason: 'name-constraints' })
    expect(verdict(excluded, rootDer, [caDer])).toEqual({ valid: false, reason: 'name-constraints' })
  })

  it('a critical authorityKeyIdentifier, subjectKeyIdentifier or authorityInfoAccess is refused', () => {
    const ski = encodeTlv(TAG.OCTET_STRING, Buffer.alloc(20, 7))
    const aki = seq(encodeTlv(0x80, Buffer.alloc(20, 8)))
    const aia = seq(seq(encodeOid('1.3.6.1.5.5.7.48.1'), encodeTlv(0x86, Buffer.from('http://ocsp.example/'))))
    for (const [id, value] of [
      ['2.5.29.14', ski],
      ['2.5.29.35', aki],
      ['1.3.6.1.5.5.7.1.1', aia]
    ] as const) {
      const leaf = cert(dn('Root Org', `Critical ${id}`), rootDn, keys().pub, root.priv, [
        ...EE,
        { id, critical: true, value: bin(value) }
      ])
      expect({ id, ...verdict(leaf, rootDer) }).toEqual({ id, valid: false, reason: 'invalid-extension' })
      const fine = cert(dn('Root Org', `Non-critical ${id}`), rootDn, keys().pub, root.priv, [
        ...EE,
        { id, critical: false, value: bin(value) }
      ])
      expect({ id, ...verdict(fine, rootDer) }).toEqual({ id, valid: true })
    }
  })

  it('an end entity that is not a CA must not assert keyCertSign', () => {
    const leaf = cert(dn('Root Org', 'Signer'), rootDn, keys().pub, root.priv, [
      { name: 'keyUsage', critical: true, digitalSignature: true, keyCertSign: true }
    ])
    expect(verdict(leaf, rootDer)).toEqual({ valid: false, reason: 'key-usage' })
  })
})
