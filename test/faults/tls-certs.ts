import { generateKeyPairSync, randomBytes } from 'node:crypto'
import forge from 'node-forge'
import type { Pem } from './platform-proxy'

// TLS server certificates for the fault proxy: issued by server-mock's dev CA (which the client
// trusts) but expired or for another host name, or issued by a CA the client has never seen.

const DAY_MS = 86_400_000

function keys(): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }
}

function serial(): string {
  const b = randomBytes(16)
  b[0] = (b[0] ?? 0) & 0x7f
  return b.toString('hex')
}

export interface ServerCertSpec {
  notBefore: Date
  notAfter: Date
  /** Subject alternative names: an IP address or a DNS name. */
  ip?: string
  dns?: string
}

/** A server certificate issued by `ca` (PEM certificate + key). */
export function issueServerCert(ca: Pem, spec: ServerCertSpec): Pem {
  const k = keys()
  const caCert = forge.pki.certificateFromPem(ca.cert)
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(k.pub)
  cert.serialNumber = serial()
  cert.validity.notBefore = spec.notBefore
  cert.validity.notAfter = spec.notAfter
  cert.setSubject([{ name: 'commonName', value: spec.dns ?? spec.ip ?? 'server' }])
  cert.setIssuer(caCert.subject.attributes)
  const altNames: { type: number; ip?: string; value?: string }[] = []
  if (spec.ip) altNames.push({ type: 7, ip: spec.ip })
  if (spec.dns) altNames.push({ type: 2, value: spec.dns })
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() }
  ])
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create())
  return { cert: forge.pki.certificateToPem(cert), key: k.priv }
}

/** A CA nobody trusts, and a valid-looking 127.0.0.1 certificate from it. */
export function untrustedServerCert(): Pem {
  const k = keys()
  const ca = forge.pki.createCertificate()
  ca.publicKey = forge.pki.publicKeyFromPem(k.pub)
  ca.serialNumber = serial()
  ca.validity.notBefore = new Date(Date.now() - DAY_MS)
  ca.validity.notAfter = new Date(Date.now() + 30 * DAY_MS)
  const name = [{ name: 'commonName', value: 'Untrusted fault-suite CA' }]
  ca.setSubject(name)
  ca.setIssuer(name)
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' }
  ])
  ca.sign(forge.pki.privateKeyFromPem(k.priv), forge.md.sha256.create())
  const caPem = { cert: forge.pki.certificateToPem(ca), key: k.priv }
  return issueServerCert(caPem, {
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 30 * DAY_MS),
    ip: '127.0.0.1'
  })
}

export function expiredServerCert(ca: Pem): Pem {
  return issueServerCert(ca, {
    notBefore: new Date(Date.now() - 40 * DAY_MS),
    notAfter: new Date(Date.now() - DAY_MS),
    ip: '127.0.0.1'
  })
}

export function wrongHostServerCert(ca: Pem): Pem {
  return issueServerCert(ca, {
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 30 * DAY_MS),
    dns: 'platform.example.org'
  })
}
