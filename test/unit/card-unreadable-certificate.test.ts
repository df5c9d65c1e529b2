import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CardService } from '../../src/main/card/card-service'
import type { ReaderMonitor, ReaderSnapshot } from '../../src/main/card/reader-monitor'
import type { TokenContents } from '../../src/main/card/token-reader'
import { loadTrustStore } from '../../src/main/pki/trust-store'

// A certificate object the card holds but the client cannot parse is reported as such
// (certificate-unreadable, with the parse error and the object's CKA_ID), not as "not found".

async function settle(certificates: TokenContents['certificates']): Promise<ReturnType<CardService['current']>> {
  const monitor = Object.assign(new EventEmitter(), {
    start: () => undefined,
    stop: () => undefined
  }) as unknown as ReaderMonitor
  const contents = {
    module: process.execPath,
    serial: 's',
    label: 'HiCOS PKI Smart Card',
    pinPad: false,
    pinCountLow: false,
    pinFinalTry: false,
    pinLocked: false,
    certificates
  } as TokenContents
  const service = new CardService({
    monitor,
    table: { version: 1, cards: [{ id: 'moica', name: 'MOICA', atr: '3B', mask: 'FF', modules: 'm' }], moduleSets: {} },
    trust: loadTrustStore(join(__dirname, '../../resources'), null),
    preferredModules: [process.execPath], // any existing file: the stand-in read never loads it
    readToken: async () => contents
  })
  service.start()
  const snap: ReaderSnapshot = { service: 'up', readers: [{ name: 'Reader A', cardPresent: true, atr: '3B' }] }
  monitor.emit('change', snap)
  await expect.poll(() => service.current().phase).not.toMatch(/^(starting|reading|no-card)$/)
  return service.current()
}

describe('certificates on the card that cannot be parsed', () => {
  it('garbage in the certificate object → certificate-unreadable naming the object, not certificate-missing', async () => {
    const s = await settle([{ id: '0a01', label: 'sign', der: Buffer.from('3082010a0201', 'hex') }])
    expect(s).toMatchObject({
      phase: 'certificate-unreadable',
      problem: 'CERTIFICATE_UNREADABLE',
      reader: 'Reader A',
      atr: '3B'
    })
    expect(s.detail).toContain('certificate 0a01')
  })

  it('no certificate object at all is still certificate-missing', async () => {
    expect(await settle([])).toMatchObject({ phase: 'certificate-missing', problem: 'CERTIFICATE_NOT_FOUND' })
  })
})
