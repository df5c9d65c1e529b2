import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DelegationCache, type SyncPage } from '../../src/main/cache'
import { buildQuerySql, paramsFor } from '../../src/main/cache/query-sql'
import { SECONDARY_INDEXES } from '../../src/main/cache/schema'
import type { Delegation, DelegationQuery } from '../../src/shared/delegation'
import { AppError } from '../../src/shared/errors'
import { FakeFeed, changeLog, generateDelegations, rng } from './cache-fixtures'

// Sync from a change feed with server-mock's /sync contract, online refreshes, the query API,
// retention and wipe — on real SQLite files.

let dir: string
let cache: DelegationCache
const NOW = new Date('2025-07-01T04:00:00Z')
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cache-sync-'))
  cache = DelegationCache.open({ userDataDir: dir, accountId: 'demo', now: () => NOW })
})
afterEach(() => {
  cache.close()
  rmSync(dir, { recursive: true, force: true })
})

function stored(c: DelegationCache): Map<string, Delegation> {
  const all = c.query({ pageSize: 500, sort: 'updatedAt:asc' })
  const out = new Map<string, Delegation>()
  for (let page = 1; (page - 1) * 500 < all.total; page++)
    for (const d of c.query({ pageSize: 500, page, sort: 'updatedAt:asc' }).items) out.set(d.id, d)
  return out
}

async function expectError(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    expect(e).toBeInstanceOf(AppError)
    expect((e as AppError).code).toBe(code)
    return
  }
  throw new Error(`expected ${code}`)
}

