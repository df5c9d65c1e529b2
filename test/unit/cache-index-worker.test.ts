import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { DelegationCache } from '../../src/main/cache'
import { SECONDARY_INDEXES } from '../../src/main/cache/schema'
import { FakeFeed, generateDelegations } from './cache-fixtures'

// The first full sync builds its indexes (and runs ANALYZE) in a worker thread: the main thread
// keeps running timers while that happens, an online answer arriving meanwhile is not written
// (it would wait for the worker's lock), and when the sync resolves every index and the planner
// statistics are there. (How long the main thread is blocked at most is a figure of bench/cache.)

const dir = mkdtempSync(join(tmpdir(), 'cache-index-worker-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('first sync: index build off the main thread', () => {
  it('timers run during the build; indexes and sqlite_stat1 exist when sync resolves', async () => {
    const log = generateDelegations({ count: 30_000, endDate: '2025-06-30', days: 365 })
    const feed = new FakeFeed(log, 1000)
    const cache = DelegationCache.open({ userDataDir: dir, accountId: 'idx' })
    let lastPageServed = false
    let ticksDuringBuild = 0
    let sawIndexing = false
    const timer = setInterval(() => {
      if (lastPageServed) ticksDuringBuild++
      if (cache.indexing) sawIndexing = true
    }, 2)
    try {
      const result = await cache.sync(async (cursor) => {
        const page = feed.page(cursor)
        if (!page.hasMore) lastPageServed = true
        return page
      })
      expect(result.applied).toBe(30_000)
      expect(sawIndexing).toBe(true)
      expect(ticksDuringBuild).toBeGreaterThan(0)
      expect(cache.indexing).toBe(false)
      const db = new Database(cache.file, { readonly: true })
      const names = (
        db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`).all() as {
          name: string
        }[]
      ).map((r) => r.name)
      expect(names.sort()).toEqual(Object.keys(SECONDARY_INDEXES).sort())
      const stats = (db.prepare(`SELECT COUNT(*) AS n FROM sqlite_stat1`).get() as { n: number }).n
      expect(stats).toBeGreaterThan(0)
      db.close()
      expect(cache.query({ pageSize: 5 }).total).toBe(30_000)
    } finally {
      clearInterval(timer)
      cache.close()
    }
  })
})
