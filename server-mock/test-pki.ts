/**
 * Generated test PKI that mimics Taiwan's real citizen-certificate hierarchy
 * (GRCA root → MOICA intermediate → citizen card certificates). See /work/shared/ca/README.md.
 *
 * Everything is RSA-2048 / sha256WithRSAEncryption. Keys come from Node's crypto (fast, native)
 * and certificates are assembled with node-forge; the CRL and the Subject Directory Attributes
 * extension are hand-built with forge.asn1 because forge has no support for either.
 */
import forge from 'node-forge'
import { constants, createPrivateKey, generateKeyPair, privateEncrypt, randomBytes, X509Certificate } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { isValidIdentityNumber, withCheckDigit } from '../src/shared/identity-number'

export type CitizenVariant =
  | 'valid'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-issuer'
  | 'revoked'
  | 'wrong-key-usage'
  /** A foreign resident: new-format 統一證號 A800000014 and a 64-character CN (the X.509 maximum). */
  | 'resident'

export const CITIZEN_VARIANTS: readonly CitizenVariant[] = [
  'valid',
  'expired',
  'not-yet-valid',
  'wrong-issuer',
  'revoked',
  'wrong-key-usage',
  'resident'
]

export interface IssuedCitizen {
  variant: CitizenVariant
  name: string
  nationalId: string
  cardSerial: string
  signCertPem: string
  signCertDer: Buffer
  signKeyPem: string
  encCertPem: string
  encCertDer: Buffer
  encKeyPem: string
  files: { signCert: string; signKey: string; encCert: string; encKey: string }
}

export interface CaMaterial {
  certPem: string
  certDer: Buffer
  keyPem: string
  certPath: string
  keyPath: string
}

export interface TestPki {
  dir: string
  root: CaMaterial
  moica: CaMaterial
  rogueRoot: CaMaterial
  rogueMoica: CaMaterial
  crlPem: string
  crlDer: Buffer
  crlPath: string
  /** Same CRL as DER (`moica.crl`). */
  crlDerPath: string
  /** When the CRL stops being current; the cache is regenerated a day before. */
  crlNextUpdate: Date
  generatedAt: Date
  citizens: Record<CitizenVariant, IssuedCitizen>
}

// ---------------------------------------------------------------------------------------------
// Profile constants
// ---------------------------------------------------------------------------------------------

export const OID_MOICA_POLICY = '2.16.886.101.0.3.3'
/** Attribute in Subject Directory Attributes holding the last four digits of the national ID. */
export const OID_NATIONAL_ID_LAST4 = '2.16.886.1.100.2.51'
export const OID_SUBJECT_DIRECTORY_ATTRIBUTES = '2.5.29.9'

const OID_AIA = '1.3.6.1.5.5.7.1.1'
const OID_AD_OCSP = '1.3.6.1.5.5.7.48.1'
const OID_AD_CA_ISSUERS = '1.3.6.1.5.5.7.48.2'
const OID_CERT_POLICIES = '2.5.29.32'
const OID_AKI = '2.5.29.35'
const OID_CRL_NUMBER = '2.5.29.20'
const OID_CRL_REASON = '2.5.29.21'

// Placeholder URLs: nothing listens there unless a test starts a responder on that path.
export const TEST_URLS = {
  rootCrl: 'http://127.0.0.1/test-pki/GRCA.crl',
  rootCert: 'http://127.0.0.1/test-pki/GRCA.crt',
  moicaCrl: 'http://127.0.0.1/test-pki/MOICA.crl',
  moicaCert: 'http://127.0.0.1/test-pki/MOICA.crt',
  ocsp: 'http://127.0.0.1/test-pki/OCSP'
} as const

const DAY_MS = 24 * 60 * 60 * 1000
const HOUR_MS = 60 * 60 * 1000

const asn1 = forge.asn1
// @types/node-forge types valueTagClass as asn1.Class although forge expects an asn1.Type tag.
const UTF8_TAG = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class

// ---------------------------------------------------------------------------------------------
// Taiwan national ID
// ---------------------------------------------------------------------------------------------

// The one identity-number rule (src/shared/identity-number.ts): 身分證字號 and both 統一證號 formats.

/** A 身分證字號 or 統一證號 (old or new format) with a valid check digit. */
export const isValidTaiwanId = isValidIdentityNumber

