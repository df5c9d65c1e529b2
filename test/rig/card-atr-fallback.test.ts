import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCardTable, withPolicyCards, type CardTable } from '../../src/main/card/atr'
import { CardService } from '../../src/main/card/card-service'
import { ReaderMonitor } from '../../src/main/card/reader-monitor'
import { loadTrustStore } from '../../src/main/pki/trust-store'
import { startRig, type Rig } from './rig'
import { waitForPhase } from './wait-for-phase'

// Cards beyond the ATR table (field case "unlisted ATR"): ATR 3BB896008131FA524348544D4F49434120
// has the historical bytes of the table's MOICA ATR with another TA1. With the token's module
// configured (user/policy pkcs11Modules) it is tried read-only, no PIN, and reaches ready; a
// policy cardAtrs entry names it; with no module that can read it, it is unsupported and the
// status carries reader, ATR and the modules tried (what to send to support).

const resources = join(__dirname, '../../resources')
const UNLISTED_ATR = '3BB896008131FA524348544D4F49434120'
let rig: Rig
const services: CardService[] = []

function service(table: CardTable, preferredModules: string[]): CardService {
  const s = new CardService({
    monitor: new ReaderMonitor({ backoffMs: [100, 200, 400] }),
    table,
    trust: loadTrustStore(resources, rig.trustDir),
    preferredModules
  })
  services.push(s)
  s.start()
  return s
}

beforeAll(async () => {
  rig = await startRig()
  Object.assign(process.env, rig.env)
  await rig.cards[0].insert(UNLISTED_ATR)
}, 120_000)

afterAll(async () => {
  for (const s of services) s.stop()
  await rig?.stop()
})

describe('an ATR that is not in the card table', () => {
  it('is not in the table', () => {
    expect(loadCardTable(resources).cards.map((c) => c.atr)).not.toContain(UNLISTED_ATR)
  })

  it('with the token module configured: tried without a PIN and ready', async () => {
    const s = service(loadCardTable(resources), [rig.token.module])
    const ready = await waitForPhase(s, 'ready', 15_000)
    expect(ready).toMatchObject({
      atr: UNLISTED_ATR,
      module: rig.token.module,
      chain: 'valid',
      reader: 'Virtual PCD 00 00'
    })
    expect(ready.cardName).toContain(UNLISTED_ATR)
    expect(ready.certificate?.subjectName).toBe('王小明')
    expect(s.signingToken()?.module).toBe(rig.token.module)
    s.stop()
  })

  it('with a policy cardAtrs entry: matched by name, its modules used', async () => {
    const table = withPolicyCards(loadCardTable(resources), [
      { atr: UNLISTED_ATR, name: 'MOICA (TA1 96)', modules: [rig.token.module] }
    ])
    const s = service(table, [])
    const ready = await waitForPhase(s, 'ready', 15_000)
    expect(ready).toMatchObject({ cardName: 'MOICA (TA1 96)', module: rig.token.module, chain: 'valid' })
    s.stop()
  })

  it('with no module that can read it: unsupported, with reader, ATR and the modules tried', async () => {
    const bare: CardTable = { ...loadCardTable(resources), moduleSets: {} }
    const s = service(bare, ['/nonexistent/libpkcs11.so'])
    const u = await waitForPhase(s, 'unsupported-card', 15_000)
    expect(u).toMatchObject({ problem: 'UNSUPPORTED_CARD', reader: 'Virtual PCD 00 00', atr: UNLISTED_ATR })
    expect(u.detail).toContain('Virtual PCD 00 00')
    expect(u.detail).toContain(UNLISTED_ATR)
    expect(u.detail).toContain('modules tried: none installed')
    s.stop()
  })
})
