import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import forge from 'node-forge'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_CERT_FILE_BYTES, runVerifyCert } from '../../src/main/pki/verify-cert-command'
import { loadOrGenerateTestPki, type TestPki } from '../../server-mock/test-pki'

// verify-cert on the generated test PKI (every citizen variant, the CRL) and on small synthetic
// chains for basicConstraints / pathLenConstraint / CA keyUsage; outcomes cross-checked with
// `openssl verify` where OpenSSL and RFC 5280 agree.

let pki: TestPki
let dir: string

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runVerifyCert(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) })
  return { code, out: out.trim(), err: err.trim() }
}

function openssl(...args: string[]): boolean {
  try {
    execFileSync('openssl', ['verify', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    return true
  } catch {
    return false
  }
}

beforeAll(async () => {
  pki = await loadOrGenerateTestPki()
  dir = mkdtempSync(join(tmpdir(), 'verify-cert-'))
  for (const [variant, c] of Object.entries(pki.citizens)) writeFileSync(join(dir, `${variant}.pem`), c.signCertPem)
  writeFileSync(join(dir, 'valid.der'), pki.citizens.valid.signCertDer)
  writeFileSync(join(dir, 'root.der'), pki.root.certDer)
}, 120_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('verify-cert on the test PKI', () => {
  const chain = (): string[] => ['--ca', pki.root.certPath, '--intermediate', pki.moica.certPath]

  it('valid chain → exit 0 and "valid" (PEM and DER input, anchor folder)', async () => {
    expect(await run(join(dir, 'valid.pem'), ...chain())).toMatchObject({ code: 0, out: 'valid' })
    expect(
      await run(join(dir, 'valid.der'), '--ca', join(dir, 'root.der'), '--intermediate', pki.moica.certPath)
    ).toMatchObject({ code: 0, out: 'valid' })
    const anchors = mkdtempSync(join(dir, 'anchors-'))
    writeFileSync(join(anchors, 'grca.pem'), pki.root.certPem)
    expect(await run(join(dir, 'valid.pem'), '--ca', anchors, '--intermediate', pki.moica.certPath)).toMatchObject({
      code: 0,
      out: 'valid'
    })
    expect(openssl('-CAfile', pki.root.certPath, '-untrusted', pki.moica.certPath, join(dir, 'valid.pem'))).toBe(true)
  })

  it('valid chain with the CRL → valid; revoked → revoked', async () => {
    expect(await run(join(dir, 'valid.pem'), ...chain(), '--crl', pki.crlPath)).toMatchObject({ code: 0, out: 'valid' })
    expect(await run(join(dir, 'revoked.pem'), ...chain(), '--crl', pki.crlPath)).toMatchObject({
      code: 1,
      out: 'revoked'
    })
    expect(await run(join(dir, 'revoked.pem'), ...chain(), '--crl', pki.crlDerPath)).toMatchObject({
      code: 1,
      out: 'revoked'
    })
    expect(
      openssl(
        '-crl_check',
        '-CAfile',
        pki.root.certPath,
        '-untrusted',
        pki.moica.certPath,
        '-CRLfile',
        pki.crlPath,
        join(dir, 'revoked.pem')
      )
    ).toBe(false)
  })

  it('expired, not yet valid, wrong key usage, untrusted', async () => {
    expect(await run(join(dir, 'expired.pem'), ...chain())).toMatchObject({ code: 1, out: 'expired' })
    expect(await run(join(dir, 'not-yet-valid.pem'), ...chain())).toMatchObject({ code: 1, out: 'not-yet-valid' })
    expect(await run(join(dir, 'wrong-key-usage.pem'), ...chain())).toMatchObject({ code: 1, out: 'key-usage' })
    // Same issuer DN, other key: name chaining finds TEST MOICA, whose key did not sign it.
    const rogue = await run(join(dir, 'wrong-issuer.pem'), ...chain())
    expect(rogue.code).toBe(1)
    expect(['untrusted', 'bad-signature']).toContain(rogue.out)
    expect(
      await run(join(dir, 'valid.pem'), '--ca', pki.rogueRoot.certPath, '--intermediate', pki.moica.certPath)
    ).toMatchObject({ code: 1 })
    expect(await run(join(dir, 'valid.pem'), '--ca', pki.root.certPath)).toMatchObject({ code: 1, out: 'untrusted' })
    for (const v of ['expired', 'not-yet-valid', 'wrong-issuer'] as const) {
      expect(openssl('-CAfile', pki.root.certPath, '-untrusted', pki.moica.certPath, join(dir, `${v}.pem`))).toBe(false)
    }
  })

  it('--at moves the validation time; a CRL past its nextUpdate is crl-expired; a missing CRL fails', async () => {
    const before = pki.citizens.valid
    const notBefore = forge.pki.certificateFromPem(before.signCertPem).validity.notBefore
    expect(
      await run(join(dir, 'valid.pem'), ...chain(), '--at', new Date(notBefore.getTime() - 86_400_000).toISOString())
    ).toMatchObject({ code: 1, out: 'not-yet-valid' })
    const late = new Date(pki.crlNextUpdate.getTime() + 3_600_000).toISOString()
    const leafEnd = forge.pki.certificateFromPem(before.signCertPem).validity.notAfter
    if (leafEnd.getTime() > Date.parse(late)) {
      expect(await run(join(dir, 'valid.pem'), ...chain(), '--crl', pki.crlPath, '--at', late)).toMatchObject({
        code: 1,
        out: 'crl-expired'
      })
    }
    expect((await run(join(dir, 'valid.pem'), ...chain(), '--crl', join(dir, 'no-such.crl'))).code).toBe(2)
  })

  it('--json, usage errors', async () => {
    const j = await run(join(dir, 'expired.pem'), ...chain(), '--json')
    expect(j.code).toBe(1)
    expect(JSON.parse(j.out)).toMatchObject({ valid: false, reason: 'expired' })
    expect((await run(join(dir, 'valid.pem'))).code).toBe(2)
    expect((await run('--ca', pki.root.certPath)).code).toBe(2)
    expect((await run(join(dir, 'valid.pem'), ...chain(), '--at', 'yesterday')).code).toBe(2)
    expect((await run(join(dir, 'nope.pem'), ...chain())).code).toBe(2)
  })

  it('a device, FIFO or oversized file is a usage error (exit 2), never read for ever', async () => {
    // /dev/zero used to be read until memory ran out; a 300 MB file took 700 MB and 15 s.
    const zero = await run('/dev/zero', ...chain())
    expect(zero.code).toBe(2)
    expect(zero.err).toContain('/dev/zero: not a regular file')
    expect((await run(join(dir, 'valid.pem'), '--ca', '/dev/zero')).code).toBe(2)
    expect((await run(join(dir, 'valid.pem'), ...chain(), '--crl', '/dev/zero')).code).toBe(2)
    const big = join(dir, 'big.der')
    writeFileSync(big, '')
    truncateSync(big, MAX_CERT_FILE_BYTES + 1) // sparse: no disk used
    const huge = await run(big, ...chain())
    expect(huge.code).toBe(2)
    expect(huge.err).toContain('big.der: larger than 16 MiB')
  })
})

// ---- synthetic chains: basicConstraints, pathLenConstraint, CA key usage ----

interface Issued {
  cert: forge.pki.Certificate
  key: forge.pki.rsa.PrivateKey
  file: string
}

function keyPair(): { pub: forge.pki.rsa.PublicKey; priv: forge.pki.rsa.PrivateKey } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    pub: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    priv: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString())
  }
}