/** Appends the check digit to a 9-character prefix such as 'B22345678' or 'A80000001'. */
export const withTaiwanIdCheckDigit = withCheckDigit

// ---------------------------------------------------------------------------------------------
// Keys and small ASN.1 helpers
// ---------------------------------------------------------------------------------------------

/** The only thing forge's cert.sign needs from a key: `sign(md)` → binary signature string. */
interface DigestSigner {
  sign(md: forge.md.MessageDigest): string
}

interface KeyMaterial {
  privatePem: string
  signer: DigestSigner
  publicKey: forge.pki.rsa.PublicKey
}

// DER prefix of DigestInfo { sha256, NULL } followed by the 32-byte hash (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex')

/**
 * RSASSA-PKCS1-v1_5 with Node's native RSA: ~50× faster than forge's pure-JS modPow, which
 * matters because one PKI needs 17 signatures.
 */
function nodeDigestSigner(privatePem: string): DigestSigner {
  const key = createPrivateKey(privatePem)
  return {
    sign(md: forge.md.MessageDigest): string {
      if (md.algorithm !== 'sha256') throw new Error(`unsupported digest ${md.algorithm}`)
      const digestInfo = Buffer.concat([SHA256_DIGEST_INFO_PREFIX, toBuffer(md.digest().getBytes())])
      return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo).toString('binary')
    }
  }
}

const generateKeyPairAsync = promisify(generateKeyPair)

async function newRsaKey(): Promise<KeyMaterial> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' }
  })
  return {
    privatePem: privateKey,
    signer: nodeDigestSigner(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey)
  }
}

function seq(items: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items)
}

function oid(id: string): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes())
}

function uri(url: string): forge.asn1.Asn1 {
  // GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String
  return asn1.create(asn1.Class.CONTEXT_SPECIFIC, 6, false, url)
}

function utcTime(date: Date): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
}

function der(node: forge.asn1.Asn1): string {
  return asn1.toDer(node).getBytes()
}

function toBuffer(binary: string): Buffer {
  return Buffer.from(binary, 'binary')
}

/** Positive 16-byte serial (high bit clear, first byte non-zero so DER keeps all 16 bytes). */
function randomSerialHex(): string {
  const bytes = randomBytes(16)
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40
  return bytes.toString('hex')
}

// ---------------------------------------------------------------------------------------------
// Extensions forge cannot build
// ---------------------------------------------------------------------------------------------

/** Extension descriptor accepted by forge's setExtensions (string value = raw DER of extnValue). */
type Extension = Record<string, unknown> & { name?: string; id?: string; critical?: boolean }

function rawExtension(id: string, value: forge.asn1.Asn1, critical = false): Extension {
  return { id, critical, value: der(value) }
}

function policiesExtension(): Extension {
  return rawExtension(OID_CERT_POLICIES, seq([seq([oid(OID_MOICA_POLICY)])]))
}

function aiaExtension(caIssuersUrl: string, ocspUrl: string): Extension {
  return rawExtension(
    OID_AIA,
    seq([seq([oid(OID_AD_CA_ISSUERS), uri(caIssuersUrl)]), seq([oid(OID_AD_OCSP), uri(ocspUrl)])])
  )
}

/** SubjectDirectoryAttributes ::= SEQUENCE OF Attribute { type, values SET OF PrintableString } */
function subjectDirectoryAttributes(nationalIdLast4: string): Extension {
  const value = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.PRINTABLESTRING, false, nationalIdLast4)
  const values = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [value])
  return rawExtension(OID_SUBJECT_DIRECTORY_ATTRIBUTES, seq([seq([oid(OID_NATIONAL_ID_LAST4), values])]))
}

function crlDistributionPoint(url: string): Extension {
  return { name: 'cRLDistributionPoints', altNames: [{ type: 6, value: url }] }
}

// ---------------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------------

interface Issuer {
  cert: forge.pki.Certificate
  key: DigestSigner
  /** Raw SKI bytes (forge binary string), copied into children's AKI. */
  ski: string
}

interface IssuedCa extends Issuer {
  keyPem: string
}

