// The OCSP responder, checked with the OpenSSL CLI as an independent client and verifier.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './test-helpers'

let t: TestServer

beforeAll(async () => {
  t = await startTestServer()
})

afterAll(async () => {
  expect(t.server.responseViolations).toEqual([])
  await t.close()
})

function postOcsp(
  body: Buffer,
  contentType = 'application/ocsp-request'
): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${t.server.apiBase}/ocsp`,
      {
        method: 'POST',
        ca: readFileSync(t.server.caCertPath),
        headers: { 'content-type': contentType, 'content-length': body.length }
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body: Buffer.concat(chunks)
          })
        )
      }
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('OCSP responder', () => {
  it('answers good for the valid and revoked for the revoked certificate, with the nonce, verifiable by openssl', async () => {
    const dir = join(t.server.dataDir, 'pki')
    const citizens = t.pki.citizens
    writeFileSync(join(dir, 'valid.pem'), citizens.valid.signCertPem)
    writeFileSync(join(dir, 'revoked.pem'), citizens.revoked.signCertPem)
    const certArgs = [
      '-issuer',
      join(dir, 'moica.pem'),
      '-cert',
      join(dir, 'valid.pem'),
      '-cert',
      join(dir, 'revoked.pem')
    ]
    execFileSync('openssl', ['ocsp', ...certArgs, '-reqout', join(dir, 'req.der')])
    const res = await postOcsp(readFileSync(join(dir, 'req.der')))
    expect(res.status).toBe(200)
    expect(res.type).toBe('application/ocsp-response')
    writeFileSync(join(dir, 'resp.der'), res.body)
    const out = execFileSync(
      'openssl',
      [
        'ocsp',
        '-reqin',
        join(dir, 'req.der'),
        '-respin',
        join(dir, 'resp.der'),
        '-CAfile',
        join(dir, 'root.pem'),
        '-resp_text'
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }
    )
    expect(out).toContain('OCSP Response Status: successful (0x0)')
    expect(out).toMatch(/Cert Status: good/)
    expect(out).toMatch(/Cert Status: revoked/)
    expect(out).toContain('OCSP Nonce')
    const verified = execFileSync(
      'openssl',
      ['ocsp', '-respin', join(dir, 'resp.der'), '-CAfile', join(dir, 'root.pem'), ...certArgs, '-no_nonce'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }
    )
    expect(verified).toMatch(/valid\.pem: good/)
    expect(verified).toMatch(/revoked\.pem: revoked/)
  })

  it('answers unknown for certificates of another issuer and malformedRequest for garbage', async () => {
    const dir = join(t.server.dataDir, 'pki')
    writeFileSync(join(dir, 'rogue-cit.pem'), t.pki.citizens['wrong-issuer'].signCertPem)
    execFileSync('openssl', [
      'ocsp',
      '-issuer',
      join(dir, 'rogue-moica.pem'),
      '-cert',
      join(dir, 'rogue-cit.pem'),
      '-reqout',
      join(dir, 'req2.der')
    ])
    const res = await postOcsp(readFileSync(join(dir, 'req2.der')))
    writeFileSync(join(dir, 'resp2.der'), res.body)
    const out = execFileSync('openssl', ['ocsp', '-respin', join(dir, 'resp2.der'), '-resp_text', '-noverify'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe']
    })
    expect(out).toMatch(/Cert Status: unknown/)
    const bad = await postOcsp(Buffer.from('not der'))
    expect(bad.body.toString('hex')).toBe('30030a0101')
  })
})
