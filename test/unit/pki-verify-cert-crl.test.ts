import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import forge from 'node-forge'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeOid, encodeTlv, seq, TAG } from '../../src/main/pki/der'
import { runVerifyCert } from '../../src/main/pki/verify-cert-command'

// RFC 5280 §6.3 cases in the shape of the PKITS CRL tests, on synthetic chains: a CA revoked on
// the root's CRL, a CRL signed by a separate CRL-signing certificate (valid, and revoked), an
// unknown critical CRL extension, a CRL entry with an unknown critical extension, a CA without
// cRLSign. CRLs are assembled here with the project's DER writer and node:crypto signatures.

let dir: string

interface Ca {
  cert: forge.pki.Certificate
  keyPem: string
  file: string
}

const DAY = 86_400_000
const SHA256_RSA = seq(encodeOid('1.2.840.113549.1.1.11'), encodeTlv(TAG.NULL, Buffer.alloc(0)))

function nameDer(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.distinguishedNameToAsn1(cert.subject)).getBytes(), 'binary')
}
function generalized(d: Date): Buffer {
  return encodeTlv(
    TAG.GENERALIZED_TIME,
    Buffer.from(`${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`, 'latin1')
  )
}
function ext(oid: string, critical: boolean, value: Buffer): Buffer {
  return seq(
    encodeOid(oid),
    ...(critical ? [encodeTlv(TAG.BOOLEAN, Buffer.from([0xff]))] : []),
    encodeTlv(TAG.OCTET_STRING, value)
  )
}
function skiOf(cert: forge.pki.Certificate): Buffer {
  const e = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null
  return Buffer.from(e?.subjectKeyIdentifier ?? '', 'hex')
}

/** A CRL naming `issuer`, signed with `signer` (defaults to the issuer). */
function crl(
  issuer: Ca,
  revokedSerials: string[],
  opts: { signer?: Ca; criticalUnknown?: boolean; entryCriticalUnknown?: boolean; nextUpdate?: Date } = {}
): string {
  const signer = opts.signer ?? issuer
  const now = Date.now()
  const entries = revokedSerials.map((s) =>
    seq(
      encodeTlv(TAG.INTEGER, Buffer.from(s, 'hex')),
      generalized(new Date(now - DAY)),
      ...(opts.entryCriticalUnknown ? [seq(ext('1.2.3.4.5', true, encodeTlv(TAG.NULL, Buffer.alloc(0))))] : [])
    )
  )
  const exts = [
    ext('2.5.29.35', false, seq(encodeTlv(0x80, skiOf(signer.cert)))),
    ext('2.5.29.20', false, encodeTlv(TAG.INTEGER, Buffer.from([1]))),
    ...(opts.criticalUnknown ? [ext('1.2.3.4.6', true, encodeTlv(TAG.NULL, Buffer.alloc(0)))] : [])
  ]
  const tbs = seq(
    encodeTlv(TAG.INTEGER, Buffer.from([1])),
    SHA256_RSA,
    nameDer(issuer.cert),
    generalized(new Date(now - DAY)),
    generalized(opts.nextUpdate ?? new Date(now + 7 * DAY)),
    ...(entries.length ? [seq(...entries)] : []),
    encodeTlv(0xa0, seq(...exts))
  )
  const signature = sign('sha256', tbs, createPrivateKey(signer.keyPem))
  const der = seq(tbs, SHA256_RSA, encodeTlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([0]), signature])))
  const file = join(dir, `crl-${Math.random().toString(36).slice(2)}.crl`)
  writeFileSync(file, der)
  return file
}

let serial = 0x40
function issue(name: string, issuer: Ca | null, exts: object[]): Ca {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString())
  cert.serialNumber = (serial++).toString(16)
  cert.validity.notBefore = new Date(Date.now() - 10 * DAY)
  cert.validity.notAfter = new Date(Date.now() + 365 * DAY)
  cert.setSubject([
    { shortName: 'O', value: 'Test Certificates' },
    { shortName: 'CN', value: name }
  ])
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : cert.subject.attributes)
  const akiExt = issuer
    ? [{ name: 'authorityKeyIdentifier', keyIdentifier: skiOf(issuer.cert).toString('binary') }]
    : []
  cert.setExtensions([...exts, { name: 'subjectKeyIdentifier' }, ...akiExt])
  cert.sign(forge.pki.privateKeyFromPem(issuer?.keyPem ?? keyPem), forge.md.sha256.create())
  const file = join(dir, `${name.replace(/\W/g, '_')}-${serial}.pem`)
  writeFileSync(file, forge.pki.certificateToPem(cert))
  return { cert, keyPem, file }
}

