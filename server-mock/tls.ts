// Development TLS material: a local dev CA (<dataDir>/tls/dev-ca.pem, reused when present) and a
// server certificate for 127.0.0.1/localhost issued by it. Clients must trust dev-ca.pem explicitly.
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import forge from 'node-forge'

export interface DevTls {
  caCertPath: string
  caCertPem: string
  keyPem: string
  certPem: string
}

const DAY_MS = 24 * 60 * 60 * 1000

function rsaKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }
}

function serialHex(): string {
  const bytes = randomBytes(16)
  bytes[0] = (bytes[0] ?? 0) & 0x7f // positive INTEGER
  return bytes.toString('hex')
}

function createCa(): { certPem: string; keyPem: string } {
  const keys = rsaKeyPair()
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem)
  cert.serialNumber = serialHex()
  cert.validity.notBefore = new Date(Date.now() - DAY_MS)
  cert.validity.notAfter = new Date(Date.now() + 3650 * DAY_MS)
  const name = [
    { name: 'countryName', value: 'TW' },
    { name: 'organizationName', value: 'ECCS client development' },
    { name: 'commonName', value: `ECCS server-mock dev CA ${cert.serialNumber.slice(0, 8)}` }
  ]
  cert.setSubject(name)
  cert.setIssuer(name)
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: 0 },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' }
  ])
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create())
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem }
}

function issueServerCert(ca: { certPem: string; keyPem: string }): { certPem: string; keyPem: string } {
  const keys = rsaKeyPair()
  const caCert = forge.pki.certificateFromPem(ca.certPem)
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem)
  cert.serialNumber = serialHex()
  cert.validity.notBefore = new Date(Date.now() - DAY_MS)
  cert.validity.notAfter = new Date(Date.now() + 397 * DAY_MS)
  cert.setSubject([{ name: 'commonName', value: '127.0.0.1' }])
  cert.setIssuer(caCert.subject.attributes)
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' }
      ]
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() }
  ])
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create())
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem }
}

function usable(certPem: string, caPem: string, minRemainingMs: number): boolean {
  try {
    const cert = new X509Certificate(certPem)
    const ca = new X509Certificate(caPem)
    const notAfter = new Date(cert.validTo).getTime()
    return (
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      notAfter - Date.now() > minRemainingMs &&
      cert.checkIP('127.0.0.1') !== undefined
    )
  } catch {
    return false
  }
}

/** Load or create the dev CA and the server certificate under `<dataDir>/tls`. */
export function ensureDevTls(dataDir: string): DevTls {
  const dir = join(dataDir, 'tls')
  mkdirSync(dir, { recursive: true })
  const caCertPath = join(dir, 'dev-ca.pem')
  const caKeyPath = join(dir, 'dev-ca-key.pem')
  const certPath = join(dir, 'server.pem')
  const keyPath = join(dir, 'server-key.pem')

  let ca: { certPem: string; keyPem: string }
  if (existsSync(caCertPath) && existsSync(caKeyPath)) {
    ca = { certPem: readFileSync(caCertPath, 'utf8'), keyPem: readFileSync(caKeyPath, 'utf8') }
  } else {
    ca = createCa()
    writeFileSync(caKeyPath, ca.keyPem, { mode: 0o600 })
    writeFileSync(caCertPath, ca.certPem)
  }

  if (existsSync(certPath) && existsSync(keyPath)) {
    const certPem = readFileSync(certPath, 'utf8')
    if (usable(certPem, ca.certPem, 7 * DAY_MS)) {
      return { caCertPath, caCertPem: ca.certPem, certPem, keyPem: readFileSync(keyPath, 'utf8') }
    }
  }
  const server = issueServerCert(ca)
  writeFileSync(keyPath, server.keyPem, { mode: 0o600 })
  writeFileSync(certPath, server.certPem)
  return { caCertPath, caCertPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem }
}
