// The CLI starts the server with the test PKI, prints what a developer needs and stops on SIGTERM.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { get } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

describe('cli', () => {
  it('prints the URL, dev CA, demo accounts and SMS outbox, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'server-mock-cli-'))
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'server-mock/cli.ts', '--port', '0', '--seed', '5', '--data', dataDir],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
    )
    try {
      let out = ''
      child.stderr.on('data', (c: Buffer) => (out += c.toString()))
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner:\n${out}`)), 40_000)
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString()
          if (out.includes('Press Ctrl+C')) {
            clearTimeout(timer)
            resolve()
          }
        })
        child.on('exit', (code) => reject(new Error(`exited early (${code}):\n${out}`)))
      })
      const url = /API URL: (https:\/\/127\.0\.0\.1:\d+)\n/.exec(out)?.[1]
      expect(url).toBeDefined()
      expect(out).toContain(join(dataDir, 'tls', 'dev-ca.pem'))
      expect(out).toContain(join(dataDir, 'sms-outbox.jsonl'))
      expect(out).toMatch(/demo \/ Demo1234 .*PIN 123456/)
      expect(out).toContain('ezway / Ezway1234')
      const ca = readFileSync(join(dataDir, 'tls', 'dev-ca.pem'), 'utf8')
      const status = await new Promise<number>((resolve, reject) => {
        get(`${url}/api/v1/health`, { ca }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        }).on('error', reject)
      })
      expect(status).toBe(200)
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      child.kill('SIGTERM')
      expect(await exit).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