function indexNames(file: string): string[] {
  const db = new Database(file, { readonly: true })
  const names = (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`).all() as { name: string }[]
  ).map((r) => r.name)
  db.close()
  return names.sort()
}

describe('DelegationCache sync', () => {
  it('applies every page with its cursor, reports progress, stamps lastSyncedAt only when complete', async () => {
    const feed = new FakeFeed(changeLog(1200, 150), 250)
    const progress: number[] = []
    const seenCursors: (string | null)[] = []
    const result = await cache.sync(
      async (cursor) => {
        seenCursors.push(cursor)
        // Before the last page the sync is not complete: no "last synced" label yet.
        expect(cache.query({}).lastSyncedAt).toBeNull()
        return feed.page(cursor)
      },
      (n) => progress.push(n)
    )
    expect(result.applied).toBe(1350)
    expect(progress).toEqual([250, 500, 750, 1000, 1250, 1350])
    expect(seenCursors[0]).toBeNull()
    expect(result.lastSyncedAt).toBe(NOW.toISOString())
    expect(cache.query({}).lastSyncedAt).toBe(NOW.toISOString())
    expect(stored(cache)).toEqual(feed.stateAt(feed.log.length))
    // The indexes dropped for the bulk load are all back.
    expect(indexNames(cache.file)).toEqual(Object.keys(SECONDARY_INDEXES).sort())
  })

  it('continues incrementally from the stored cursor; the server wins over the cached copy', async () => {
    const log = changeLog(300, 0)
    const feed = new FakeFeed(log, 100)
    await cache.sync(async (c) => feed.page(c))
    const target = log[10] as Delegation
    const answered: Delegation = {
      ...target,
      status: 'MATCH',
      confirmedAt: '2026-02-01T00:00:00.000Z',
      confirmedVia: 'certificate',
      updatedAt: '2026-02-01T00:00:00.000Z'
    }
    const added = generateDelegations({ count: 3, seed: 99 })
    log.push(answered, ...added)
    const asked: (string | null)[] = []
    const result = await cache.sync(async (c) => (asked.push(c), feed.page(c)))
    expect(asked).toHaveLength(1)
    expect(asked[0]).not.toBeNull()
    expect(result.applied).toBe(4)
    expect(cache.query({ houseBillNo: target.houseBillNo }).items).toEqual([answered])
    expect(cache.info().rows).toBe(303)
  })

  it('online answers refresh the cache, but never with a copy older than the stored one', async () => {
    const [d] = generateDelegations({ count: 1 }) as [Delegation]
    cache.upsert([d])
    const decided = {
      ...d,
      status: 'MISMATCH' as const,
      reason: '非本人訂購',
      confirmedAt: '2026-03-01T00:00:00.000Z',
      confirmedVia: 'certificate' as const,
      updatedAt: '2026-03-01T00:00:00.000Z'
    }
    cache.upsert([decided])
    expect(cache.query({}).items).toEqual([decided])
    cache.upsert([d]) // a list fetched before the decision arrives late
    expect(cache.query({}).items).toEqual([decided])
    expect(() => cache.upsert([{ ...d, id: 'not-an-id' }])).toThrowError(AppError)
    expect(cache.query({}).lastSyncedAt).toBeNull() // refreshes are not a sync
  })

  it('a second sync call while one runs joins it instead of interleaving pages', async () => {
    const feed = new FakeFeed(changeLog(400, 0), 100)
    let fetches = 0
    const fetch = async (c: string | null): Promise<SyncPage> => {
      fetches++
      await new Promise((r) => setTimeout(r, 5))
      return feed.page(c)
    }
    const [a, b] = await Promise.all([cache.sync(fetch), cache.sync(fetch)])
    expect(a).toBe(b)
    expect(fetches).toBe(4)
  })

  it('rejects an invalid page with SERVER_RESPONSE_INVALID, keeping the pages before it and the indexes', async () => {
    const feed = new FakeFeed(changeLog(500, 0), 100)
    let calls = 0
    await expectError(
      cache.sync(async (c) => {
        const page = feed.page(c)
        if (++calls === 3)
          return { ...page, changes: [{ ...page.changes[0], status: 'HACKED' }] } as unknown as SyncPage
        return page
      }),
      'SERVER_RESPONSE_INVALID'
    )
    expect(cache.info().rows).toBe(200)
    expect(cache.info().cursor).toBe(new FakeFeed(feed.log, 200).page(null).nextCursor)
    expect(indexNames(cache.file)).toEqual(Object.keys(SECONDARY_INDEXES).sort())
    // The next sync resumes where the valid pages stopped.
    const resumed = await cache.sync(async (c) => feed.page(c))
    expect(resumed.applied).toBe(300)
    expect(stored(cache)).toEqual(feed.stateAt(500))
  })

  it('stops a feed that makes no progress, and honours an abort signal', async () => {
    await expectError(
      cache.sync(async (c) => ({ changes: [], nextCursor: c ?? 'djA', hasMore: true })),
      'SERVER_RESPONSE_INVALID'
    )
    const feed = new FakeFeed(changeLog(300, 0), 100)
    const controller = new AbortController()
    await expectError(
      cache.sync(
        async (c) => {
          const page = feed.page(c)
          controller.abort()
          return page
        },
        undefined,
        controller.signal
      ),
      'OPERATION_CANCELLED'
    )
    expect(cache.info().rows).toBe(100)
  })
})

describe('DelegationCache query', () => {
  const log = generateDelegations({ count: 2500, seed: 3, days: 400 })
  beforeEach(async () => {
    await cache.sync(async (c) => new FakeFeed(log, 1000).page(c))
  })

  function reference(q: Partial<DelegationQuery>): { items: Delegation[]; total: number } {
    const page = q.page ?? 1
    const size = q.pageSize ?? 50
    const [field, dir] = (q.sort ?? 'declarationDate:desc').split(':') as [keyof Delegation, string]
    const hit = log.filter(
      (d) =>
        (!q.direction || d.direction === q.direction) &&
        (!q.status || d.status === q.status) &&
        (!q.dateFrom || d.declarationDate >= q.dateFrom) &&
        (!q.dateTo || d.declarationDate <= q.dateTo) &&
        (!q.houseBillNo || d.houseBillNo === q.houseBillNo.trim().toUpperCase())
    )
    // SQLite order: NULL before any value, then numbers numerically and text by code point.
    const order = (x: unknown, y: unknown): number =>
      x === y ? 0 : x === null ? -1 : y === null ? 1 : (x as string) < (y as string) ? -1 : 1
    const cmp = (a: Delegation, b: Delegation): number => {
      const c = order(a[field], b[field]) || order(a.id, b.id)
      return dir === 'asc' ? c : -c
    }
    hit.sort(cmp)
    return { items: hit.slice((page - 1) * size, page * size), total: hit.length }
  }

  it('filters, sorts and pages like the platform (checked against an in-memory reference)', () => {
    const r = rng(5)
    const sorts = [
      'declarationDate',
      'houseBillNo',
      'direction',
      'carrier',
      'declaredValue',
      'status',
      'confirmedAt',
      'updatedAt'
    ]
    for (let i = 0; i < 150; i++) {
      const q: Partial<DelegationQuery> = {
        ...(r() < 0.5 ? { direction: r() < 0.5 ? 'IMPORT' : 'EXPORT' } : {}),
        ...(r() < 0.4 ? { status: (['PENDING', 'MATCH', 'MISMATCH'] as const)[Math.floor(r() * 3)] } : {}),
        ...(r() < 0.5 ? { dateFrom: '2024-12-01' } : {}),
        ...(r() < 0.3 ? { dateTo: '2025-03-31' } : {}),
        ...(r() < 0.1
          ? { houseBillNo: ` ${(log[Math.floor(r() * log.length)] as Delegation).houseBillNo.toLowerCase()} ` }
          : {}),
        sort: `${sorts[Math.floor(r() * sorts.length)]}:${r() < 0.5 ? 'asc' : 'desc'}`,
        page: 1 + Math.floor(r() * 4),
        pageSize: [10, 50, 200][Math.floor(r() * 3)] as number
      }
      const got = cache.query(q)
      const want = reference(q)
      expect(got.total, JSON.stringify(q)).toBe(want.total)
      expect(
        got.items.map((d) => d.id),
        JSON.stringify(q)
      ).toEqual(want.items.map((d) => d.id))
      expect(got.items).toEqual(want.items)
    }
  })

  it('both page routes (filter index vs sort index) return the same rows', () => {
    const db = new Database(cache.file, { readonly: true })
    try {
      for (const q of [
        { direction: 'IMPORT', sort: 'declaredValue:desc', page: 3 },
        { status: 'PENDING', dateFrom: '2025-01-01', sort: 'updatedAt:asc' },
        { direction: 'EXPORT', status: 'MATCH', sort: 'confirmedAt:asc', pageSize: 200 },
        { dateTo: '2024-10-01', sort: 'carrier:desc', page: 2 },
        { sort: 'status:asc', pageSize: 500, page: 4 },
        { status: 'PENDING', direction: 'IMPORT', sort: 'status:asc', page: 2 },
        { direction: 'EXPORT', dateFrom: '2025-02-01', sort: 'direction:desc' }
      ]) {
        const sql = buildQuerySql(q)
        const a = db.prepare(sql.pageSql).all(paramsFor(sql.pageSql, sql.params))
        const b = db.prepare(sql.orderedPageSql).all(paramsFor(sql.orderedPageSql, sql.params))
        if (sql.where !== '') expect(sql.orderedPageSql).not.toBe(sql.pageSql)
        expect(a.length).toBeGreaterThan(0)
        expect(b, JSON.stringify(q)).toEqual(a)
      }
    } finally {
      db.close()
    }
  })

  it('refuses invalid queries with VALIDATION_FAILED', async () => {
    await expectError(() => cache.query({ dateFrom: '2025-02-01', dateTo: '2025-01-01' }), 'VALIDATION_FAILED')
    await expectError(() => cache.query({ sort: 'national_id:asc' }), 'VALIDATION_FAILED')
    await expectError(() => cache.query({ direction: "IMPORT' OR 1=1 --" }), 'VALIDATION_FAILED')
    await expectError(() => cache.query({ pageSize: 501 }), 'VALIDATION_FAILED')
  })
})

describe('DelegationCache retention and wipe', () => {
  it('keeps only the configured number of days (Taiwan calendar), at open, on sync and when changed', async () => {
    const log = generateDelegations({ count: 600, endDate: '2025-07-01', days: 120 })
    const feed = new FakeFeed(log, 200)
    cache.close()
    cache = DelegationCache.open({ userDataDir: dir, accountId: 'demo', now: () => NOW, retentionDays: 30 })
    await cache.sync(async (c) => feed.page(c))
    // 2025-07-01T04:00Z is 12:00 on 2025-07-01 in Taiwan; 30 days back is 2025-06-01.
    const kept = log.filter((d) => d.declarationDate >= '2025-06-01')
    expect(cache.info().rows).toBe(kept.length)
    expect(cache.query({ sort: 'declarationDate:asc', pageSize: 1 }).items[0]?.declarationDate).toBe('2025-06-01')
    expect(cache.setRetentionDays(10)).toBe(kept.length - log.filter((d) => d.declarationDate >= '2025-06-21').length)
    cache.close()
    // A day later the oldest day falls out on open.
    cache = DelegationCache.open({
      userDataDir: dir,
      accountId: 'demo',
      now: () => new Date('2025-07-02T04:00:00Z'),
      retentionDays: 10
    })
    expect(cache.info().rows).toBe(log.filter((d) => d.declarationDate >= '2025-06-22').length)
    expect(cache.setRetentionDays(null)).toBe(0)
    expect(() => cache.setRetentionDays(-1)).toThrow(RangeError)
    expect(() => cache.setRetentionDays(1.5)).toThrow(RangeError)
  })

  it('a longer retention fetches the older rows again with the next sync', async () => {
    const log = generateDelegations({ count: 400, endDate: '2025-07-01', days: 100 })
    const feed = new FakeFeed(log, 150)
    cache.close()
    cache = DelegationCache.open({ userDataDir: dir, accountId: 'demo', now: () => NOW, retentionDays: 20 })
    await cache.sync(async (c) => feed.page(c))
    expect(cache.info().rows).toBe(log.filter((d) => d.declarationDate >= '2025-06-11').length)
    expect(cache.setRetentionDays(60)).toBe(0)
    expect(cache.info().cursor).toBeNull()
    expect(cache.info().lastSyncedAt).toBe(NOW.toISOString()) // the data shown is still from that sync
    await cache.sync(async (c) => feed.page(c))
    expect(cache.info().rows).toBe(log.filter((d) => d.declarationDate >= '2025-05-02').length)
    // 0 on an open file-backed cache: emptied now, and nothing more is stored until it is reopened in memory.
    const before = cache.info().rows
    expect(cache.setRetentionDays(0)).toBe(before)
    cache.upsert(generateDelegations({ count: 5, endDate: '2025-07-01', days: 1 }))
    expect(cache.info().rows).toBe(0)
  })

  it('retention 0 keeps nothing on disk: the file is deleted and the session works from memory', async () => {
    const feed = new FakeFeed(changeLog(300, 0), 100)
    await cache.sync(async (c) => feed.page(c))
    const file = cache.file
    cache.close()
    expect(existsSync(file)).toBe(true)
    cache = DelegationCache.open({ userDataDir: dir, accountId: 'demo', now: () => NOW, retentionDays: 0 })
    expect(cache.inMemory).toBe(true)
    expect(existsSync(file)).toBe(false)
    await cache.sync(async (c) => feed.page(c))
    expect(cache.query({ pageSize: 1 }).total).toBe(300)
    expect(readdirSync(join(file, '..'))).toEqual([])
    cache.close()
  })

  it('wipe deletes the files; remove deletes a closed cache; the account starts empty afterwards', async () => {
    const feed = new FakeFeed(changeLog(100, 0), 50)
    await cache.sync(async (c) => feed.page(c))
    const holder = join(cache.file, '..')
    await cache.wipe()
    expect(cache.isOpen).toBe(false)
    expect(readdirSync(holder)).toEqual([])
    cache = DelegationCache.open({ userDataDir: dir, accountId: 'demo', now: () => NOW })
    expect(cache.info()).toMatchObject({ rows: 0, cursor: null, lastSyncedAt: null })
    await cache.sync(async (c) => feed.page(c))
    cache.close()
    DelegationCache.remove(dir, 'demo')
    expect(existsSync(cache.file)).toBe(false)
    cache = DelegationCache.open({ userDataDir: dir, accountId: 'demo', now: () => NOW })
    expect(cache.info().rows).toBe(0)
  })
})