let serial = 1
function issue(name: string, issuer: Issued | null, exts: object[]): Issued {
  const k = keyPair()
  const cert = forge.pki.createCertificate()
  cert.publicKey = k.pub
  cert.serialNumber = (0x10 + serial++).toString(16)
  cert.validity.notBefore = new Date(Date.now() - 86_400_000)
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000)
  cert.setSubject([{ shortName: 'CN', value: name }])
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : [{ shortName: 'CN', value: name }])
  cert.setExtensions([...exts, { name: 'subjectKeyIdentifier' }])
  cert.sign(issuer?.key ?? k.priv, forge.md.sha256.create())
  const file = join(dir, `${name.replace(/\W/g, '_')}.pem`)
  writeFileSync(file, forge.pki.certificateToPem(cert))
  return { cert, key: k.priv, file }
}

const CA = (pathLen?: number): object[] => [
  {
    name: 'basicConstraints',
    critical: true,
    cA: true,
    ...(pathLen !== undefined ? { pathLenConstraint: pathLen } : {})
  },
  { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true }
]
const EE = [{ name: 'keyUsage', critical: true, digitalSignature: true }]

describe('verify-cert on synthetic chains (RFC 5280 §6.1.4)', () => {
  it('pathLenConstraint 0 allows one CA below it only for end entities', async () => {
    const root = issue('Root PL', null, CA())
    const ca0 = issue('CA pathLen 0', root, CA(0))
    const sub = issue('Sub CA', ca0, CA())
    const leafOk = issue('Leaf under CA0', ca0, EE)
    const leafDeep = issue('Leaf under Sub', sub, EE)
    expect(await run(leafOk.file, '--ca', root.file, '--intermediate', ca0.file)).toMatchObject({
      code: 0,
      out: 'valid'
    })
    expect(
      await run(leafDeep.file, '--ca', root.file, '--intermediate', ca0.file, '--intermediate', sub.file)
    ).toMatchObject({ code: 1, out: 'path-length' })
    expect(openssl('-CAfile', root.file, '-untrusted', ca0.file, '-untrusted', sub.file, leafDeep.file)).toBe(false)
    // Revocation required, but no CRL of this issuer given: status unknown, so not valid; without
    // --require-revocation an undetermined status does not fail the path (RFC 5280 §6.3 default).
    expect(
      await run(
        leafOk.file,
        '--ca',
        root.file,
        '--intermediate',
        ca0.file,
        '--crl',
        pki.crlPath,
        '--require-revocation'
      )
    ).toMatchObject({ code: 1, out: 'crl-missing' })
    expect(await run(leafOk.file, '--ca', root.file, '--intermediate', ca0.file, '--crl', pki.crlPath)).toMatchObject({
      code: 0,
      out: 'valid'
    })
  })

  it('an intermediate without cA or without keyCertSign cannot issue', async () => {
    const root = issue('Root BC', null, CA())
    const notCa = issue('Not a CA', root, [{ name: 'basicConstraints', critical: true, cA: false }])
    const noKcs = issue('No keyCertSign', root, [
      { name: 'basicConstraints', critical: true, cA: true },
      { name: 'keyUsage', critical: true, cRLSign: true, digitalSignature: true }
    ])
    const leaf1 = issue('Leaf of not-CA', notCa, EE)
    const leaf2 = issue('Leaf of no-KCS', noKcs, EE)
    expect(await run(leaf1.file, '--ca', root.file, '--intermediate', notCa.file)).toMatchObject({
      code: 1,
      out: 'not-ca'
    })
    expect(await run(leaf2.file, '--ca', root.file, '--intermediate', noKcs.file)).toMatchObject({
      code: 1,
      out: 'key-usage'
    })
  })

  it('names must chain: an intermediate with the right key but another name does not', async () => {
    const root = issue('Root NC', null, CA())
    const ca = issue('Issuing CA', root, CA())
    const leaf = issue('Leaf NC', ca, EE)
    // Same key as "Issuing CA", different subject name.
    const renamed = forge.pki.createCertificate()
    renamed.publicKey = ca.cert.publicKey
    renamed.serialNumber = '7f'
    renamed.validity = ca.cert.validity
    renamed.setSubject([{ shortName: 'CN', value: 'Other Name' }])
    renamed.setIssuer(root.cert.subject.attributes)
    renamed.setExtensions([...CA(), { name: 'subjectKeyIdentifier' }])
    renamed.sign(root.key, forge.md.sha256.create())
    const file = join(dir, 'renamed.pem')
    writeFileSync(file, forge.pki.certificateToPem(renamed))
    const r = await run(leaf.file, '--ca', root.file, '--intermediate', file)
    expect(r.code).toBe(1)
    expect(['name-chaining', 'untrusted']).toContain(r.out)
  })

  it('a tampered signature is bad-signature; case and spacing differences in names still chain', async () => {
    const root = issue('Root  Sig', null, CA())
    const ca = issue('CA Sig', root, CA())
    const leaf = issue('Leaf Sig', ca, EE)
    const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(leaf.cert)).getBytes(), 'binary')
    const bad = Buffer.from(der)
    bad[bad.length - 5] = (bad[bad.length - 5] ?? 0) ^ 0xff
    writeFileSync(join(dir, 'tampered.der'), bad)
    expect(await run(join(dir, 'tampered.der'), '--ca', root.file, '--intermediate', ca.file)).toMatchObject({
      code: 1,
      out: 'bad-signature'
    })
    // Leaf names its issuer "ca   SIG" (capitalisation + whitespace differ): RFC 5280 §7.1 says that matches.
    const k = keyPair()
    const odd = forge.pki.createCertificate()
    odd.publicKey = k.pub
    odd.serialNumber = '55'
    odd.validity = leaf.cert.validity
    odd.setSubject([{ shortName: 'CN', value: 'Leaf Odd' }])
    odd.setIssuer([{ shortName: 'CN', value: 'ca   SIG' }])
    odd.setExtensions(EE)
    odd.sign(ca.key, forge.md.sha256.create())
    writeFileSync(join(dir, 'odd.pem'), forge.pki.certificateToPem(odd))
    expect(await run(join(dir, 'odd.pem'), '--ca', root.file, '--intermediate', ca.file)).toMatchObject({
      code: 0,
      out: 'valid'
    })
  })
})
