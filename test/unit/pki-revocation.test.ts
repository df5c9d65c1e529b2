import { execFileSync } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../server-mock/test-helpers'
import type { CardStatus } from '../../src/shared/card-status'
import { CardService } from '../../src/main/card/card-service'
import type { ReaderMonitor } from '../../src/main/card/reader-monitor'
import { loadCardTable } from '../../src/main/card/atr'
import { parseCertificate, type ParsedCertificate } from '../../src/main/pki/certificate'
import { buildOcspRequest } from '../../src/main/pki/ocsp'
import { httpFetch, OcspCrlChecker, type RevocationOptions } from '../../src/main/pki/revocation-checker'
import { loadTrustStore } from '../../src/main/pki/trust-store'
import { parseStrictCertificate } from '../../src/main/pki/x509-strict'
import { MOICA_ATR } from '../rig/virtual-card'

// OCSP against server-mock's responder (POST /api/v1/ocsp, signed by TEST MOICA) and the test
// PKI's CRL; the AIA/CDP URLs in the test certificates are placeholders, hence the overrides.

let t: TestServer
let ocspUrl: string
let tlsCa: string
const resources = join(__dirname, '../../resources')

function path(variant: 'valid' | 'revoked'): ParsedCertificate[] {
  return [
    parseCertificate(t.pki.citizens[variant].signCertDer),
    parseCertificate(t.pki.moica.certDer),
    parseCertificate(t.pki.root.certDer)
  ]
}

function checker(opts: Partial<RevocationOptions>, calls?: string[]): OcspCrlChecker {
  if (!calls) return new OcspCrlChecker({ mode: 'hard-fail', tlsCa, timeoutMs: 5000, ...opts })
  const inner = httpFetch(tlsCa, 5000)
  return new OcspCrlChecker({
    mode: 'hard-fail',
    tlsCa,
    ...opts,
    fetch: (url, body, type) => {
      calls.push(url)
      return opts.fetch ? opts.fetch(url, body, type) : inner(url, body, type)
    }
  })
}

beforeAll(async () => {
  t = await startTestServer()
  ocspUrl = `${t.server.apiBase}/ocsp`
  tlsCa = readFileSync(t.server.caCertPath, 'utf8')
}, 120_000)

afterAll(async () => {
  await t?.close()
})

describe('OCSP', () => {
  it('builds a request openssl can read (SHA-1 CertID, nonce)', () => {
    const req = buildOcspRequest(
      parseStrictCertificate(t.pki.citizens.valid.signCertDer),
      parseStrictCertificate(t.pki.moica.certDer)
    )
    expect(req.der[0]).toBe(0x30)
    expect(req.serialHex).toBe(parseStrictCertificate(t.pki.citizens.valid.signCertDer).serialHex)
    expect(req.nonce.length).toBe(34)
    const dir = mkdtempSync(join(tmpdir(), 'ocsp-req-'))
    writeFileSync(join(dir, 'req.der'), req.der)
    const text = execFileSync('openssl', ['ocsp', '-reqin', join(dir, 'req.der'), '-req_text', '-noverify'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe']
    })
    expect(text).toContain('Hash Algorithm: sha1')
    expect(text).toContain(`Issuer Key Hash: ${req.keyHash.toString('hex').toUpperCase()}`)
    expect(text).toContain('OCSP Nonce')
  })

  it('good for the valid card, revoked for the revoked one; answers are cached', async () => {
    const calls: string[] = []
    const c = checker({ ocspUrl }, calls)
    expect(await c.check(path('valid'), new Date())).toMatchObject({ verdict: 'valid', source: 'ocsp' })
    expect(await c.check(path('revoked'), new Date())).toMatchObject({ verdict: 'revoked', source: 'ocsp' })
    expect(await c.check(path('valid'), new Date())).toMatchObject({ verdict: 'valid', source: 'cache' })
    expect(calls).toHaveLength(2)
  })

  it('a response with a broken signature is not trusted', async () => {
    const c = checker({
      ocspUrl,
      fetch: async (url, body, type) => {
        const der = Buffer.from(await httpFetch(tlsCa, 5000)(url, body, type))
        der[50] = (der[50] ?? 0) ^ 0xff // in tbsResponseData (responderID), covered by the signature
        return der
      }
    })
    const r = await c.check(path('revoked'), new Date())
    expect(r.verdict).toBe('revocation-unknown')
    expect(r.reason).toMatch(/OCSP/)
  })
})