interface CertSpec {
  subject: forge.pki.CertificateField[]
  publicKey: forge.pki.rsa.PublicKey
  notBefore: Date
  notAfter: Date
  /** Undefined → self-signed with `selfKey`. */
  issuer?: Issuer
  selfKey?: DigestSigner
  extensions: Extension[]
}

function buildCertificate(spec: CertSpec): forge.pki.Certificate {
  const cert = forge.pki.createCertificate()
  cert.publicKey = spec.publicKey
  cert.serialNumber = randomSerialHex()
  cert.validity.notBefore = spec.notBefore
  cert.validity.notAfter = spec.notAfter
  cert.setSubject(spec.subject)
  cert.setIssuer(spec.issuer ? spec.issuer.cert.subject.attributes : spec.subject)
  // SKI first so forge derives it from this cert's key; AKI (when issued) right before it.
  const keyIds: Extension[] = spec.issuer ? [{ name: 'authorityKeyIdentifier', keyIdentifier: spec.issuer.ski }] : []
  cert.setExtensions([...keyIds, { name: 'subjectKeyIdentifier' }, ...spec.extensions])
  const signer = spec.issuer?.key ?? spec.selfKey
  if (!signer) throw new Error('buildCertificate: no signing key')
  // forge only calls key.sign(md) on the key it is given, so the Node-backed signer fits.
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create())
  return cert
}

function skiOf(cert: forge.pki.Certificate): string {
  return cert.generateSubjectKeyIdentifier().getBytes()
}

function rootDn(): forge.pki.CertificateField[] {
  return [
    { shortName: 'C', value: 'TW' },
    { shortName: 'O', value: '行政院', valueTagClass: UTF8_TAG },
    { shortName: 'CN', value: 'TEST Government Root Certification Authority', valueTagClass: UTF8_TAG }
  ]
}

function moicaDn(): forge.pki.CertificateField[] {
  return [
    { shortName: 'C', value: 'TW' },
    { shortName: 'O', value: '行政院', valueTagClass: UTF8_TAG },
    { shortName: 'OU', value: 'TEST 內政部憑證管理中心', valueTagClass: UTF8_TAG }
  ]
}

async function issueRoot(now: Date): Promise<IssuedCa> {
  const key = await newRsaKey()
  const cert = buildCertificate({
    subject: rootDn(),
    publicKey: key.publicKey,
    selfKey: key.signer,
    notBefore: new Date(now.getTime() - 365 * DAY_MS),
    notAfter: new Date(now.getTime() + 20 * 365 * DAY_MS),
    extensions: [
      { name: 'keyUsage', critical: true, digitalSignature: true, keyCertSign: true, cRLSign: true },
      { name: 'basicConstraints', critical: true, cA: true }
    ]
  })
  return { cert, key: key.signer, keyPem: key.privatePem, ski: skiOf(cert) }
}

async function issueMoica(root: Issuer, now: Date): Promise<IssuedCa> {
  const key = await newRsaKey()
  const cert = buildCertificate({
    subject: moicaDn(),
    publicKey: key.publicKey,
    issuer: root,
    notBefore: new Date(now.getTime() - 300 * DAY_MS),
    notAfter: new Date(now.getTime() + 19 * 365 * DAY_MS),
    extensions: [
      { name: 'keyUsage', critical: true, digitalSignature: true, keyCertSign: true, cRLSign: true },
      crlDistributionPoint(TEST_URLS.rootCrl),
      aiaExtension(TEST_URLS.rootCert, TEST_URLS.ocsp),
      { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: 0 },
      policiesExtension()
    ]
  })
  return { cert, key: key.signer, keyPem: key.privatePem, ski: skiOf(cert) }
}

interface CitizenProfile {
  variant: CitizenVariant
  name: string
  nationalId: string
  cardSerial: string
}

/** A 64-character certificate CN (RFC 5280 ub-common-name), from the field cases. */
export const RESIDENT_NAME = 'MARIA GUADALUPE DE LOS SANTOS FERNANDEZ RODRIGUEZ Y VILLANUEVA X'

