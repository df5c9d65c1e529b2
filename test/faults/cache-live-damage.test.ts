import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheFilePath, DelegationHistory, type HistoryEvent } from '../../src/main/cache'
import { startTestServer, type TestServer } from '../../server-mock/test-helpers'
import { createClient } from './platform-harness'

// The account's offline history damaged under an open session (another process, a failing disk):
// the platform's answer to a query must still reach the user (it used to be replaced by
// CACHE_CORRUPT when storing the answer failed); the file is then moved aside and rebuilt.

let s: TestServer
let base: string

beforeAll(async () => {
  s = await startTestServer()
  base = mkdtempSync(join(tmpdir(), 'cache-live-'))
  const made = await s.api.post('/dev/delegations', { account: 'demo', count: 300 })
  if (made.status !== 201) throw new Error(`dev/delegations: ${made.status}`)
}, 60_000)

afterAll(async () => {
  await s?.close()
  rmSync(base, { recursive: true, force: true })
})

describe('cache damaged while the session is open', () => {
  it('garbage over the open file: the online answer is shown, the file is rebuilt, later queries answer', async () => {
    const events: { type: string; code?: string }[] = []
    const history = new DelegationHistory({
      userDataDir: base,
      settings: () => ({ cacheRetentionDays: null, wipeCacheOnSignOut: false }),
      onEvent: (e: HistoryEvent) => {
        if (e.type !== 'sync-progress') events.push({ type: e.type, ...('error' in e ? { code: e.error.code } : {}) })
      }
    })
    const client = createClient({ baseUrl: s.server.url, caFile: s.server.caCertPath, citizen: null, history })
    try {
      expect((await client.call('session:loginPassword', { account: 'demo', password: 'Demo1234' })).ok).toBe(true)
      const end = Date.now() + 30_000
      while (Date.now() < end && !events.some((e) => e.type === 'sync-done' || e.type === 'sync-failed'))
        await new Promise((r) => setTimeout(r, 50))
      const file = cacheFilePath(base, 'demo')
      const size = statSync(file).size
      const fd = openSync(file, 'r+')
      writeSync(fd, randomBytes(size - 4096), 0, size - 4096, 4096) // keep the header page, wreck the rest
      closeSync(fd)
      events.length = 0
      const q = await client.call<{ source: string; items: unknown[] }>('delegations:query', { pageSize: 20 })
      expect(q.ok ? q.value.source : q.error).toBe('online')
      expect(q.ok && q.value.items.length).toBe(20)
      expect(events[0]).toEqual({ type: 'sync-failed', code: 'CACHE_CORRUPT' })
      const until = Date.now() + 30_000
      while (Date.now() < until && !events.some((e) => e.type === 'sync-done'))
        await new Promise((r) => setTimeout(r, 50))
      expect(events).toContainEqual({ type: 'cache-recovered', code: 'CACHE_CORRUPT' })
      expect(events.at(-1)?.type).toBe('sync-done')
      const again = await client.call<{ source: string; items: unknown[] }>('delegations:query', { pageSize: 20 })
      expect(again.ok && again.value.items.length).toBe(20)
    } finally {
      await client.call('session:logout')
      await history.close()
    }
  }, 90_000)
})
