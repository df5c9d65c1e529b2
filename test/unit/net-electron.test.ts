import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { mkdtempSync, readFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../server-mock/test-helpers'
import { PlatformClient } from '../../src/main/api/platform-client'
import {
  codeFromChromium,
  createElectronTransport,
  electronProxyConfig,
  platformCertificateVerifier,
  proxyLogin,
  type ElectronNetLike,
  type ElectronSessionLike
} from '../../src/main/net'
import { resolveSettings, type EffectiveSettings } from '../../src/main/policy/effective'
import { parsePolicyText } from '../../src/main/policy/load-policy'
import { type AppError } from '../../src/shared/errors'

// The Electron transport (src/main/net/electron-network.ts) against a recording STAND-IN of
// electron's `net` and `session` (no Electron binary here): what it tells Chromium (proxy mode per
// policy, certificate verify handler on every session, proxy credentials only for the policy's
// proxy) and how it turns Chromium's answers into the app's. The stand-in's network service carries
// the bytes with Node's https (trusting server-mock's CA), so the API client runs over it for real.

let t: TestServer
let caPem: string
let leafPem: string
let roguePem: string

const settingsFor = (policy: object): EffectiveSettings =>
  resolveSettings({
    policy: parsePolicyText(JSON.stringify(policy), 'policy.json'),
    user: { path: 'u', values: {}, warnings: [] },
    env: {}
  })

beforeAll(async () => {
  t = await startTestServer()
  caPem = readFileSync(t.server.caCertPath, 'utf8')
  const u = new URL(t.server.url)
  leafPem = await new Promise<string>((resolve, reject) => {
    const s = tlsConnect({ host: u.hostname, port: Number(u.port), ca: caPem }, () => {
      const der = s.getPeerCertificate().raw
      s.end()
      resolve(new X509Certificate(der).toString()) // PEM, as Electron's Certificate.data
    })
    s.on('error', reject)
  })
  const dir = mkdtempSync(join(tmpdir(), 'net-electron-'))
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1'
    ],
    { stdio: 'ignore' }
  )
  roguePem = readFileSync(join(dir, 'c.pem'), 'utf8')
}, 120_000)

afterAll(async () => {
  await t?.close()
})

/** A recording stand-in of an Electron Session. */
function standInSession(
  name: string,
  calls: string[]
): ElectronSessionLike & { verify?: Parameters<ElectronSessionLike['setCertificateVerifyProc']>[0] } {
  const s: ElectronSessionLike & { verify?: Parameters<ElectronSessionLike['setCertificateVerifyProc']>[0] } = {
    setProxy: async (config) => void calls.push(`${name}.setProxy ${JSON.stringify(config)}`),
    resolveProxy: async (url) => {
      calls.push(`${name}.resolveProxy ${url}`)
      return 'PROXY proxy.corp.example:8080'
    },
    setCertificateVerifyProc: (proc) => {
      calls.push(`${name}.setCertificateVerifyProc`)
      s.verify = proc
    }
  }
  return s
}

/**
 * A stand-in of electron's `net`: records the request, answers a 407 challenge first (as an
 * authenticating proxy would, through the `login` event), then carries the request with Node's https.
 */
function standInNet(calls: string[], opts: { failWith?: string } = {}): ElectronNetLike {
  return {
    request(o) {
      calls.push(`net.request ${o.method} ${o.url} redirect=${o.redirect} cookies=${o.useSessionCookies}`)
      const req = new EventEmitter() as EventEmitter & { headers: Record<string, string>; chunks: Buffer[] }
      req.headers = {}
      req.chunks = []
      return Object.assign(req, {
        setHeader: (k: string, v: string) => void (req.headers[k] = v),
        write: (c: Buffer) => void req.chunks.push(c),
        abort: () => void calls.push('abort'),
        end: () => {
          setImmediate(() => {
            if (opts.failWith) return void req.emit('error', new Error(opts.failWith))
            req.emit(
              'login',
              { isProxy: true, scheme: 'basic', host: 'proxy.corp.example', port: 8080, realm: 'corp' },
              (user?: string, pass?: string) => {
                calls.push(`login answered ${user ?? '(cancel)'}:${pass ? '***' : ''}`)
              }
            )
            const out = httpsRequest(o.url, { method: o.method, headers: req.headers, ca: caPem }, (res) => {
              req.emit(
                'response',
                Object.assign(res, {
                  statusCode: res.statusCode ?? 0,
                  headers: res.headers as Record<string, string | string[]>
                })
              )
            })
            out.on('error', (e) => req.emit('error', e))
            out.end(Buffer.concat(req.chunks))
          })
        }
      }) as unknown as ReturnType<ElectronNetLike['request']>
    }
  }
}

