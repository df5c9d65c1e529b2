import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import forge from 'node-forge'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../src/main/cli'
import { parseCertificate } from '../../src/main/pki/certificate'
import { validateChain, validateStrictAgainstStore } from '../../src/main/pki/chain'
import { validatePathStrict } from '../../src/main/pki/path-validation'
import type { TrustStore } from '../../src/main/pki/trust-store'
import { runVerifyCert } from '../../src/main/pki/verify-cert-command'
import { parseStrictCertificate } from '../../src/main/pki/x509-strict'
import { CITIZEN_VARIANTS, loadOrGenerateTestPki, type TestPki } from '../../server-mock/test-pki'
import { loadPkits, pkitsFile, PKITS_DIR } from './pkits-harness'

// One validator: the card's startup check (chain.ts → path-validation.ts) and `verify-cert` give
// the same verdict on every certificate of the rig's variants and of PKITS; path building ends
// within a second on a mesh; unknown algorithms and malformed CAs get their own reasons; every
// subcommand's --help exits 0.

let pki: TestPki
let dir: string
beforeAll(async () => {
  pki = await loadOrGenerateTestPki()
  dir = mkdtempSync(join(tmpdir(), 'agree-'))
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(argv: string[]): Promise<{ code: number; valid: boolean; reason?: string }> {
  let out = ''
  const code = await runVerifyCert([...argv, '--json'], { stdout: (s) => (out += s), stderr: () => undefined })
  const body = JSON.parse(out) as { valid: boolean; reason?: string }
  return { code, ...body }
}

/** A TrustStore as the card path uses it, holding the given strict certificates. */
function storeOf(anchors: Buffer[], intermediates: Buffer[]): TrustStore {
  return {
    anchors: [],
    intermediates: [],
    strict: { anchors: anchors.map(parseStrictCertificate), intermediates: intermediates.map(parseStrictCertificate) },
    citizenCas: []
  }
}

describe('card path ⇔ verify-cert', () => {
  it('every rig variant: same verdict and reason', async () => {
    const store = storeOf([pki.root.certDer], [pki.moica.certDer])
    for (const variant of CITIZEN_VARIANTS) {
      const c = pki.citizens[variant]
      const card = validateStrictAgainstStore(parseStrictCertificate(c.signCertDer), store, new Date())
      const cmd = await cli([c.files.signCert, '--ca', pki.root.certPath, '--intermediate', pki.moica.certPath])
      expect({ variant, valid: card.valid, reason: card.reason }).toEqual({
        variant,
        valid: cmd.valid,
        reason: cmd.reason
      })
      expect(cmd.code).toBe(card.valid ? 0 : 1)
    }
  })

  it('the full card verdict (with the citizen rule) is valid exactly for the valid variant', () => {
    const store = {
      anchors: [parseCertificate(pki.root.certDer)],
      intermediates: [parseCertificate(pki.moica.certDer)]
    }
    const s: TrustStore = {
      ...store,
      strict: {
        anchors: [parseStrictCertificate(pki.root.certDer)],
        intermediates: [parseStrictCertificate(pki.moica.certDer)]
      }
    }
    s.citizenCas = s.strict?.intermediates ?? []
    const verdicts = Object.fromEntries(
      CITIZEN_VARIANTS.map((v) => [v, validateChain(parseCertificate(pki.citizens[v].signCertDer), s).verdict])
    )
    expect(verdicts).toEqual({
      valid: 'valid',
      expired: 'expired',
      'not-yet-valid': 'not-yet-valid',
      'wrong-issuer': 'untrusted',
      revoked: 'valid',
      'wrong-key-usage': 'untrusted',
      resident: 'valid'
    })
  })

  it('every PKITS end entity (no CRLs: the card checks revocation separately): same verdict and reason', async () => {
    const manifest = loadPkits()
    if (!manifest) throw new Error(`PKITS data not found at ${PKITS_DIR}`)
    const at = manifest.validationTime
    let compared = 0
    for (const c of manifest.cases) {
      const parsed: Buffer[] = []
      const files: string[] = []
      for (const f of c.intermediates) {
        const der = readFileSync(pkitsFile('certs', f))
        try {
          parseStrictCertificate(der)
          parsed.push(der)
          files.push(pkitsFile('certs', f))
        } catch {
          // malformed intermediates: the CLI reports them; the store would refuse to load them
        }
      }
      if (files.length !== c.intermediates.length) continue
      const anchorPath = join(PKITS_DIR, manifest.trustAnchor)
      const card = validateStrictAgainstStore(
        parseStrictCertificate(readFileSync(pkitsFile('certs', c.endEntity))),
        storeOf([readFileSync(anchorPath)], parsed),
        new Date(at)
      )
      const cmd = await cli([
        pkitsFile('certs', c.endEntity),
        '--ca',
        anchorPath,
        ...files.flatMap((f) => ['--intermediate', f]),
        '--at',
        at
      ])
      expect({ id: c.id, valid: card.valid, reason: card.reason }).toEqual({
        id: c.id,
        valid: cmd.valid,
        reason: cmd.reason
      })
      compared++
    }
    expect(compared).toBeGreaterThan(160)
  })
})

describe('validator edge cases', () => {
  const key = (): { pub: forge.pki.rsa.PublicKey; priv: forge.pki.rsa.PrivateKey } => {
    const k = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' }
    })
    return { pub: forge.pki.publicKeyFromPem(k.publicKey), priv: forge.pki.privateKeyFromPem(k.privateKey) }
  }
  let serial = 1
  function cert(
    subject: string,
    issuer: string,
    pub: forge.pki.rsa.PublicKey,
    signer: forge.pki.rsa.PrivateKey,
    ca: boolean
  ): Buffer {
    const c = forge.pki.createCertificate()
    c.serialNumber = (serial++).toString(16).padStart(4, '0')
    c.publicKey = pub
    c.validity.notBefore = new Date(Date.now() - 86_400_000)
    c.validity.notAfter = new Date(Date.now() + 86_400_000 * 30)
    c.setSubject([{ shortName: 'CN', value: subject }])
    c.setIssuer([{ shortName: 'CN', value: issuer }])
    c.setExtensions(
      ca
        ? [
            { name: 'basicConstraints', critical: true, cA: true },
            { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true }
          ]
        : [{ name: 'keyUsage', critical: true, digitalSignature: true }]
    )
    c.sign(signer, forge.md.sha256.create())
    return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(c)).getBytes(), 'binary')
  }

  it('a cross-certified mesh of same-named CAs (8 per level, 6 levels) ends with a verdict within one second', () => {
    const root = key()
    const rootDer = cert('Mesh Root', 'Mesh Root', root.pub, root.priv, true)
    const levels = Array.from({ length: 6 }, () => Array.from({ length: 8 }, key))
    const intermediates: Buffer[] = []
    levels.forEach((level, i) => {
      for (const k of level) {
        const parents = i === 0 ? [root] : (levels[i - 1] as typeof level)
        for (const p of parents)
          intermediates.push(cert(`Mesh CA L${i}`, i === 0 ? 'Mesh Root' : `Mesh CA L${i - 1}`, k.pub, p.priv, true))
      }
    })
    const anchors = [parseStrictCertificate(rootDer)]
    const pool = intermediates.map(parseStrictCertificate)
    const lastLevel = levels[5] as { pub: forge.pki.rsa.PublicKey; priv: forge.pki.rsa.PrivateKey }[]
    // Signed by a key no CA in the mesh holds: every one of 8^6 paths fails.
    const orphan = parseStrictCertificate(cert('Orphan EE', 'Mesh CA L5', key().pub, key().priv, false))
    let t = performance.now()
    const bad = validatePathStrict({ leaf: orphan, anchors, intermediates: pool, crls: [], at: new Date() })
    const badMs = performance.now() - t
    const good = parseStrictCertificate(
      cert('Good EE', 'Mesh CA L5', key().pub, (lastLevel[7] as { priv: forge.pki.rsa.PrivateKey }).priv, false)
    )
    t = performance.now()
    const ok = validatePathStrict({ leaf: good, anchors, intermediates: pool, crls: [], at: new Date() })
    const okMs = performance.now() - t
    console.log(
      `mesh of ${pool.length} cross-certificates: invalid leaf ${badMs.toFixed(0)} ms, valid leaf ${okMs.toFixed(0)} ms`
    )
    expect(bad).toMatchObject({ valid: false, reason: 'bad-signature' })
    expect(ok.valid).toBe(true)
    expect(ok.path).toHaveLength(8)
    expect(badMs).toBeLessThan(1000)
    expect(okMs).toBeLessThan(1000)
  }, 60_000)

  it('an unknown signature algorithm is unsupported-algorithm, never bad-signature', async () => {
    const root = key()
    const rootDer = cert('Alg Root', 'Alg Root', root.pub, root.priv, true)
    const leafDer = cert('Alg EE', 'Alg Root', key().pub, root.priv, false)
    // Swap sha256WithRSAEncryption (…01 01 0B) for an unassigned RSA OID (…01 01 63) in both AlgorithmIdentifiers.
    const from = Buffer.from('06092a864886f70d01010b', 'hex')
    const to = Buffer.from('06092a864886f70d010163', 'hex')
    const hacked = Buffer.from(leafDer)
    for (let i = hacked.indexOf(from); i >= 0; i = hacked.indexOf(from, i + 1)) to.copy(hacked, i)
    writeFileSync(join(dir, 'alg-root.der'), rootDer)
    writeFileSync(join(dir, 'alg-ee.der'), hacked)
    expect(await cli([join(dir, 'alg-ee.der'), '--ca', join(dir, 'alg-root.der')])).toMatchObject({
      code: 1,
      valid: false,
      reason: 'unsupported-algorithm'
    })
  })

  it('a CA certificate that cannot be parsed in the path: exit 1, malformed-certificate (not a usage error)', async () => {
    const root = key()
    const ca = key()
    writeFileSync(join(dir, 'm-root.der'), cert('M Root', 'M Root', root.pub, root.priv, true))
    const caDer = cert('M CA', 'M Root', ca.pub, root.priv, true)
    writeFileSync(join(dir, 'm-ee.der'), cert('M EE', 'M CA', key().pub, ca.priv, false))
    // Truncate the CA's signature: the outer SEQUENCE length no longer matches.
    writeFileSync(join(dir, 'm-ca.der'), caDer.subarray(0, caDer.length - 5))
    expect(
      await cli([join(dir, 'm-ee.der'), '--ca', join(dir, 'm-root.der'), '--intermediate', join(dir, 'm-ca.der')])
    ).toMatchObject({ code: 1, valid: false, reason: 'malformed-certificate' })
  })

  it('verify-cert --help and every subcommand --help print usage and exit 0', async () => {
    for (const argv of [
      ['verify-cert', '--help'],
      ['doctor', '--help'],
      ['policy', '--help'],
      ['support-bundle', '--help'],
      ['verify-cert', '-h']
    ]) {
      let out = ''
      const code = await runCli(argv, {
        out: (s: string) => (out += s),
        err: () => undefined,
        env: {}
      } as unknown as Parameters<typeof runCli>[1])
      expect({ argv, code }).toEqual({ argv, code: 0 })
      expect(out).toMatch(/usage: eccs-client/)
    }
  })
})