// Distinct, checksum-valid identities; 'valid' is the canonical 王小明 / A123456789.
const CITIZEN_PROFILES: Readonly<Record<CitizenVariant, CitizenProfile>> = {
  valid: { variant: 'valid', name: '王小明', nationalId: 'A123456789', cardSerial: '1000000000000001' },
  expired: {
    variant: 'expired',
    name: '陳美玲',
    nationalId: withTaiwanIdCheckDigit('B22345678'),
    cardSerial: '1000000000000002'
  },
  'not-yet-valid': {
    variant: 'not-yet-valid',
    name: '林志豪',
    nationalId: withTaiwanIdCheckDigit('F13579246'),
    cardSerial: '1000000000000003'
  },
  'wrong-issuer': {
    variant: 'wrong-issuer',
    name: '李雅婷',
    nationalId: withTaiwanIdCheckDigit('H28642013'),
    cardSerial: '1000000000000004'
  },
  revoked: {
    variant: 'revoked',
    name: '張家豪',
    nationalId: withTaiwanIdCheckDigit('E11122233'),
    cardSerial: '1000000000000005'
  },
  'wrong-key-usage': {
    variant: 'wrong-key-usage',
    name: '黃淑芬',
    nationalId: withTaiwanIdCheckDigit('S24681357'),
    cardSerial: '1000000000000006'
  },
  // Field case "resident identity number" + "long certificate name": ub-common-name is 64.
  resident: {
    variant: 'resident',
    name: RESIDENT_NAME,
    nationalId: 'A800000014',
    cardSerial: '1000000000000007'
  }
}

function citizenValidity(variant: CitizenVariant, now: Date): { notBefore: Date; notAfter: Date } {
  const t = now.getTime()
  switch (variant) {
    case 'expired':
      return { notBefore: new Date(t - 2 * 365 * DAY_MS), notAfter: new Date(t - DAY_MS) }
    case 'not-yet-valid':
      return { notBefore: new Date(t + 30 * DAY_MS), notAfter: new Date(t + (30 + 2 * 365) * DAY_MS) }
    default:
      return { notBefore: new Date(t - DAY_MS), notAfter: new Date(t + 2 * 365 * DAY_MS) }
  }
}

function citizenDn(p: CitizenProfile): forge.pki.CertificateField[] {
  return [
    { shortName: 'C', value: 'TW' },
    { shortName: 'CN', value: p.name, valueTagClass: UTF8_TAG },
    { name: 'serialNumber', value: p.cardSerial }
  ]
}

type CitizenCertKind = 'sign' | 'enc'

function keyUsageFor(variant: CitizenVariant, kind: CitizenCertKind): Extension {
  const base = { name: 'keyUsage', critical: true }
  if (kind === 'enc') return { ...base, keyEncipherment: true, dataEncipherment: true }
  if (variant === 'wrong-key-usage') return { ...base, keyEncipherment: true }
  return { ...base, digitalSignature: true, nonRepudiation: true }
}

function issueCitizenCert(
  p: CitizenProfile,
  kind: CitizenCertKind,
  issuer: Issuer,
  publicKey: forge.pki.rsa.PublicKey,
  now: Date
): forge.pki.Certificate {
  return buildCertificate({
    subject: citizenDn(p),
    publicKey,
    issuer,
    ...citizenValidity(p.variant, now),
    extensions: [
      keyUsageFor(p.variant, kind),
      policiesExtension(),
      subjectDirectoryAttributes(p.nationalId.slice(-4)),
      { name: 'basicConstraints', cA: false },
      crlDistributionPoint(TEST_URLS.moicaCrl),
      aiaExtension(TEST_URLS.moicaCert, TEST_URLS.ocsp)
    ]
  })
}

// ---------------------------------------------------------------------------------------------
// CRL (RFC 5280 §5) — hand-built since forge has no CRL support
// ---------------------------------------------------------------------------------------------

interface RevokedEntry {
  serialHex: string
  revokedAt: Date
}

function extension(id: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  const octets = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, der(value))
  return seq([oid(id), octets])
}

function integer(bytes: string): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, bytes)
}

/** DER INTEGER for a non-negative number (forge's integerToDer is limited to 32-bit signed). */
function positiveInteger(n: number): forge.asn1.Asn1 {
  let hex = n.toString(16)
  if (hex.length % 2) hex = `0${hex}`
  if (/^[89a-f]/.test(hex)) hex = `00${hex}`
  return integer(forge.util.hexToBytes(hex))
}

