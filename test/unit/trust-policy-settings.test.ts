import { copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadCardTable, matchAtr, platformModules, withPolicyCards } from '../../src/main/card/atr'
import { parseCertificate } from '../../src/main/pki/certificate'
import { validateChain } from '../../src/main/pki/chain'
import { loadTrustStore } from '../../src/main/pki/trust-store'
import { PolicySchema } from '../../src/main/policy/schema'
import { loadOrGenerateTestPki, OID_MOICA_POLICY, type TestPki } from '../../server-mock/test-pki'

// Policy keys of the trust core: cardAtrs (extra card types) and requiredCertificatePolicies;
// the bundled MOICA G2/G3 CAs are the citizen CAs of a release build.

const resources = join(__dirname, '../../resources')
const UNLISTED_ATR = '3BB896008131FA524348544D4F49434120'
let pki: TestPki
let trustDir: string
beforeAll(async () => {
  pki = await loadOrGenerateTestPki()
  trustDir = mkdtempSync(join(tmpdir(), 'trust-policy-'))
  copyFileSync(pki.root.certPath, join(trustDir, 'root.pem'))
  copyFileSync(pki.moica.certPath, join(trustDir, 'moica.pem'))
}, 120_000)

describe('policy cardAtrs', () => {
  it('accepts ATR + optional mask + name + absolute module paths, and names bad entries', () => {
    expect(
      PolicySchema.safeParse({
        cardAtrs: [{ atr: UNLISTED_ATR, name: 'MOICA (TA1 96)', modules: ['/usr/lib/libHicos_p11.so'] }]
      }).success
    ).toBe(true)
    const bad = [
      { atr: 'XYZ', name: 'n', modules: ['/m.so'] },
      { atr: UNLISTED_ATR, mask: 'FF', name: 'n', modules: ['/m.so'] },
      { atr: UNLISTED_ATR, name: 'n', modules: ['relative.so'] },
      { atr: UNLISTED_ATR, name: 'n', modules: [] },
      { atr: UNLISTED_ATR, name: 'n', modules: ['/m.so'], extra: 1 }
    ]
    for (const entry of bad)
      expect({ entry, ok: PolicySchema.safeParse({ cardAtrs: [entry] }).success }).toEqual({ entry, ok: false })
  })

  it('an entry matches its ATR (mask defaults to all FF) before the built-in table, with its modules', () => {
    const table = withPolicyCards(
      loadCardTable(resources),
      [{ atr: UNLISTED_ATR.toLowerCase(), name: 'MOICA (TA1 96)', modules: ['/opt/hicos/libhicos.so'] }],
      'linux',
      'x64'
    )
    expect(matchAtr(loadCardTable(resources), UNLISTED_ATR, 'linux', 'x64')).toBeNull()
    expect(matchAtr(table, UNLISTED_ATR, 'linux', 'x64')).toEqual({
      id: 'policy-0',
      name: 'MOICA (TA1 96)',
      modules: ['/opt/hicos/libhicos.so']
    })
    // Masked: any TA1.
    const masked = withPolicyCards(
      loadCardTable(resources),
      [{ atr: UNLISTED_ATR, mask: 'FFFF00FFFFFFFFFFFFFFFFFFFFFFFFFFFF', name: 'any TA1', modules: ['/m.so'] }],
      'linux',
      'x64'
    )
    expect(matchAtr(masked, '3BB811008131FA524348544D4F49434120', 'linux', 'x64')?.name).toBe('any TA1')
  })

  it('platform defaults for unknown ATRs: every module the table lists for the OS/arch, once each', () => {
    const mods = platformModules(loadCardTable(resources), 'linux', 'x64')
    expect(mods).toContain('/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so')
    expect(new Set(mods).size).toBe(mods.length)
    expect(platformModules(loadCardTable(resources), 'win32', 'x64')).toEqual([
      'C:\\Windows\\System32\\HiCOSPKCS11.dll'
    ])
  })
})

describe('citizen CAs and required certificate policies', () => {
  it('the bundled MOICA G2 and G3 are the citizen CAs of a release build (no dev folder)', () => {
    const store = loadTrustStore(resources, null)
    expect(store.citizenCas?.map((c) => c.subject.text)).toEqual([
      'C=TW, O=行政院, OU=內政部憑證管理中心',
      'C=TW, O=行政院, OU=內政部憑證管理中心'
    ])
  })

  it('requiredCertificatePolicies: the MOICA policy passes, another OID is refused with reason policy', () => {
    const store = loadTrustStore(resources, trustDir)
    const leaf = parseCertificate(pki.citizens.valid.signCertDer)
    const ok = validateChain(leaf, store, new Date(), { requiredPolicies: [OID_MOICA_POLICY] })
    const other = validateChain(leaf, store, new Date(), { requiredPolicies: ['2.16.886.101.0.3.99'] })
    expect(ok.verdict).toBe('valid')
    expect(other).toMatchObject({ verdict: 'untrusted', failure: 'policy' })
  })
})
