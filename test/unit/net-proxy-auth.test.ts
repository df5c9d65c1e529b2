import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../server-mock/test-helpers'
import { PlatformClient } from '../../src/main/api/platform-client'
import { createNodeTransport, revocationFetcher, type Transport } from '../../src/main/net'
import { parseCertificate, type ParsedCertificate } from '../../src/main/pki/certificate'
import { OcspCrlChecker } from '../../src/main/pki/revocation-checker'
import { resolveSettings } from '../../src/main/policy/effective'
import { parsePolicyText } from '../../src/main/policy/load-policy'
import { AppError } from '../../src/shared/errors'
import { startAuthProxy, type AuthProxy } from './auth-proxy'

// The plain-Node network stack (web host, CLI, tests) through a real authenticating proxy on
// loopback: the platform API (CONNECT tunnel, TLS verified end to end with server-mock's CA) and
// OCSP/CRL (absolute-URI requests for the http:// URLs the certificates name) both go through it
// with the policy's Basic credentials. Field case "revocation ignores proxy" (issue 12 item 4).

const PLACEHOLDER_OCSP = 'http://127.0.0.1/test-pki/OCSP' // the test PKI's AIA (port 80: nothing there)
const PLACEHOLDER_CRL = 'http://127.0.0.1/test-pki/MOICA.crl' // the test PKI's CDP

let t: TestServer
let proxy: AuthProxy
let crlServer: { url: string; close(): Promise<void> }

beforeAll(async () => {
  t = await startTestServer()
  const crlDer = t.pki.crlDer
  const { createServer } = await import('node:http')
  const srv = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(crlDer))
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  const port = (srv.address() as { port: number }).port
  crlServer = { url: `http://127.0.0.1:${port}/MOICA.crl`, close: () => new Promise((r) => srv.close(() => r())) }
  proxy = await startAuthProxy({
    credentials: { user: 'alice', password: 'p@ss word' },
    routes: { [PLACEHOLDER_OCSP]: `${t.server.apiBase}/ocsp`, [PLACEHOLDER_CRL]: crlServer.url },
    trustCa: readFileSync(t.server.caCertPath, 'utf8')
  })
}, 120_000)

afterAll(async () => {
  await proxy?.close()
  await crlServer?.close()
  await t?.close()
})

const credentialed = (): string => `http://alice:${encodeURIComponent('p@ss word')}@127.0.0.1:${proxy.port}`

function transportFor(policy: object, apiCaFile: string | null = t.server.caCertPath): Transport {
  const settings = resolveSettings({
    policy: parsePolicyText(JSON.stringify(policy), 'policy.json'),
    user: { path: 'u', values: {}, warnings: [] },
    env: {}
  })
  expect(settings.networkBlocked).toBeNull()
  return createNodeTransport({ settings, env: {}, apiCaFile })
}

function path(variant: 'valid' | 'revoked'): ParsedCertificate[] {
  return [
    parseCertificate(t.pki.citizens[variant].signCertDer),
    parseCertificate(t.pki.moica.certDer),
    parseCertificate(t.pki.root.certDer)
  ]
}

const since = (n: number) => proxy.log.slice(n)