function sha256WithRsa(): forge.asn1.Asn1 {
  const sha256WithRsaOid = '1.2.840.113549.1.1.11'
  return seq([oid(sha256WithRsaOid), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')])
}

function revokedCertificate(entry: RevokedEntry): forge.asn1.Asn1 {
  const keyCompromise = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.ENUMERATED, false, '\x01')
  return seq([
    integer(forge.util.hexToBytes(entry.serialHex)),
    utcTime(entry.revokedAt),
    seq([extension(OID_CRL_REASON, keyCompromise)])
  ])
}

function buildCrl(issuer: Issuer, entries: RevokedEntry[], thisUpdate: Date, nextUpdate: Date): Buffer {
  // CRL number grows with time so a regenerated CRL always supersedes an older one.
  const crlNumber = positiveInteger(Math.floor(thisUpdate.getTime() / 1000))
  const aki = seq([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, issuer.ski)])
  const tbs = seq([
    integer('\x01'), // v2
    sha256WithRsa(),
    forge.pki.distinguishedNameToAsn1(issuer.cert.subject),
    utcTime(thisUpdate),
    utcTime(nextUpdate),
    seq(entries.map(revokedCertificate)),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
      seq([extension(OID_AKI, aki), extension(OID_CRL_NUMBER, crlNumber)])
    ])
  ])
  const md = forge.md.sha256.create()
  md.update(der(tbs))
  const signature = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, '\x00' + issuer.key.sign(md))
  return toBuffer(der(seq([tbs, sha256WithRsa(), signature])))
}

function crlToPem(crlDer: Buffer): string {
  return forge.pem.encode({ type: 'X509 CRL', body: crlDer.toString('binary') }, { maxline: 64 })
}

// ---------------------------------------------------------------------------------------------
// Generation and on-disk layout
// ---------------------------------------------------------------------------------------------

const CA_FILES = {
  root: 'root',
  moica: 'moica',
  rogueRoot: 'rogue-root',
  rogueMoica: 'rogue-moica'
} as const
type CaName = keyof typeof CA_FILES

const MANIFEST = 'manifest.json'

interface Manifest {
  version: number
  generatedAt: string
  crlNextUpdate: string
  citizens: Record<CitizenVariant, CitizenProfile>
}

function citizenFiles(dir: string, variant: CitizenVariant): IssuedCitizen['files'] {
  return {
    signCert: join(dir, `${variant}-sign.pem`),
    signKey: join(dir, `${variant}-sign.key.pem`),
    encCert: join(dir, `${variant}-enc.pem`),
    encKey: join(dir, `${variant}-enc.key.pem`)
  }
}

function caPaths(dir: string, name: CaName): { certPath: string; keyPath: string } {
  return { certPath: join(dir, `${CA_FILES[name]}.pem`), keyPath: join(dir, `${CA_FILES[name]}.key.pem`) }
}

function crlPaths(dir: string): { pem: string; der: string } {
  return { pem: join(dir, 'moica.crl.pem'), der: join(dir, 'moica.crl') }
}

async function writeCa(dir: string, name: CaName, ca: IssuedCa): Promise<void> {
  const { certPath, keyPath } = caPaths(dir, name)
  await writeFile(certPath, forge.pki.certificateToPem(ca.cert))
  await writeFile(keyPath, ca.keyPem, { mode: 0o600 })
}

async function writeCitizen(
  dir: string,
  p: CitizenProfile,
  issuer: Issuer,
  now: Date
): Promise<{ signSerialHex: string; encSerialHex: string }> {
  const [signKey, encKey] = await Promise.all([newRsaKey(), newRsaKey()])
  const sign = issueCitizenCert(p, 'sign', issuer, signKey.publicKey, now)
  const enc = issueCitizenCert(p, 'enc', issuer, encKey.publicKey, now)
  const files = citizenFiles(dir, p.variant)
  await writeFile(files.signCert, forge.pki.certificateToPem(sign))
  await writeFile(files.signKey, signKey.privatePem, { mode: 0o600 })
  await writeFile(files.encCert, forge.pki.certificateToPem(enc))
  await writeFile(files.encKey, encKey.privatePem, { mode: 0o600 })
  return { signSerialHex: sign.serialNumber, encSerialHex: enc.serialNumber }
}

