import { EventEmitter } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../server-mock/test-helpers'
import type { CardStatus } from '../../src/shared/card-status'
import { loadCardTable } from '../../src/main/card/atr'
import { CardService } from '../../src/main/card/card-service'
import type { ReaderMonitor } from '../../src/main/card/reader-monitor'
import type { TokenContents } from '../../src/main/card/worker-protocol'
import { OcspCrlChecker } from '../../src/main/pki/revocation-checker'
import { loadTrustStore } from '../../src/main/pki/trust-store'
import type { CitizenVariant } from '../../server-mock/test-pki'
import { MOICA_ATR } from '../rig/virtual-card'

// The detection state machine's final phase for every citizen-certificate variant of the test PKI,
// with revocation checked over OCSP against server-mock (hard-fail). The reader and token are fed
// in directly (the certificates are the ones the rig's SoftHSM card would hold); the reader/token
// path itself is covered by test/rig/card-service.test.ts and test/rig/card-signing.test.ts.

const resources = join(__dirname, '../../resources')
let t: TestServer
let trustDir: string

function service(variant: CitizenVariant, revocation: 'hard-fail' | 'soft-fail', ocspUrl: string): CardService {
  const citizen = t.pki.citizens[variant]
  const contents: TokenContents = {
    module: process.execPath,
    serial: 'abc',
    label: 'HiCOS PKI Smart Card',
    pinPad: false,
    pinCountLow: false,
    pinFinalTry: false,
    pinLocked: false,
    certificates: [
      { id: '02', label: 'Encryption', der: citizen.encCertDer },
      { id: '01', label: 'Signature', der: citizen.signCertDer }
    ]
  }
  const monitor = Object.assign(new EventEmitter(), {
    start: () => undefined,
    stop: () => undefined
  }) as unknown as ReaderMonitor
  const s = new CardService({
    monitor,
    table: loadCardTable(resources),
    trust: loadTrustStore(resources, trustDir),
    preferredModules: [process.execPath], // exists; never loaded: the read is fed in
    readToken: async () => contents,
    revocation: new OcspCrlChecker({
      mode: revocation,
      ocspUrl,
      tlsCa: readFileSync(t.server.caCertPath, 'utf8'),
      timeoutMs: 3000
    })
  })
  s.start()
  monitor.emit('change', { service: 'up', readers: [{ name: 'Virtual PCD 00 00', cardPresent: true, atr: MOICA_ATR }] })
  return s
}

async function settle(s: CardService): Promise<CardStatus> {
  await expect.poll(() => s.current().phase, { timeout: 10_000 }).not.toMatch(/^(starting|reading)$/)
  // revocation is async after the chain: wait until the phase stops changing
  await new Promise((r) => setTimeout(r, 50))
  return s.current()
}

beforeAll(async () => {
  t = await startTestServer()
  trustDir = mkdtempSync(join(tmpdir(), 'variants-trust-'))
  writeFileSync(join(trustDir, 'root.pem'), t.pki.root.certPem)
  writeFileSync(join(trustDir, 'moica.pem'), t.pki.moica.certPem)
}, 120_000)

afterAll(async () => {
  await t?.close()
  rmSync(trustDir, { recursive: true, force: true })
})

describe('detection outcome per certificate variant', () => {
  const expected: Record<CitizenVariant, Partial<CardStatus>> = {
    valid: { phase: 'ready', chain: 'valid' },
    expired: { phase: 'chain-invalid', chain: 'expired', problem: 'CHAIN_INVALID' },
    'not-yet-valid': { phase: 'chain-invalid', chain: 'not-yet-valid', problem: 'CHAIN_INVALID' },
    'wrong-issuer': { phase: 'chain-invalid', chain: 'untrusted', problem: 'CHAIN_INVALID' },
    revoked: { phase: 'chain-invalid', chain: 'revoked', problem: 'CHAIN_INVALID' },
    // Its only certificates lack digitalSignature: nothing on the card can sign.
    'wrong-key-usage': { phase: 'certificate-missing', problem: 'CERTIFICATE_NOT_FOUND' },
    // A resident (new-format 統一證號) with a 64-character CN: a valid card like any other.
    resident: { phase: 'ready', chain: 'valid' }
  }
  for (const [variant, want] of Object.entries(expected) as [CitizenVariant, Partial<CardStatus>][]) {
    it(`${variant} → ${want.phase}${want.chain ? ` (${want.chain})` : ''}`, async () => {
      const s = service(variant, 'hard-fail', `${t.server.apiBase}/ocsp`)
      try {
        expect(await settle(s)).toMatchObject(want)
        expect(s.signingToken() !== null).toBe(want.phase === 'ready')
      } finally {
        s.stop()
      }
    })
  }

  it('OCSP unreachable: hard-fail → revocation-unknown; soft-fail → ready with the reason', async () => {
    const hard = service('valid', 'hard-fail', 'http://127.0.0.1:9/ocsp')
    const soft = service('valid', 'soft-fail', 'http://127.0.0.1:9/ocsp')
    try {
      expect(await settle(hard)).toMatchObject({ phase: 'chain-invalid', chain: 'revocation-unknown' })
      const s = await settle(soft)
      expect(s).toMatchObject({ phase: 'ready', chain: 'valid' })
      expect(s.detail).toMatch(/revocation status unknown/)
    } finally {
      hard.stop()
      soft.stop()
    }
  })
})
