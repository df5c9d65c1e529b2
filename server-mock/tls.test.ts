// Dev TLS: a dev CA reused across starts, a server certificate for 127.0.0.1/localhost, and
// clients that do not trust the dev CA are refused (verification is never disabled).
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { get } from 'node:https'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startTestServer } from './test-helpers'
import { startMockServer } from './server'

function fetchStatus(url: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, ca ? { ca } : {}, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    }).on('error', reject)
  })
}

describe('dev TLS', () => {
  it('serves a certificate for 127.0.0.1 and localhost issued by dev-ca.pem, reused on restart', async () => {
    const t = await startTestServer()
    try {
      const caPem = readFileSync(t.server.caCertPath, 'utf8')
      const ca = new X509Certificate(caPem)
      expect(ca.ca).toBe(true)
      const server = new X509Certificate(readFileSync(t.server.caCertPath.replace('dev-ca.pem', 'server.pem')))
      expect(server.checkIssued(ca)).toBe(true)
      expect(server.subjectAltName).toContain('IP Address:127.0.0.1')
      expect(server.subjectAltName).toContain('DNS:localhost')
      expect(await fetchStatus(`${t.server.url}/api/v1/health`, caPem)).toBe(200)
      await expect(fetchStatus(`${t.server.url}/api/v1/health`)).rejects.toThrow(
        /self-signed|unable to verify|certificate/i
      )

      const again = await startMockServer({
        dataDir: t.server.dataDir,
        anchors: [join(t.server.dataDir, 'pki', 'root.pem')],
        intermediates: [join(t.server.dataDir, 'pki', 'moica.pem')],
        seed: { delegationsPerAccount: 1 }
      })
      try {
        expect(readFileSync(again.caCertPath, 'utf8')).toBe(caPem)
        expect(again.port).not.toBe(t.server.port)
        expect(await fetchStatus(`${again.url}/api/v1/health`, caPem)).toBe(200)
      } finally {
        await again.close()
      }
    } finally {
      await t.close()
    }
  })
})