/** Generates a fresh PKI into `dir` (created if missing) and returns it as read back from disk. */
export async function generateTestPki(dir: string, opts: { now?: Date } = {}): Promise<TestPki> {
  const now = opts.now ?? new Date()
  await mkdir(dir, { recursive: true })
  const [root, rogueRoot] = await Promise.all([issueRoot(now), issueRoot(now)])
  const [moica, rogueMoica] = await Promise.all([issueMoica(root, now), issueMoica(rogueRoot, now)])
  await Promise.all([
    writeCa(dir, 'root', root),
    writeCa(dir, 'moica', moica),
    writeCa(dir, 'rogueRoot', rogueRoot),
    writeCa(dir, 'rogueMoica', rogueMoica)
  ])

  const revoked: RevokedEntry[] = []
  await Promise.all(
    CITIZEN_VARIANTS.map(async (variant) => {
      const issuer = variant === 'wrong-issuer' ? rogueMoica : moica
      const issued = await writeCitizen(dir, CITIZEN_PROFILES[variant], issuer, now)
      if (variant !== 'revoked') return
      // A revoked card has both of its certificates revoked.
      const revokedAt = new Date(now.getTime() - 2 * HOUR_MS)
      revoked.push({ serialHex: issued.signSerialHex, revokedAt }, { serialHex: issued.encSerialHex, revokedAt })
    })
  )

  const nextUpdate = new Date(now.getTime() + 7 * DAY_MS)
  const crlDer = buildCrl(moica, revoked, new Date(now.getTime() - HOUR_MS), nextUpdate)
  const crl = crlPaths(dir)
  await writeFile(crl.der, crlDer)
  await writeFile(crl.pem, crlToPem(crlDer))

  // Manifest last: its presence marks a complete directory.
  const manifest: Manifest = {
    version: CACHE_VERSION,
    generatedAt: now.toISOString(),
    crlNextUpdate: nextUpdate.toISOString(),
    citizens: { ...CITIZEN_PROFILES }
  }
  await writeFile(join(dir, MANIFEST), JSON.stringify(manifest, null, 2))
  return loadTestPki(dir)
}

function pemToDer(pem: string): Buffer {
  return new X509Certificate(pem).raw
}

async function readCa(dir: string, name: CaName): Promise<CaMaterial> {
  const { certPath, keyPath } = caPaths(dir, name)
  const certPem = await readFile(certPath, 'utf8')
  return { certPem, certDer: pemToDer(certPem), keyPem: await readFile(keyPath, 'utf8'), certPath, keyPath }
}

async function readCitizen(dir: string, p: CitizenProfile): Promise<IssuedCitizen> {
  const files = citizenFiles(dir, p.variant)
  const [signCertPem, signKeyPem, encCertPem, encKeyPem] = await Promise.all(
    [files.signCert, files.signKey, files.encCert, files.encKey].map((f) => readFile(f, 'utf8'))
  )
  if (!signCertPem || !signKeyPem || !encCertPem || !encKeyPem) throw new Error(`incomplete citizen ${p.variant}`)
  return {
    ...p,
    signCertPem,
    signCertDer: pemToDer(signCertPem),
    signKeyPem,
    encCertPem,
    encCertDer: pemToDer(encCertPem),
    encKeyPem,
    files
  }
}

/** Reads a directory written by generateTestPki. Throws if anything is missing. */
export async function loadTestPki(dir: string): Promise<TestPki> {
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest
  if (manifest.version !== CACHE_VERSION) throw new Error(`test PKI version ${manifest.version} ≠ ${CACHE_VERSION}`)
  const [root, moica, rogueRoot, rogueMoica] = await Promise.all(
    (['root', 'moica', 'rogueRoot', 'rogueMoica'] as const).map((n) => readCa(dir, n))
  )
  const entries = await Promise.all(
    CITIZEN_VARIANTS.map(async (v) => [v, await readCitizen(dir, manifest.citizens[v])] as const)
  )
  const crl = crlPaths(dir)
  if (!root || !moica || !rogueRoot || !rogueMoica) throw new Error('incomplete CA set')
  return {
    dir,
    root,
    moica,
    rogueRoot,
    rogueMoica,
    crlPem: await readFile(crl.pem, 'utf8'),
    crlDer: await readFile(crl.der),
    crlPath: crl.pem,
    crlDerPath: crl.der,
    crlNextUpdate: new Date(manifest.crlNextUpdate),
    generatedAt: new Date(manifest.generatedAt),
    citizens: Object.fromEntries(entries) as Record<CitizenVariant, IssuedCitizen>
  }
}

