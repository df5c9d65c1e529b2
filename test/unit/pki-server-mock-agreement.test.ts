import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrustStore as loadMockTrust, verifyCitizenCertificate } from '../../server-mock/certs'
import { ApiError } from '../../server-mock/errors'
import { parseCertificate } from '../../src/main/pki/certificate'
import { validateChain, type ChainResult } from '../../src/main/pki/chain'
import { loadTrustStore } from '../../src/main/pki/trust-store'
import { readDerObjects } from '../../src/main/pki/x509-strict'
import { issueMoeacaCard } from '../rig/moeaca'
import { CITIZEN_VARIANTS, loadOrGenerateTestPki, type TestPki } from '../../server-mock/test-pki'
import { REPO_ROOT, SHARED_DIR } from './pkits-harness'

// server-mock keeps its own X.509 implementation (server-mock/x509.ts, certs.ts) as an
// independent cross-check of the client's validator: on every card certificate vector in the repo
// (rig variants, the MOEACA business certificate, the field cases) both accept exactly the same
// ones and refuse the rest for the same kind of reason. (PKITS leaves are not citizen
// certificates; server-mock, a citizen-certificate API, refuses them all by profile.)

let pki: TestPki
let dir: string
beforeAll(async () => {
  pki = await loadOrGenerateTestPki()
  dir = mkdtempSync(join(tmpdir(), 'mock-agree-'))
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

type Kind = 'valid' | 'expired' | 'not-yet-valid' | 'not-citizen' | 'refused'

function clientKind(r: ChainResult): Kind {
  if (r.notCitizen) return 'not-citizen'
  if (r.verdict === 'valid' || r.verdict === 'expired' || r.verdict === 'not-yet-valid') return r.verdict
  return 'refused'
}

function mockKind(fn: () => unknown): Kind {
  try {
    fn()
    return 'valid'
  } catch (err) {
    if (!(err instanceof ApiError)) throw err
    const code = (err as ApiError & { code: string }).code
    if (code === 'CERTIFICATE_EXPIRED') return 'expired'
    if (code === 'CERTIFICATE_NOT_YET_VALID') return 'not-yet-valid'
    if (code === 'CERTIFICATE_NOT_CITIZEN') return 'not-citizen'
    return 'refused'
  }
}

function both(leafDer: Buffer, anchors: string[], intermediates: string[]): { client: Kind; mock: Kind } {
  const trustDir = mkdtempSync(join(dir, 'trust-'))
  ;[...anchors, ...intermediates].forEach((f, i) => copyFileSync(f, join(trustDir, `${i}.pem`)))
  const client = clientKind(
    validateChain(parseCertificate(leafDer), loadTrustStore(join(REPO_ROOT, 'resources'), trustDir), new Date())
  )
  const mock = mockKind(() => verifyCitizenCertificate(leafDer, loadMockTrust({ anchors, intermediates }), new Date()))
  return { client, mock }
}

describe('client validator ⇔ server-mock (independent implementation)', () => {
  it('every rig citizen variant', () => {
    const expected: Record<string, Kind> = {
      valid: 'valid',
      expired: 'expired',
      'not-yet-valid': 'not-yet-valid',
      'wrong-issuer': 'refused',
      revoked: 'valid',
      'wrong-key-usage': 'refused',
      resident: 'valid'
    }
    for (const v of CITIZEN_VARIANTS) {
      const r = both(pki.citizens[v].signCertDer, [pki.root.certPath], [pki.moica.certPath])
      expect({ v, ...r }).toEqual({ v, client: expected[v], mock: expected[v] })
    }
  })

  it('a TEST MOEACA (business) certificate under the TEST GRCA: not a citizen certificate on both', () => {
    const m = issueMoeacaCard(pki, join(dir, 'moeaca'))
    expect(both(m.citizen.signCertDer, [pki.root.certPath], [pki.moica.certPath, m.caCertPath])).toEqual({
      client: 'not-citizen',
      mock: 'not-citizen'
    })
    expect(both(m.citizen.signCertDer, [pki.root.certPath], [pki.moica.certPath])).toEqual({
      client: 'not-citizen',
      mock: 'not-citizen'
    })
  })

  it('the field cases: critical extension refused, RSA-PSS accepted, on both', () => {
    const cases = join(SHARED_DIR, 'field-cases')
    const result = (name: string): { client: Kind; mock: Kind } => {
      const leaf = readDerObjects(readFileSync(join(cases, name, 'leaf.pem')))[0] as Buffer
      const pem = (f: string): string => {
        const out = join(dir, `${name}-${f}`)
        writeFileSync(out, readFileSync(join(cases, name, f)))
        return out
      }
      return both(leaf, [pem('root.pem')], [pem('intermediate.pem')])
    }
    expect(result('critical-extension')).toEqual({ client: 'refused', mock: 'refused' })
    expect(result('rsa-pss')).toEqual({ client: 'valid', mock: 'valid' })
  })
})
