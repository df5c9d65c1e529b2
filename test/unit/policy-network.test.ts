import { createServer, type Server } from 'node:http'
import { request as httpsRequest, type Agent } from 'node:https'
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpsAgent } from '../../src/main/policy/https-agent'
import { resolveSettings } from '../../src/main/policy/effective'
import { parsePolicyText } from '../../src/main/policy/load-policy'
import { bypassesProxy, networkOptions, proxyFor, systemCaCertificates } from '../../src/main/policy/network'
import { startTestServer, type TestServer } from '../../server-mock/test-helpers'

// Network settings for the API client: CA list and proxy. The end-to-end part goes through a real
// CONNECT proxy on loopback to server-mock over HTTPS, and succeeds only with server-mock's CA.

let mock: TestServer
let proxy: Server
let proxyUrl: string
const connects: string[] = []
const sockets = new Set<Socket>()
let refuse = false

beforeAll(async () => {
  mock = await startTestServer()
  proxy = createServer((_req, res) => res.writeHead(405).end())
  proxy.on('connect', (req, client: Socket, head: Buffer) => {
    connects.push(req.url ?? '')
    sockets.add(client)
    if (refuse) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n')
      return
    }
    const [host, port] = (req.url ?? '').split(':')
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()))
  const addr = proxy.address()
  proxyUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
})

afterAll(async () => {
  for (const s of sockets) s.destroy()
  await new Promise<void>((r) => proxy?.close(() => r()))
  await mock?.close()
})

function get(url: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { agent, timeout: 10_000 }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

const settingsFor = (policy: object) =>
  resolveSettings({
    policy: parsePolicyText(JSON.stringify(policy), 'policy.json'),
    user: { path: 'u', values: {}, warnings: [] },
    env: {}
  })

describe('proxy selection', () => {
  const target = new URL('https://eccs.example.gov.tw/api/v1/health')
  it('uses HTTPS_PROXY / https_proxy from the environment unless NO_PROXY matches', () => {
    const sys = { proxy: 'system', proxyBypass: [] }
    expect(proxyFor(target, sys, { HTTPS_PROXY: 'http://p:3128' })?.href).toBe('http://p:3128/')
    expect(proxyFor(target, sys, { https_proxy: 'p2:8080' })?.href).toBe('http://p2:8080/')
    expect(proxyFor(target, sys, { HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'localhost,.gov.tw' })).toBeNull()
    expect(proxyFor(target, sys, { HTTP_PROXY: 'http://only-http:1' })).toBeNull()
    expect(proxyFor(target, sys, {})).toBeNull()
  })
  it('an explicit proxy wins over the environment; direct means none', () => {
    expect(proxyFor(target, { proxy: 'http://corp:8080', proxyBypass: [] }, { HTTPS_PROXY: 'http://p:1' })?.host).toBe(
      'corp:8080'
    )
    expect(proxyFor(target, { proxy: 'http://corp:8080', proxyBypass: ['*.gov.tw'] }, {})).toBeNull()
    expect(proxyFor(target, { proxy: 'direct', proxyBypass: [] }, { HTTPS_PROXY: 'http://p:1' })).toBeNull()
  })
  it('matches NO_PROXY entries like curl', () => {
    const t = new URL('https://api.corp.example:8443/')
    expect(bypassesProxy(t, ['corp.example'])).toBe(true)
    expect(bypassesProxy(t, ['.corp.example'])).toBe(true)
    expect(bypassesProxy(t, ['api.corp.example:8443'])).toBe(true)
    expect(bypassesProxy(t, ['api.corp.example:443'])).toBe(false)
    expect(bypassesProxy(t, ['xcorp.example', 'example.com'])).toBe(false)
    expect(bypassesProxy(t, ['*'])).toBe(true)
  })
  it('the CA list keeps the system CAs and adds the extra ones', () => {
    const system = systemCaCertificates()
    expect(system.length).toBeGreaterThan(50)
    const net = networkOptions(settingsFor({}), { target, apiCaFile: mock.server.caCertPath })
    expect(net.ca.length).toBe(system.length + 1)
  })
})

describe('HTTPS through a CONNECT proxy to server-mock', () => {
  it("succeeds with server-mock's CA from extraCaCertificates and an explicit proxy", async () => {
    const settings = settingsFor({ proxy: proxyUrl, extraCaCertificates: [mock.server.caCertPath] })
    expect(settings.networkBlocked).toBeNull()
    const net = networkOptions(settings, { target: mock.server.url })
    expect(net.proxy?.href).toBe(`${proxyUrl}/`)
    const before = connects.length
    const res = await get(`${mock.server.url}/api/v1/health`, createHttpsAgent(net, { keepAlive: false }))
    expect(res.status).toBe(200)
    expect(connects.slice(before)).toEqual([new URL(mock.server.url).host])
  })

  it('succeeds with the system proxy from HTTPS_PROXY', async () => {
    const net = networkOptions(settingsFor({ extraCaCertificates: [mock.server.caCertPath] }), {
      target: mock.server.url,
      env: { HTTPS_PROXY: proxyUrl }
    })
    const before = connects.length
    const res = await get(`${mock.server.url}/api/v1/health`, createHttpsAgent(net, { keepAlive: false }))
    expect(res.status).toBe(200)
    expect(connects.length).toBe(before + 1)
  })

  it('fails TLS verification without the right CA (the proxy is reached, the server is not trusted)', async () => {
    const net = networkOptions(settingsFor({ proxy: proxyUrl }), { target: mock.server.url })
    const before = connects.length
    const err = await get(`${mock.server.url}/api/v1/health`, createHttpsAgent(net, { keepAlive: false })).then(
      () => null,
      (e: NodeJS.ErrnoException) => e
    )
    expect(err?.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/)
    expect(connects.length).toBe(before + 1)
  })

  it('reports a proxy that refuses the tunnel', async () => {
    refuse = true
    try {
      const net = networkOptions(settingsFor({ proxy: proxyUrl, extraCaCertificates: [mock.server.caCertPath] }), {
        target: mock.server.url
      })
      await expect(
        get(`${mock.server.url}/api/v1/health`, createHttpsAgent(net, { keepAlive: false }))
      ).rejects.toThrow(/HTTP 407/)
    } finally {
      refuse = false
    }
  })

  it('connects directly (no CONNECT seen) with proxy "direct"', async () => {
    const net = networkOptions(settingsFor({ proxy: 'direct', extraCaCertificates: [mock.server.caCertPath] }), {
      target: mock.server.url,
      env: { HTTPS_PROXY: proxyUrl }
    })
    const before = connects.length
    expect((await get(`${mock.server.url}/api/v1/health`, createHttpsAgent(net, { keepAlive: false }))).status).toBe(
      200
    )
    expect(connects.length).toBe(before)
  })
})
