import { mkdirSync, mkdtempSync, copyFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCertificate } from '../../src/main/pki/certificate'
import { validateChain } from '../../src/main/pki/chain'
import { loadTrustStore, type TrustStore } from '../../src/main/pki/trust-store'
import { loadOrGenerateTestPki, type TestPki } from '../../server-mock/test-pki'

const resources = join(__dirname, '../../resources')
let pki: TestPki
let store: TrustStore
let devDir: string

beforeAll(async () => {
  pki = await loadOrGenerateTestPki()
  devDir = mkdtempSync(join(tmpdir(), 'eccs-trust-'))
  mkdirSync(devDir, { recursive: true })
  copyFileSync(pki.root.certPath, join(devDir, 'root.pem'))
  copyFileSync(pki.moica.certPath, join(devDir, 'moica.pem'))
  store = loadTrustStore(resources, devDir)
})
afterAll(() => rmSync(devDir, { recursive: true, force: true }))

describe('bundled real anchors', () => {
  it('loads GRCA G1/G2/G3 as anchors and MOICA G2/G3 as intermediates, told apart by key id', () => {
    const real = loadTrustStore(resources, null)
    expect(real.anchors).toHaveLength(3)
    expect(real.intermediates).toHaveLength(2)
    const [g2, g3] = real.intermediates
    expect(g2?.subjectDn).toBe(g3?.subjectDn) // same DN …
    expect(g2?.ski).not.toBe(g3?.ski) // … different keys
  })

  it('validates the real MOICA G2 and G3 CA certificates to their GRCA roots', () => {
    const real = loadTrustStore(resources, null)
    for (const moica of real.intermediates) {
      // A CA cert as "leaf" lacks digitalSignature, so check the link itself.
      const issuer = real.anchors.find((a) => a.ski === moica.aki)
      expect(issuer, moica.subjectDn).toBeDefined()
      expect(issuer?.cert.verify(moica.cert)).toBe(true)
    }
  })
})

describe('test PKI chains (AKI/SKI path building)', () => {
  it('reads the MOICA profile of a citizen certificate', () => {
    const c = parseCertificate(pki.citizens.valid.signCertDer)
    expect(c.subjectName).toBe('王小明')
    expect(c.cardSerial).toMatch(/^\d{16}$/)
    expect(c.idLast4).toBe('6789')
    expect(c.keyUsage?.digitalSignature).toBe(true)
    const enc = parseCertificate(pki.citizens.valid.encCertDer)
    expect(enc.keyUsage?.digitalSignature).toBe(false)
    expect(enc.keyUsage?.keyEncipherment).toBe(true)
  })

  it.each([
    ['valid', 'valid'],
    ['expired', 'expired'],
    ['not-yet-valid', 'not-yet-valid'],
    ['wrong-issuer', 'untrusted'],
    ['wrong-key-usage', 'untrusted']
  ] as const)('%s citizen → %s', (variant, verdict) => {
    const leaf = parseCertificate(pki.citizens[variant].signCertDer)
    expect(validateChain(leaf, store).verdict).toBe(verdict)
  })

  it('does not trust the test anchors unless the dev trust folder is given', () => {
    const leaf = parseCertificate(pki.citizens.valid.signCertDer)
    expect(validateChain(leaf, loadTrustStore(resources, null)).verdict).toBe('untrusted')
  })

  it('rejects a path through the rogue CA that shares the real DN', () => {
    // Rogue MOICA has the same DN as TEST MOICA: DN-only chaining would be fooled.
    const rogueLeaf = parseCertificate(pki.citizens['wrong-issuer'].signCertDer)
    expect(rogueLeaf.issuerDn).toBe(parseCertificate(pki.moica.certDer).subjectDn)
    const result = validateChain(rogueLeaf, store)
    expect(result.verdict).toBe('untrusted')
    expect(result.path).toHaveLength(1)
  })
})