describe('plain-Node transport through an authenticating proxy on loopback', () => {
  it('the platform API: CONNECT with the Basic credentials, TLS verified against server-mock CA', async () => {
    const n = proxy.log.length
    const transport = transportFor({ apiBaseUrl: t.server.url, proxy: credentialed() })
    expect(await transport.route(t.server.url)).toBe(`PROXY 127.0.0.1:${proxy.port}`)
    const client = new PlatformClient({ baseUrl: t.server.url, caFile: t.server.caCertPath, transport })
    const health = (await client.health()) as { status?: string }
    expect(health.status).toBe('ok')
    const authority = new URL(t.server.url).host
    expect(since(n)).toContainEqual({ method: 'CONNECT', target: authority, auth: 'ok', status: 200 })
    expect(since(n).every((e) => e.auth === 'ok')).toBe(true)
  })

  it('OCSP: the certificate AIA URL is POSTed to the proxy in absolute-URI form → valid / revoked', async () => {
    const n = proxy.log.length
    const transport = transportFor({ proxy: credentialed(), revocationCheck: 'hard-fail' })
    const checker = new OcspCrlChecker({ mode: 'hard-fail', crlDownload: false, fetch: revocationFetcher(transport) })
    expect(await checker.check(path('valid'), new Date())).toEqual({ verdict: 'valid', source: 'ocsp' })
    const revoked = await checker.check(path('revoked'), new Date())
    expect(revoked.verdict).toBe('revoked')
    expect(revoked.source).toBe('ocsp')
    const posts = since(n).filter((e) => e.target === PLACEHOLDER_OCSP)
    expect(posts).toEqual([
      { method: 'POST', target: PLACEHOLDER_OCSP, auth: 'ok', status: 200 },
      { method: 'POST', target: PLACEHOLDER_OCSP, auth: 'ok', status: 200 }
    ])
  })

  it('CRL: with the responder failing, the CDP URL is fetched through the proxy (GET, absolute URI)', async () => {
    const n = proxy.log.length
    const transport = transportFor({ proxy: credentialed() })
    const checker = new OcspCrlChecker({
      mode: 'hard-fail',
      ocspUrl: 'http://127.0.0.1/test-pki/no-such-responder',
      crlDownload: true,
      fetch: revocationFetcher(transport)
    })
    const r = await checker.check(path('revoked'), new Date())
    expect(r.verdict).toBe('revoked')
    expect(r.source).toBe('crl')
    expect(since(n)).toContainEqual({ method: 'GET', target: PLACEHOLDER_CRL, auth: 'ok', status: 200 })
  })

  it('wrong proxy password: the API call fails with NETWORK_UNREACHABLE and OCSP is unknown (hard-fail)', async () => {
    const n = proxy.log.length
    const transport = transportFor({ apiBaseUrl: t.server.url, proxy: `http://alice:wrong@127.0.0.1:${proxy.port}` })
    const client = new PlatformClient({ baseUrl: t.server.url, caFile: t.server.caCertPath, transport })
    const err = await client.health().then(
      () => null,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('NETWORK_UNREACHABLE')
    const checker = new OcspCrlChecker({ mode: 'hard-fail', crlDownload: false, fetch: revocationFetcher(transport) })
    const r = await checker.check(path('valid'), new Date())
    expect(r.verdict).toBe('revocation-unknown')
    expect(r.reason).toContain('HTTP 407')
    expect(since(n).map((e) => [e.method, e.auth, e.status])).toEqual([
      ['CONNECT', 'bad', 407],
      ['POST', 'bad', 407]
    ])
  })

  it('proxyBypass and "direct" keep requests off the proxy', async () => {
    const n = proxy.log.length
    const bypassed = transportFor({ apiBaseUrl: t.server.url, proxy: credentialed(), proxyBypass: ['127.0.0.1'] })
    expect(await bypassed.route(t.server.url)).toBe('DIRECT')
    const client = new PlatformClient({ baseUrl: t.server.url, caFile: t.server.caCertPath, transport: bypassed })
    expect(((await client.health()) as { status?: string }).status).toBe('ok')
    // Direct to the placeholder responder: nothing listens on port 80 → hard-fail says unknown.
    const direct = transportFor({ proxy: 'direct' })
    const checker = new OcspCrlChecker({
      mode: 'hard-fail',
      crlDownload: false,
      fetch: revocationFetcher(direct),
      timeoutMs: 3000
    })
    expect((await checker.check(path('valid'), new Date())).verdict).toBe('revocation-unknown')
    expect(since(n)).toEqual([])
  })

  it('https OCSP: CONNECT through the proxy, trusted by the policy extraCaCertificates like the API', async () => {
    const n = proxy.log.length
    const https = `${t.server.apiBase}/ocsp`
    const withCa = transportFor(
      { proxy: credentialed(), extraCaCertificates: [readFileSync(t.server.caCertPath, 'utf8')] },
      null
    )
    const ok = new OcspCrlChecker({
      mode: 'hard-fail',
      ocspUrl: https,
      crlDownload: false,
      fetch: revocationFetcher(withCa)
    })
    expect(await ok.check(path('valid'), new Date())).toEqual({ verdict: 'valid', source: 'ocsp' })
    expect(since(n)).toContainEqual({ method: 'CONNECT', target: new URL(https).host, auth: 'ok', status: 200 })
    // Without the extra CA the responder's certificate is not trusted: unknown, never "valid".
    const withoutCa = transportFor({ proxy: credentialed() }, null)
    const refused = await new OcspCrlChecker({
      mode: 'hard-fail',
      ocspUrl: https,
      crlDownload: false,
      fetch: revocationFetcher(withoutCa)
    }).check(path('valid'), new Date())
    expect(refused.verdict).toBe('revocation-unknown')
    expect(refused.reason).toMatch(/certificate/i)
  })
})
