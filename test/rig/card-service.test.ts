import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CardPhase, CardStatus } from '../../src/shared/card-status'
import { loadCardTable } from '../../src/main/card/atr'
import { createCardLayer, type CardLayer } from '../../src/main/card/card-layer'
import { CardService } from '../../src/main/card/card-service'
import { ReaderMonitor } from '../../src/main/card/reader-monitor'
import { loadTrustStore } from '../../src/main/pki/trust-store'
import { startRig, type Rig } from './rig'
import { MOICA_ATR } from './virtual-card'
import { waitForPhase } from './wait-for-phase'

// The detection state machine against real pcscd events and a real PKCS#11 token.

const resources = join(__dirname, '../../resources')
let rig: Rig
let layer: CardLayer
let service: CardService
const seen: CardStatus[] = []

const waitFor = (phase: CardPhase, timeoutMs = 8000): Promise<CardStatus> => waitForPhase(service, phase, timeoutMs)

beforeAll(async () => {
  rig = await startRig()
  Object.assign(process.env, rig.env) // libpcsclite and SoftHSM read these at first use
  layer = createCardLayer({
    resourcesDir: resources,
    devTrustDir: rig.trustDir,
    preferredModules: [rig.token.module],
    monitor: { backoffMs: [100, 200, 400] }
  })
  service = layer.service
  service.on('status', (s: CardStatus) => seen.push(s))
  layer.start()
})

afterAll(async () => {
  await layer?.stop()
  await rig?.stop()
})

describe('card detection on the rig', () => {
  it('sees both virtual readers and no card', async () => {
    await waitFor('no-card')
    await expect
      .poll(() =>
        service
          .current()
          .readers.map((r) => r.name)
          .sort()
      )
      .toEqual(rig.pcscd.readerNames)
    expect(service.current().problem).toBe('NO_CARD')
  })

  it('goes through reading to ready when the MOICA card is inserted', async () => {
    await rig.cards[0].insert(MOICA_ATR)
    const ready = await waitFor('ready')
    expect(ready.reader).toBe('Virtual PCD 00 00')
    expect(ready.atr).toBe(MOICA_ATR)
    expect(ready.cardName).toContain('MOICA')
    expect(ready.module).toBe(rig.token.module)
    expect(ready.certificate?.subjectName).toBe('王小明')
    expect(ready.certificate?.idLast4).toBe('6789')
    expect(ready.chain).toBe('valid')
    expect(seen.map((s) => s.phase)).toContain('reading')
  })

  it('prefers a known card in another reader; an unknown ATR is tried with the configured module', async () => {
    const unknown = '3B8F8001804F0CA000000306030001000000006A'
    await rig.cards[1].insert(unknown)
    // Reader 0 still holds the MOICA card: that one wins.
    await new Promise((r) => setTimeout(r, 600))
    expect(service.current().phase).toBe('ready')
    expect(service.current().reader).toBe('Virtual PCD 00 00')
    await rig.cards[0].remove()
    // Not in the table: the configured module is tried read-only before "unsupported" (issue 12).
    // SoftHSM answers for any reader, so on the rig it reads the token; the unsupported outcome
    // (reader, ATR, modules tried) is covered in card-atr-fallback.test.ts.
    await expect.poll(() => service.current().reader, { timeout: 8000 }).toBe('Virtual PCD 00 01')
    const s = await waitFor('ready')
    expect(s.reader).toBe('Virtual PCD 00 01')
    expect(s.atr).toBe(unknown)
    expect(s.cardName).toBe(`ATR ${unknown}`)
    await rig.cards[1].remove()
    await waitFor('no-card')
  })

  it('reports PC/SC unavailable with an install hint when pcscd dies, and recovers on restart', async () => {
    await rig.cards[0].insert(MOICA_ATR)
    await waitFor('ready')
    await rig.pcscd.kill()
    const down = await waitFor('pcsc-unavailable')
    expect(down.problem).toBe('PCSC_UNAVAILABLE')
    expect(down.detail).toContain('pcscd')
    await rig.pcscd.restart()
    // The virtual card reconnects to the new vpcd only when inserted again.
    await waitFor('no-card', 15_000)
    await rig.cards[0].insert(MOICA_ATR)
    await waitFor('ready')
  })

  it('marks a card whose module is not installed as module-missing, naming the files tried', async () => {
    // A card table whose only candidate is absent, and no preferred module: like a desk without HiCOS.
    const table = loadCardTable(resources)
    const noModules = {
      ...table,
      moduleSets: { hicos: { [process.platform]: { [process.arch]: ['/nonexistent/libHicos_p11.so'] } } }
    }
    const other = new CardService({
      monitor: new ReaderMonitor(),
      table: noModules,
      trust: loadTrustStore(resources, rig.trustDir),
      preferredModules: []
    })
    other.start()
    try {
      await expect.poll(() => other.current().phase, { timeout: 8000 }).toBe('module-missing')
      expect(other.current().problem).toBe('MODULE_MISSING')
      expect(other.current().detail).toContain('/nonexistent/libHicos_p11.so')
    } finally {
      other.stop()
    }
  })
})
