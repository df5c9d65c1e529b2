import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import { test as base } from '@playwright/test'
import { startMockServer, type MockServer } from '../../server-mock/server'
import { startRig, type Rig } from '../rig/rig'
import { startWebHostOnRig, stopChild, type RunningApp } from './fixtures'

// The rig (pcscd, virtual cards, SoftHSM card) + a server-mock WITHOUT demo accounts, so the test
// citizen's card can go through 自然人憑證註冊 itself, + the built web host over both.

export interface PlatformApp extends RunningApp {
  server: MockServer
  /** POST to a dev endpoint (e.g. /dev/delegations) over HTTPS trusting only the dev CA. */
  dev(path: string, body: unknown): Promise<{ status: number; body: unknown }>
  lastSmsCode(): string
}

export const platformTest = base.extend<object, { platform: PlatformApp }>({
  platform: [
    async ({}, use) => {
      const rig: Rig = await startRig({})
      const citizen = rig.pki.citizens.valid
      const server = await startMockServer({
        dataDir: join(rig.dir, 'mock-platform'),
        port: 0,
        anchors: [rig.pki.root.certPath],
        intermediates: [rig.pki.moica.certPath],
        crls: [rig.pki.crlPath],
        seed: { demoAccounts: false, demoCertificatePath: citizen.files.signCert },
        dev: true
      })
      const ca = readFileSync(server.caCertPath, 'utf8')
      const dev = (path: string, body: unknown) =>
        new Promise<{ status: number; body: unknown }>((resolve, reject) => {
          const data = JSON.stringify(body)
          const req = request(new URL(`/api/v1${path}`, server.url), { method: 'POST', ca, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
            let text = ''
            res.on('data', (c: Buffer) => (text += c.toString()))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined }))
          })
          req.on('error', reject)
          req.end(data)
        })
      const lastSmsCode = (): string => {
        const lines = readFileSync(server.smsOutboxPath, 'utf8').trim().split('\n')
        return (JSON.parse(lines.at(-1) ?? '{}') as { code: string }).code
      }
      let child: RunningApp['process'] | null = null
      try {
        const started = await startWebHostOnRig(rig, { ECCS_API_URL: server.url, ECCS_API_CA: server.caCertPath })
        child = started.child
        await use({ rig, appUrl: started.appUrl, process: started.child, server, dev, lastSmsCode })
      } finally {
        if (child) await stopChild(child)
        await server.close()
        await rig.stop()
      }
    },
    { scope: 'worker' }
  ]
})