describe('policy → Chromium proxy config', () => {
  it('maps direct, fixed (no credentials in the rules), PAC and system', () => {
    expect(electronProxyConfig(settingsFor({ proxy: 'direct' }).values)).toEqual({ mode: 'direct' })
    expect(
      electronProxyConfig(
        settingsFor({ proxy: 'http://bob:pw@proxy.corp.example:8080', proxyBypass: ['.corp.example', '10.0.0.5'] })
          .values
      )
    ).toEqual({
      mode: 'fixed_servers',
      proxyRules: 'http://proxy.corp.example:8080',
      proxyBypassRules: '.corp.example,10.0.0.5'
    })
    expect(electronProxyConfig(settingsFor({ proxyPacUrl: 'http://wpad.corp.example/proxy.pac' }).values)).toEqual({
      mode: 'pac_script',
      pacScript: 'http://wpad.corp.example/proxy.pac'
    })
    // An explicit proxy wins over a PAC file; nothing set → the OS settings (WPAD, PAC, NTLM).
    expect(
      electronProxyConfig(settingsFor({ proxy: 'http://p.corp:3128', proxyPacUrl: 'http://wpad/x.pac' }).values).mode
    ).toBe('fixed_servers')
    expect(electronProxyConfig(settingsFor({}).values)).toEqual({ mode: 'system' })
  })

  it('answers a 407 only for the policy proxy, with its decoded credentials', () => {
    const answers: string[] = []
    const login = proxyLogin(settingsFor({ proxy: 'http://bob:p%40ss@proxy.corp.example:8080' }).values)
    const cb = (u?: string, p?: string): void => void answers.push(u === undefined ? 'cancel' : `${u}:${p}`)
    expect(login({ isProxy: true, scheme: 'basic', host: 'proxy.corp.example', port: 8080, realm: 'r' }, cb)).toBe(true)
    expect(login({ isProxy: true, scheme: 'basic', host: 'evil.example', port: 8080, realm: 'r' }, cb)).toBe(false)
    expect(login({ isProxy: false, scheme: 'basic', host: 'proxy.corp.example', port: 8080, realm: 'r' }, cb)).toBe(
      false
    )
    expect(
      proxyLogin(settingsFor({}).values)({ isProxy: true, scheme: 'ntlm', host: 'x', port: 1, realm: '' }, cb)
    ).toBe(false)
    expect(answers).toEqual(['bob:p@ss', 'cancel', 'cancel', 'cancel'])
  })
})

describe('certificate verify handler (the platform keeps the app CA rule)', () => {
  const run = (
    v: ReturnType<typeof platformCertificateVerifier>,
    hostname: string,
    certificate: { data: string; issuerCert?: { data: string } },
    errorCode: number
  ): number => {
    let result = NaN
    v({ hostname, certificate, errorCode }, (r) => (result = r))
    return result
  }
  it('platform host: accepted for a chain to the app CA list even when Chromium refuses it; refused otherwise', () => {
    const v = platformCertificateVerifier({ platformHost: '127.0.0.1', cas: () => [caPem], extraCas: () => [] })
    expect(run(v, '127.0.0.1', { data: leafPem, issuerCert: { data: caPem } }, -202)).toBe(0)
    expect(run(v, '127.0.0.1', { data: leafPem }, -202)).toBe(0) // issuer found in the CA list
    // Chromium would accept a chain to an OS root; the app's rule is stricter: not in its list → refused.
    expect(run(v, '127.0.0.1', { data: roguePem }, 0)).toBe(-2)
    // server-mock's certificate names 127.0.0.1 and localhost only.
    const otherHost = platformCertificateVerifier({
      platformHost: 'eccs.example.gov.tw',
      cas: () => [caPem],
      extraCas: () => []
    })
    expect(run(otherHost, 'eccs.example.gov.tw', { data: leafPem, issuerCert: { data: caPem } }, 0)).toBe(-2) // name mismatch
    expect(run(v, '127.0.0.1', { data: leafPem, issuerCert: { data: caPem } }, 0)).toBe(0)
  })
  it('other hosts: Chromium decides, unless the policy extra CAs vouch for the chain', () => {
    const v = platformCertificateVerifier({
      platformHost: 'eccs.example.gov.tw',
      cas: () => [],
      extraCas: () => [caPem]
    })
    expect(run(v, '127.0.0.1', { data: roguePem }, 0)).toBe(-3)
    expect(run(v, '127.0.0.1', { data: leafPem, issuerCert: { data: caPem } }, -202)).toBe(0)
    expect(run(v, '127.0.0.1', { data: roguePem }, -202)).toBe(-3)
  })
})