describe('CRL fallback and the off / soft-fail / hard-fail setting', () => {
  const deadOcsp = 'http://127.0.0.1:9/ocsp' // discard port: connection refused

  it('falls back to the CRL file when OCSP is unreachable', async () => {
    const c = checker({ ocspUrl: deadOcsp, crlFiles: [t.pki.crlPath] })
    expect(await c.check(path('valid'), new Date())).toMatchObject({ verdict: 'valid', source: 'crl' })
    expect(await c.check(path('revoked'), new Date())).toMatchObject({ verdict: 'revoked', source: 'crl' })
  })

  it('downloads the CRL from the distribution point when asked to', async () => {
    const urls: string[] = []
    const c = checker({
      ocspUrl: deadOcsp,
      crlDownload: true,
      fetch: async (url) => {
        urls.push(url)
        if (url.startsWith('http://127.0.0.1:9')) throw new Error('ECONNREFUSED')
        return t.pki.crlDer
      }
    })
    expect(await c.check(path('revoked'), new Date())).toMatchObject({ verdict: 'revoked', source: 'crl' })
    expect(urls.some((u) => u !== deadOcsp)).toBe(true)
  })

  it('a CRL past its nextUpdate does not count', async () => {
    const late = new Date(t.pki.crlNextUpdate.getTime() + 3_600_000)
    const r = await checker({ ocspUrl: null, crlFiles: [t.pki.crlPath] }).check(path('revoked'), late)
    expect(r.verdict).toBe('revocation-unknown')
  })

  it('nothing available: hard-fail → revocation-unknown, soft-fail → valid with a reason, off → not asked', async () => {
    const calls: string[] = []
    expect(await checker({ ocspUrl: deadOcsp }).check(path('valid'), new Date())).toMatchObject({
      verdict: 'revocation-unknown'
    })
    const soft = await checker({ mode: 'soft-fail', ocspUrl: deadOcsp }).check(path('revoked'), new Date())
    expect(soft.verdict).toBe('valid')
    expect(soft.reason).toMatch(/unknown/)
    expect(await checker({ mode: 'off', ocspUrl }, calls).check(path('revoked'), new Date())).toMatchObject({
      verdict: 'valid',
      source: 'none'
    })
    expect(calls).toHaveLength(0)
  })
})

describe('detection with revocation', () => {
  it('a revoked card ends in chain-invalid / revoked instead of ready', async () => {
    const monitor = Object.assign(new EventEmitter(), {
      start: () => undefined,
      stop: () => undefined
    }) as unknown as ReaderMonitor
    const trustDir = mkdtempSync(join(tmpdir(), 'rev-trust-'))
    writeFileSync(join(trustDir, 'root.pem'), t.pki.root.certPem)
    writeFileSync(join(trustDir, 'moica.pem'), t.pki.moica.certPem)
    const service = new CardService({
      monitor,
      table: loadCardTable(resources),
      trust: loadTrustStore(resources, trustDir),
      preferredModules: [process.execPath],
      revocation: checker({ ocspUrl }),
      readToken: async () => ({
        module: process.execPath,
        serial: 's',
        label: 'HiCOS PKI Smart Card',
        pinPad: false,
        pinCountLow: false,
        pinFinalTry: false,
        pinLocked: false,
        certificates: [{ id: '01', label: 'Signature', der: t.pki.citizens.revoked.signCertDer }]
      })
    })
    service.start()
    monitor.emit('change', { service: 'up', readers: [{ name: 'R', cardPresent: true, atr: MOICA_ATR }] })
    await expect.poll(() => service.current().phase, { timeout: 10_000 }).toBe('chain-invalid')
    expect((service.current() as CardStatus).chain).toBe('revoked')
    service.stop()
  })
})