// ---------------------------------------------------------------------------------------------
// Cache shared by test files / processes
// ---------------------------------------------------------------------------------------------

/** Bump when the generated profile changes so stale caches are ignored. */
export const CACHE_VERSION = 2

// __dirname (not import.meta): Playwright and tsx load this file as CommonJS.
const REPO_ROOT = join(__dirname, '..')

/** Env override for the cache root (tests of the cache itself use a scratch directory). */
export const PKI_CACHE_ENV = 'ECCS_TEST_PKI_CACHE'

export function testPkiCacheDir(): string {
  const root = process.env[PKI_CACHE_ENV] || join(REPO_ROOT, '.tmp', 'pki-cache')
  return join(root, `v${CACHE_VERSION}`)
}

/**
 * A cached PKI is reusable while the CAs have > 30 days left, the CRL is current for > 1 day and
 * the time-relative variants still mean what their names say.
 */
export function isTestPkiFresh(pki: TestPki, now: Date = new Date()): boolean {
  const t = now.getTime()
  const validTo = (pem: string): number => new Date(new X509Certificate(pem).validTo).getTime()
  const validFrom = (pem: string): number => new Date(new X509Certificate(pem).validFrom).getTime()
  return (
    validTo(pki.root.certPem) > t + 30 * DAY_MS &&
    validTo(pki.moica.certPem) > t + 30 * DAY_MS &&
    pki.crlNextUpdate.getTime() > t + DAY_MS &&
    pki.generatedAt.getTime() <= t &&
    validFrom(pki.citizens['not-yet-valid'].signCertPem) > t + DAY_MS &&
    validTo(pki.citizens.valid.signCertPem) > t + 30 * DAY_MS
  )
}

async function tryLoad(dir: string): Promise<TestPki | null> {
  try {
    return await loadTestPki(dir)
  } catch {
    return null
  }
}

function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`
}

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

/** Moves a stale cache aside atomically (only one racer wins the rename) and deletes it. */
async function discardStale(dir: string): Promise<void> {
  const aside = `${dir}.stale-${uniqueSuffix()}`
  try {
    await rename(dir, aside)
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return
    throw err
  }
  await rm(aside, { recursive: true, force: true })
}

export async function loadOrGenerateTestPki(): Promise<TestPki> {
  const dir = testPkiCacheDir()
  const cached = await tryLoad(dir)
  if (cached && isTestPkiFresh(cached)) return cached
  await mkdir(join(dir, '..'), { recursive: true })
  await discardStale(dir)

  // Generate privately, then publish with one rename so readers never see a partial cache.
  const tmp = `${dir}.tmp-${uniqueSuffix()}`
  await generateTestPki(tmp)
  try {
    await rename(tmp, dir)
    return await loadTestPki(dir)
  } catch (err) {
    const code = errorCode(err)
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err
  }
  // Another process published first: use theirs if usable, else keep our private copy.
  const winner = await tryLoad(dir)
  if (winner && isTestPkiFresh(winner)) {
    await rm(tmp, { recursive: true, force: true })
    return winner
  }
  return loadTestPki(tmp)
}

// ---------------------------------------------------------------------------------------------
// The issuing authority's records (server-mock/identity-registry.ts)
// ---------------------------------------------------------------------------------------------

/**
 * What the issuing authority knows about the test cards it issued: each certificate's serial
 * (signing and encryption), the card serial and the holder's full ID number. The wrong-issuer card
 * comes from a rogue CA, so the authority has no record of it.
 */
export function identityRecordsOf(
  pki: TestPki
): { certificateSerial: string; cardSerial: string; nationalId: string }[] {
  return CITIZEN_VARIANTS.filter((v) => v !== 'wrong-issuer').flatMap((v) => {
    const c = pki.citizens[v]
    return [c.signCertPem, c.encCertPem].map((pem) => ({
      certificateSerial: new X509Certificate(pem).serialNumber,
      cardSerial: c.cardSerial,
      nationalId: c.nationalId
    }))
  })
}
