import { EventEmitter } from 'node:events'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { CardStatus } from '../../src/shared/card-status'
import { CardService } from '../../src/main/card/card-service'
import type { ReaderMonitor, ReaderSnapshot } from '../../src/main/card/reader-monitor'
import type { TokenContents } from '../../src/main/card/token-reader'
import { validateStrictAgainstStore } from '../../src/main/pki/chain'
import { loadTrustStore } from '../../src/main/pki/trust-store'
import { runVerifyCert } from '../../src/main/pki/verify-cert-command'
import { parseStrictCertificate, readDerObjects } from '../../src/main/pki/x509-strict'
import { REPO_ROOT, SHARED_DIR } from './pkits-harness'

// The field cases of ../shared/field-cases: a citizen certificate with an unknown critical
// extension (refused by verify-cert AND the card's startup check: not ready, with the reason) and
// one signed with RSASSA-PSS (SHA-256, salt 32: valid on both). The card path runs the real
// CardService with a stand-in reader/token and the case's root + intermediate as dev trust.

const CASES = join(SHARED_DIR, 'field-cases')
const AT = new Date()
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

async function verifyCert(name: string): Promise<{ code: number; out: string }> {
  let out = ''
  const dir = join(CASES, name)
  const code = await runVerifyCert(
    [join(dir, 'leaf.pem'), '--ca', join(dir, 'root.pem'), '--intermediate', join(dir, 'intermediate.pem'), '--json'],
    {
      stdout: (s) => (out += s),
      stderr: () => undefined
    }
  )
  return { code, out: out.trim() }
}

async function cardPath(name: string): Promise<CardStatus> {
  const trustDir = mkdtempSync(join(tmpdir(), `field-${name}-`))
  dirs.push(trustDir)
  copyFileSync(join(CASES, name, 'root.pem'), join(trustDir, 'root.pem'))
  copyFileSync(join(CASES, name, 'intermediate.pem'), join(trustDir, 'intermediate.pem'))
  const leafDer = readDerObjects(readFileSync(join(CASES, name, 'leaf.pem')))[0] as Buffer
  const contents: TokenContents = {
    module: process.execPath,
    serial: '0000000012345678',
    label: 'HiCOS PKI Smart Card',
    pinPad: false,
    pinCountLow: false,
    pinFinalTry: false,
    pinLocked: false,
    certificates: [{ id: '01', label: 'sign', der: leafDer }]
  } as TokenContents
  const monitor = Object.assign(new EventEmitter(), {
    start: () => undefined,
    stop: () => undefined
  }) as unknown as ReaderMonitor
  const service = new CardService({
    monitor,
    table: { version: 1, cards: [{ id: 'moica', name: 'MOICA', atr: '3B', mask: 'FF', modules: 'm' }], moduleSets: {} },
    trust: loadTrustStore(join(REPO_ROOT, 'resources'), trustDir),
    preferredModules: [process.execPath], // any existing file: the stand-in read never loads it
    readToken: async () => contents,
    now: () => AT
  })
  service.start()
  const snap: ReaderSnapshot = { service: 'up', readers: [{ name: 'R', cardPresent: true, atr: '3B' }] }
  monitor.emit('change', snap)
  await expect.poll(() => service.current().phase).not.toMatch(/^(starting|reading|no-card)$/)
  await new Promise((r) => setTimeout(r, 20))
  return service.current()
}

describe('field cases (../shared/field-cases)', () => {
  it('critical extension: verify-cert refuses it (exit 1, unknown-critical-extension)', async () => {
    const r = await verifyCert('critical-extension')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out)).toMatchObject({ valid: false, reason: 'unknown-critical-extension' })
    expect(JSON.parse(r.out).detail).toContain('1.2.3.4.5.6.7')
  })

  it('critical extension: the card is not ready, and the status says why', async () => {
    const s = await cardPath('critical-extension')
    expect(s.phase).toBe('chain-invalid')
    expect(s.problem).toBe('CHAIN_INVALID')
    expect(s.detail).toContain('unknown-critical-extension')
    expect(s.detail).toContain('1.2.3.4.5.6.7')
  })

  it('RSA-PSS: verify-cert says valid (exit 0)', async () => {
    const r = await verifyCert('rsa-pss')
    expect(r).toMatchObject({ code: 0 })
    expect(JSON.parse(r.out)).toMatchObject({
      valid: true,
      path: expect.arrayContaining([expect.stringContaining('CN=')])
    })
    expect(JSON.parse(r.out).path).toHaveLength(3)
  })

  it('RSA-PSS: the card path reaches ready', async () => {
    const s = await cardPath('rsa-pss')
    expect(s).toMatchObject({ phase: 'ready', chain: 'valid' })
    expect(s.certificate?.subjectName).toBe('王小明')
  })

  it('the card path and verify-cert give the same verdict for both cases', async () => {
    for (const name of ['critical-extension', 'rsa-pss']) {
      const dir = join(CASES, name)
      const trust = mkdtempSync(join(tmpdir(), 'field-agree-'))
      dirs.push(trust)
      copyFileSync(join(dir, 'root.pem'), join(trust, 'root.pem'))
      copyFileSync(join(dir, 'intermediate.pem'), join(trust, 'intermediate.pem'))
      const leaf = parseStrictCertificate(readDerObjects(readFileSync(join(dir, 'leaf.pem')))[0] as Buffer)
      const card = validateStrictAgainstStore(leaf, loadTrustStore(join(REPO_ROOT, 'resources'), trust), AT)
      const cli = JSON.parse((await verifyCert(name)).out) as { valid: boolean; reason?: string }
      expect({ name, valid: card.valid, reason: card.reason }).toEqual({ name, valid: cli.valid, reason: cli.reason })
    }
  })
})