describe('Electron transport over the stand-in', () => {
  it('sets proxy + verify handler on every session, carries the API client, answers the proxy login', async () => {
    const calls: string[] = []
    const main = standInSession('default', calls)
    const updater = standInSession('electron-updater', calls)
    const settings = settingsFor({ apiBaseUrl: t.server.url, proxy: 'http://bob:pw@proxy.corp.example:8080' })
    const transport = createElectronTransport({
      net: standInNet(calls),
      sessions: [main, updater],
      settings,
      platformUrl: t.server.url,
      devCaPem: caPem
    })
    await transport.ready
    expect(calls.slice(0, 4).sort()).toEqual([
      'default.setCertificateVerifyProc',
      `default.setProxy {"mode":"fixed_servers","proxyRules":"http://proxy.corp.example:8080","proxyBypassRules":""}`,
      'electron-updater.setCertificateVerifyProc',
      `electron-updater.setProxy {"mode":"fixed_servers","proxyRules":"http://proxy.corp.example:8080","proxyBypassRules":""}`
    ])
    // The handler installed on the session accepts server-mock for the platform host (dev CA).
    let verdict = NaN
    main.verify?.({ hostname: '127.0.0.1', certificate: { data: leafPem }, errorCode: -202 }, (r) => (verdict = r))
    expect(verdict).toBe(0)

    const client = new PlatformClient({ baseUrl: t.server.url, caFile: null, transport })
    expect(((await client.health()) as { status?: string }).status).toBe('ok')
    expect(calls).toContain(`net.request GET ${t.server.apiBase}/health redirect=error cookies=false`)
    expect(calls).toContain('login answered bob:***')
    expect(await transport.route(t.server.url)).toBe('PROXY proxy.corp.example:8080')
  })

  it("maps Chromium's net errors to the app's codes", async () => {
    expect(codeFromChromium('net::ERR_NAME_NOT_RESOLVED')).toBe('ENOTFOUND')
    expect(codeFromChromium('net::ERR_CERT_AUTHORITY_INVALID')).toBe('CERT_UNTRUSTED')
    expect(codeFromChromium('net::ERR_PROXY_CONNECTION_FAILED')).toBe('ERR_PROXY_CONNECTION_FAILED')
    const calls: string[] = []
    const transport = createElectronTransport({
      net: standInNet(calls, { failWith: 'net::ERR_CERT_AUTHORITY_INVALID' }),
      sessions: [standInSession('default', calls)],
      settings: settingsFor({}),
      platformUrl: t.server.url
    })
    const client = new PlatformClient({ baseUrl: t.server.url, caFile: null, transport })
    const err = await client.health().then(
      () => null,
      (e: unknown) => e
    )
    expect((err as AppError).code).toBe('TLS_UNTRUSTED')
  })

  it('an invalid machine policy keeps it off the network (POLICY_INVALID, no request made)', async () => {
    const calls: string[] = []
    const settings = resolveSettings({
      policy: parsePolicyText('{"proxy": 5}', 'policy.json'),
      user: { path: 'u', values: {}, warnings: [] },
      env: {}
    })
    expect(settings.networkBlocked).not.toBeNull()
    const transport = createElectronTransport({
      net: standInNet(calls),
      sessions: [standInSession('default', calls)],
      settings,
      platformUrl: null
    })
    const err = await transport.request({ url: 'http://ocsp.example/OCSP', method: 'GET' }).then(
      () => null,
      (e: unknown) => e
    )
    expect((err as AppError).code).toBe('POLICY_INVALID')
    expect(calls.filter((c) => c.startsWith('net.request'))).toEqual([])
  })
})
