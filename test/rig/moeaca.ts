import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import forge from 'node-forge'
import type { IssuedCitizen, TestPki } from '../../server-mock/test-pki'

// A TEST "MOEACA" (經濟部工商憑證管理中心, the business-certificate CA) under the TEST GRCA root, and
// a card certificate pair it issued with the citizen-card profile: a certificate from another
// CA under GRCA, which the client must refuse as not a citizen certificate (issue 12).

const DAY = 86_400_000
const UTF8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class
// Same encoding as test/rig/pki.ts's TEST GRCA name (UTF8String), so names chain byte for byte.
const ROOT_DN = (): forge.pki.CertificateField[] => [
  { shortName: 'C', value: 'TW' },
  { shortName: 'O', value: '行政院', valueTagClass: UTF8 },
  { shortName: 'CN', value: 'TEST Government Root Certification Authority', valueTagClass: UTF8 }
]
const MOEACA_DN = (): forge.pki.CertificateField[] => [
  { shortName: 'C', value: 'TW' },
  { shortName: 'O', value: '行政院', valueTagClass: UTF8 },
  { shortName: 'OU', value: 'TEST 經濟部工商憑證管理中心', valueTagClass: UTF8 }
]

function rsa(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' }
  })
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    privatePem: privateKey
  }
}

function serial(): string {
  return `01${randomBytes(15).toString('hex')}`
}

function derOf(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary')
}

export interface MoeacaMaterial {
  caCertPem: string
  caCertPath: string
  citizen: IssuedCitizen
}

/** Issues TEST MOEACA (signed by `pki.root`) and one card's sign/enc certificates into `dir`. */
export function issueMoeacaCard(pki: TestPki, dir: string): MoeacaMaterial {
  mkdirSync(dir, { recursive: true })
  const root = forge.pki.certificateFromPem(pki.root.certPem)
  const rootKey = forge.pki.privateKeyFromPem(pki.root.keyPem)
  const now = Date.now()
  const caKeys = rsa()
  const ca = forge.pki.createCertificate()
  ca.serialNumber = serial()
  ca.publicKey = caKeys.publicKey
  ca.validity.notBefore = new Date(now - 100 * DAY)
  ca.validity.notAfter = new Date(now + 3650 * DAY)
  ca.setSubject(MOEACA_DN())
  ca.setIssuer(ROOT_DN())
  ca.setExtensions([
    { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: 0 },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: root.generateSubjectKeyIdentifier().getBytes() }
  ])
  ca.sign(rootKey, forge.md.sha256.create())
  const caCertPem = forge.pki.certificateToPem(ca)
  const caCertPath = join(dir, 'test-moeaca.pem')
  writeFileSync(caCertPath, caCertPem)

  const issue = (usage: 'sign' | 'enc'): { cert: forge.pki.Certificate; keyPem: string } => {
    const keys = rsa()
    const cert = forge.pki.createCertificate()
    cert.serialNumber = serial()
    cert.publicKey = keys.publicKey
    cert.validity.notBefore = new Date(now - DAY)
    cert.validity.notAfter = new Date(now + 700 * DAY)
    cert.setSubject([
      { shortName: 'C', value: 'TW' },
      { shortName: 'CN', value: '測試商行', valueTagClass: UTF8 } as forge.pki.CertificateField,
      { name: 'serialNumber', value: '0000000099999999' }
    ])
    cert.setIssuer(MOEACA_DN())
    cert.setExtensions([
      usage === 'sign'
        ? { name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true }
        : { name: 'keyUsage', critical: true, keyEncipherment: true, dataEncipherment: true },
      { name: 'basicConstraints', cA: false },
      { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() }
    ])
    cert.sign(caKeys.privateKey, forge.md.sha256.create())
    return { cert, keyPem: keys.privatePem }
  }
  const sign = issue('sign')
  const enc = issue('enc')
  const files = {
    signCert: join(dir, 'moeaca-sign.pem'),
    signKey: join(dir, 'moeaca-sign.key.pem'),
    encCert: join(dir, 'moeaca-enc.pem'),
    encKey: join(dir, 'moeaca-enc.key.pem')
  }
  writeFileSync(files.signCert, forge.pki.certificateToPem(sign.cert))
  writeFileSync(files.signKey, sign.keyPem, { mode: 0o600 })
  writeFileSync(files.encCert, forge.pki.certificateToPem(enc.cert))
  writeFileSync(files.encKey, enc.keyPem, { mode: 0o600 })
  const citizen: IssuedCitizen = {
    variant: 'valid',
    name: '測試商行',
    nationalId: '99999999',
    cardSerial: '0000000099999999',
    signCertPem: forge.pki.certificateToPem(sign.cert),
    signCertDer: derOf(sign.cert),
    signKeyPem: sign.keyPem,
    encCertPem: forge.pki.certificateToPem(enc.cert),
    encCertDer: derOf(enc.cert),
    encKeyPem: enc.keyPem,
    files
  }
  return { caCertPem, caCertPath, citizen }
}
