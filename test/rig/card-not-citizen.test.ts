import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CardStatus } from '../../src/shared/card-status'
import { loadCardTable } from '../../src/main/card/atr'
import { CardService } from '../../src/main/card/card-service'
import { ReaderMonitor } from '../../src/main/card/reader-monitor'
import { validateStrictAgainstStore } from '../../src/main/pki/chain'
import { loadTrustStore } from '../../src/main/pki/trust-store'
import { parseStrictCertificate } from '../../src/main/pki/x509-strict'
import { issueMoeacaCard } from './moeaca'
import { startRig, type Rig } from './rig'
import { provisionCard, type SoftHsmCard } from './softhsm'
import { MOICA_ATR } from './virtual-card'
import { waitForPhase } from './wait-for-phase'

// Only citizen certificates: a card whose certificate a TEST "MOEACA" (business-certificate CA)
// issued under the TEST GRCA root — a chain that is perfectly valid up to GRCA, the MOEACA CA even
// in the trust folder — is not ready: `not-citizen-certificate`, naming the issuer.

const resources = join(__dirname, '../../resources')
let rig: Rig
let token: SoftHsmCard
let service: CardService
let caPath: string

beforeAll(async () => {
  rig = await startRig()
  const moeaca = issueMoeacaCard(rig.pki, join(rig.dir, 'moeaca'))
  caPath = moeaca.caCertPath
  copyFileSync(moeaca.caCertPath, join(rig.trustDir, 'test-moeaca.pem'))
  token = await provisionCard(moeaca.citizen, { dir: join(rig.dir, 'softhsm-moeaca') })
  // This file's process uses only the MOEACA token: SoftHSM reads SOFTHSM2_CONF at first use.
  Object.assign(process.env, rig.env, token.env)
  service = new CardService({
    monitor: new ReaderMonitor({ backoffMs: [100, 200, 400] }),
    table: loadCardTable(resources),
    trust: loadTrustStore(resources, rig.trustDir),
    preferredModules: [token.module]
  })
  service.start()
}, 120_000)

afterAll(async () => {
  service?.stop()
  await rig?.stop()
})

describe('a MOEACA (business) card certificate under the TEST GRCA', () => {
  it('its chain is valid up to GRCA — the strict validator alone would accept it', () => {
    const leaf = parseStrictCertificate(token.citizen.signCertDer)
    const result = validateStrictAgainstStore(leaf, loadTrustStore(resources, rig.trustDir), new Date())
    expect(result.valid).toBe(true)
    expect(result.path.map((c) => c.subject.text)[1]).toContain('經濟部工商憑證管理中心')
    expect(caPath).toMatch(/test-moeaca\.pem$/)
  })

  it('the card is not ready: not-citizen-certificate, with the issuer named', async () => {
    await rig.cards[0].insert(MOICA_ATR)
    const s: CardStatus = await waitForPhase(service, 'not-citizen-certificate', 15_000)
    expect(s.problem).toBe('NOT_CITIZEN_CERTIFICATE')
    expect(s.certificate?.issuer).toBe('TEST 經濟部工商憑證管理中心')
    expect(s.detail).toContain('經濟部工商憑證管理中心')
    expect(service.signingToken()).toBeNull()
    await new Promise((r) => setTimeout(r, 300))
    expect(service.current().phase).toBe('not-citizen-certificate')
  })
})
