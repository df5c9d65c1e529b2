// Certificate path validation, independent of the HTTP layer.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOrGenerateTestPki, type TestPki } from './test-pki'
import { loadTrustStore, verifyCitizenCertificate, type TrustStore } from './certs'
import { ApiError } from './errors'
import { parseCrl } from './x509'
import { writePkiFiles, type PkiFiles } from './test-helpers'

let pki: TestPki
let store: TrustStore
let f: PkiFiles
let dir: string

beforeAll(async () => {
  pki = await loadOrGenerateTestPki()
  dir = mkdtempSync(join(tmpdir(), 'server-mock-certs-'))
  f = writePkiFiles(pki, dir)
  store = loadTrustStore({ anchors: [f.root], intermediates: [f.moica], crls: [f.crl] })
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function code(fn: () => unknown): string {
  try {
    fn()
    return 'OK'
  } catch (err) {
    if (err instanceof ApiError) return err.code
    throw err
  }
}

describe('verifyCitizenCertificate', () => {
  it('accepts the valid citizen and extracts name, card serial and ID digits', () => {
    const v = verifyCitizenCertificate(pki.citizens.valid.signCertDer, store, new Date())
    expect(v).toMatchObject({ name: '王小明', cardSerial: pki.citizens.valid.cardSerial, nationalIdLast4: '6789' })
    expect(v.chain).toHaveLength(3)
  })

  it.each([
    ['wrong-issuer', 'CERTIFICATE_UNTRUSTED'],
    ['expired', 'CERTIFICATE_EXPIRED'],
    ['not-yet-valid', 'CERTIFICATE_NOT_YET_VALID'],
    ['revoked', 'CERTIFICATE_REVOKED'],
    ['wrong-key-usage', 'CERTIFICATE_KEY_USAGE']
  ] as const)('%s → %s', (variant, expected) => {
    expect(code(() => verifyCitizenCertificate(pki.citizens[variant].signCertDer, store, new Date()))).toBe(expected)
  })

  it('refuses the key-exchange certificate (no digitalSignature)', () => {
    expect(code(() => verifyCitizenCertificate(pki.citizens.valid.encCertDer, store, new Date()))).toBe(
      'CERTIFICATE_KEY_USAGE'
    )
  })

  it('trusting the rogue hierarchy (same DNs) does not make real certificates valid, and vice versa', () => {
    const rogue = loadTrustStore({ anchors: [f.rogueRoot], intermediates: [f.rogueMoica] })
    expect(code(() => verifyCitizenCertificate(pki.citizens.valid.signCertDer, rogue, new Date()))).toBe(
      'CERTIFICATE_UNTRUSTED'
    )
    expect(code(() => verifyCitizenCertificate(pki.citizens['wrong-issuer'].signCertDer, rogue, new Date()))).toBe('OK')
    // Both intermediates configured: chain building by AKI/SKI still picks the right one.
    const mixed = loadTrustStore({ anchors: [f.root], intermediates: [f.rogueMoica, f.moica] })
    expect(code(() => verifyCitizenCertificate(pki.citizens.valid.signCertDer, mixed, new Date()))).toBe('OK')
    expect(code(() => verifyCitizenCertificate(pki.citizens['wrong-issuer'].signCertDer, mixed, new Date()))).toBe(
      'CERTIFICATE_UNTRUSTED'
    )
  })

  it('a missing intermediate makes the chain untrusted', () => {
    const rootOnly = loadTrustStore({ anchors: [f.root] })
    expect(code(() => verifyCitizenCertificate(pki.citizens.valid.signCertDer, rootOnly, new Date()))).toBe(
      'CERTIFICATE_UNTRUSTED'
    )
  })

  it('a stale CRL makes revocation unknown; without CRLs revocation is not checked', () => {
    const crl = parseCrl(pki.crlDer)
    expect(crl.nextUpdate).not.toBeNull()
    const afterNextUpdate = new Date((crl.nextUpdate as Date).getTime() + 1000)
    expect(code(() => verifyCitizenCertificate(pki.citizens.valid.signCertDer, store, afterNextUpdate))).toBe(
      'CERTIFICATE_REVOCATION_UNKNOWN'
    )
    const noCrl = loadTrustStore({ anchors: [f.root], intermediates: [f.moica] })
    expect(code(() => verifyCitizenCertificate(pki.citizens.revoked.signCertDer, noCrl, new Date()))).toBe('OK')
  })

  it('refuses a CRL that no configured CA signed', () => {
    expect(() => loadTrustStore({ anchors: [f.rogueRoot], intermediates: [f.rogueMoica], crls: [f.crl] })).toThrow(
      /not signed/
    )
  })

  it('refuses garbage', () => {
    expect(code(() => verifyCitizenCertificate(Buffer.from('3003020100', 'hex'), store, new Date()))).toBe(
      'CERTIFICATE_INVALID'
    )
    const truncated = pki.citizens.valid.signCertDer.subarray(0, 200)
    expect(code(() => verifyCitizenCertificate(truncated, store, new Date()))).toBe('CERTIFICATE_INVALID')
  })
})