const CA = [
  { name: 'basicConstraints', critical: true, cA: true },
  { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true }
]
const EE = [{ name: 'keyUsage', critical: true, digitalSignature: true }]
const hex = (c: Ca): string => Buffer.from(c.cert.serialNumber, 'hex').toString('hex')

async function verify(leaf: Ca, intermediates: Ca[], root: Ca, crls: string[]): Promise<string> {
  let out = ''
  const argv = [
    leaf.file,
    '--ca',
    root.file,
    ...intermediates.flatMap((i) => ['--intermediate', i.file]),
    ...crls.flatMap((c) => ['--crl', c])
  ]
  const code = await runVerifyCert(argv, {
    stdout: (s) => (out += s),
    stderr: (s) => process.env.DEBUG_VC && console.log(s)
  })
  return `${code} ${out.trim()}`
}

let root: Ca
let ca: Ca
let leaf: Ca

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'verify-crl-'))
  root = issue('Trust Anchor', null, CA)
  ca = issue('Good CA', root, CA)
  leaf = issue('Good EE', ca, EE)
}, 60_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('verify-cert CRL processing (RFC 5280 §6.3)', () => {
  it('valid with both CRLs; the end entity revoked; the CA revoked on the root CRL', async () => {
    expect(await verify(leaf, [ca], root, [crl(root, []), crl(ca, [])])).toBe('0 valid')
    expect(await verify(leaf, [ca], root, [crl(root, []), crl(ca, [hex(leaf)])])).toBe('1 revoked')
    expect(await verify(leaf, [ca], root, [crl(root, [hex(ca)]), crl(ca, [])])).toBe('1 revoked')
  })

  it('CRL problems leave the status unknown: bad signature, unknown critical extensions, stale', async () => {
    const other = issue('Other Key', root, CA)
    expect(await verify(leaf, [ca], root, [crl(ca, [], { signer: other })])).toBe('1 crl-missing')
    expect(await verify(leaf, [ca], root, [crl(ca, [], { criticalUnknown: true })])).toBe('1 crl-missing')
    expect(await verify(leaf, [ca], root, [crl(ca, [hex(leaf)], { entryCriticalUnknown: true })])).toBe('1 crl-missing')
    expect(await verify(leaf, [ca], root, [crl(ca, [], { nextUpdate: new Date(Date.now() - DAY) })])).toBe(
      '1 crl-expired'
    )
    // Two CRLs from the same name: the one that verifies counts.
    expect(await verify(leaf, [ca], root, [crl(ca, [hex(leaf)], { signer: other }), crl(ca, [])])).toBe('0 valid')
  })

  it('a CA without cRLSign cannot vouch for its CRL', async () => {
    const noCrlSign = issue('No CRLSign CA', root, [
      { name: 'basicConstraints', critical: true, cA: true },
      { name: 'keyUsage', critical: true, keyCertSign: true }
    ])
    const ee = issue('EE of No CRLSign', noCrlSign, EE)
    expect(await verify(ee, [noCrlSign], root, [crl(noCrlSign, [])])).toBe('1 key-usage')
  })

  it('a separate CRL-signing certificate of the same CA name is accepted only while it is valid itself', async () => {
    // Same name as "Good CA", another key, cRLSign only (PKITS 4.4.19 / 4.4.20 shape).
    const crlSigner = issue('Good CA', root, [{ name: 'keyUsage', critical: true, cRLSign: true }])
    const signed = crl(ca, [], { signer: crlSigner })
    expect(await verify(leaf, [ca, crlSigner], root, [crl(root, []), signed])).toBe('0 valid')
    expect(await verify(leaf, [ca, crlSigner], root, [crl(root, [hex(crlSigner)]), signed])).toBe('1 crl-missing')
  })
})
