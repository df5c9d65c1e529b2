import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SECONDARY_INDEXES } from '../../src/main/cache/schema'
import {
  DelegationHistory,
  type HistoryApi,
  type HistoryEvent,
  type HistorySettings,
  type SyncPage
} from '../../src/main/cache'
import type { Delegation, DelegationQuery } from '../../src/shared/delegation'
import { AppError } from '../../src/shared/errors'
import { loginPassword, startTestServer, type ApiClient, type TestServer } from '../../server-mock/test-helpers'
import { loadOrGenerateTestPki } from '../../server-mock/test-pki'

// DelegationHistory (the service the app core calls) against server-mock over HTTPS: background sync
// after sign-in with progress events, online answers refreshing the cache, the cache answering once
// the server is really gone, settings (retention 0 = nothing on disk, wipe on sign-out), clear cache.

let t: TestServer
let dir: string
let token: string
let serverClosed = false

/** HistoryApi over the HTTPS test client; connection failures become NETWORK_UNREACHABLE as in PlatformClient. */
function platform(api: ApiClient): HistoryApi {
  const get = async <T>(path: string): Promise<T> => {
    let res
    try {
      res = await api.get<T>(path)
    } catch (e) {
      throw new AppError('NETWORK_UNREACHABLE', (e as NodeJS.ErrnoException).code ?? 'no response', { cause: e })
    }
    if (res.status >= 500) throw new AppError('SERVER_ERROR', `HTTP ${res.status}`)
    if (res.status !== 200) throw new AppError('VALIDATION_FAILED', `HTTP ${res.status} ${JSON.stringify(res.body)}`)
    return res.body
  }
  return {
    listDelegations: (q: DelegationQuery) =>
      get(
        `/delegations?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)])).toString()}`
      ),
    sync: (cursor: string | undefined, limit = 500) =>
      get<SyncPage>(`/sync?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cache-history-'))
  const demoCertificatePath = join(dir, 'valid-sign.pem')
  writeFileSync(demoCertificatePath, (await loadOrGenerateTestPki()).citizens.valid.signCertPem)
  t = await startTestServer({ seed: { delegationsPerAccount: 400, rng: 11, demoCertificatePath } })
  token = await loginPassword(t.api, 'demo', 'Demo1234')
}, 120_000)

afterAll(async () => {
  if (!serverClosed) await t?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function until(done: () => boolean, what: () => string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now()
    const tick = (): void => {
      if (done()) return resolvePromise()
      if (Date.now() - started > 30_000) return reject(new Error(`timed out waiting for ${what()}`))
      setTimeout(tick, 20)
    }
    tick()
  })
}

function waitFor(events: HistoryEvent[], type: HistoryEvent['type'], count = 1): Promise<void> {
  return until(
    () => events.filter((e) => e.type === type).length >= count,
    () => `${count} × ${type}: ${JSON.stringify(events.map((e) => e.type))}`
  )
}

describe('DelegationHistory with server-mock', () => {
  const settings: HistorySettings = { cacheRetentionDays: null, wipeCacheOnSignOut: false }
  const events: HistoryEvent[] = []
  const userDataDir = (): string => join(dir, 'user-data')
  let history: DelegationHistory

  it('syncs in the background after sign-in, reporting progress, and answers online while refreshing the cache', async () => {
    history = new DelegationHistory({
      userDataDir: userDataDir(),
      settings: () => settings,
      onEvent: (e) => events.push(e),
      syncPageSize: 100
    })
    await history.signIn('demo', platform(t.api.withToken(token)))
    await waitFor(events, 'sync-done')
    expect(events.filter((e) => e.type === 'sync-progress').map((e) => (e as { applied: number }).applied)).toEqual([
      100, 200, 300, 400
    ])
    expect(history.current?.info().rows).toBe(400)

    // A delegation created after the sync: the online answer brings it into the cache at once.
    const created = await t.api.post<{ items: Delegation[] }>('/dev/delegations', {
      account: 'demo',
      count: 1,
      houseBillNo: 'SF900000000123'
    })
    const online = await history.query({ houseBillNo: 'SF900000000123' })
    expect(online.source).toBe('online')
    expect(online.items).toEqual(created.body.items)
    expect(online.lastSyncedAt).not.toBeNull()
    expect(history.current?.query({ houseBillNo: 'SF900000000123' }).items).toEqual(created.body.items)
    // Sorts the platform does not offer come from the cache, without an offline reason.
    const byCarrier = await history.query({ sort: 'carrier:asc' })
    expect(byCarrier).toMatchObject({ source: 'cache', total: 401 })
    expect(byCarrier.offlineReason).toBeUndefined()
  }, 60_000)

  it('tells the user when a corrupt cache file was moved aside, and rebuilds it from the server', async () => {
    const otherDir = join(dir, 'other-user-data')
    const first = new DelegationHistory({ userDataDir: otherDir, settings: () => settings })
    await first.signIn('demo', platform(t.api.withToken(token)))
    const file = first.current?.file as string
    await first.close()
    writeFileSync(file, Buffer.alloc(4096, 0x42)) // not a database any more
    const seen: HistoryEvent[] = []
    const second = new DelegationHistory({
      userDataDir: otherDir,
      settings: () => settings,
      onEvent: (e) => seen.push(e)
    })
    await second.signIn('demo', platform(t.api.withToken(token)))
    expect(seen[0]).toEqual({
      type: 'cache-recovered',
      error: { code: 'CACHE_CORRUPT', retriable: true, detail: 'moved aside on open' }
    })
    await waitFor(seen, 'sync-done')
    expect(second.current?.info().rows).toBe(401)
    expect(readdirSync(join(file, '..')).filter((n) => n.includes('.corrupt-'))).toHaveLength(1)
    await second.signOut()
  }, 60_000)

  it('when the background integrity check finds damage, reopens (moving the file aside), tells the user and rebuilds', async (ctx) => {
    try {
      execFileSync('sqlite3', ['--version'])
    } catch {
      console.log('skipped: the sqlite3 command-line tool is needed to damage an index (apt install sqlite3)')
      ctx.skip()
    }
    const otherDir = join(dir, 'third-user-data')
    const seen: HistoryEvent[] = []
    const h = new DelegationHistory({
      userDataDir: otherDir,
      settings: () => settings,
      onEvent: (e) => seen.push(e),
      integrityCheck: 'quick'
    })
    await h.signIn('demo', platform(t.api.withToken(token)))
    await waitFor(seen, 'sync-done')
    const file = h.current?.file as string
    await h.signOut()
    // Index entries that disagree with the table: only the full integrity_check (in the worker) sees it.
    const on = SECONDARY_INDEXES.delegations_by_carrier as string
    execFileSync('sqlite3', [
      file,
      `DROP INDEX delegations_by_carrier; CREATE INDEX delegations_by_carrier ON ${on.replace('(carrier', '(upper(carrier)')};
       PRAGMA writable_schema = ON;
       UPDATE sqlite_master SET sql = 'CREATE INDEX delegations_by_carrier ON ${on}' WHERE name = 'delegations_by_carrier';
       PRAGMA writable_schema = OFF;`
    ])
    seen.length = 0
    await h.signIn('demo', platform(t.api.withToken(token)))
    await waitFor(seen, 'cache-recovered')
    // The rebuild: a sync-done after the recovery (the sign-in sync may or may not have finished before).
    const recoveredAt = seen.findIndex((e) => e.type === 'cache-recovered')
    await until(
      () => seen.slice(recoveredAt + 1).some((e) => e.type === 'sync-done'),
      () => `the rebuild: ${JSON.stringify(seen.map((e) => e.type))}`
    )
    expect(h.current?.recovered).toBe('corrupt')
    expect(h.current?.info().rows).toBe(401)
    expect(await h.current?.integrity).toBe('ok')
    await h.signOut()
  }, 60_000)

  it('clear cache empties it; a sync on demand refills it', async () => {
    await history.clear()
    expect(history.current?.info()).toMatchObject({ rows: 0, cursor: null, lastSyncedAt: null })
    const result = await history.syncNow()
    expect(result.applied).toBe(401)
  }, 60_000)

  it('retention 0 moves the history off the disk; back to days it is rebuilt on disk', async () => {
    const file = history.current?.file as string
    settings.cacheRetentionDays = 0
    await history.applySettings()
    expect(history.current?.inMemory).toBe(true)
    expect(existsSync(file)).toBe(false)
    await waitFor(events, 'sync-done', 3)
    expect(history.current?.info().rows).toBe(401)
    settings.cacheRetentionDays = null
    await history.applySettings()
    await waitFor(events, 'sync-done', 4)
    expect(history.current?.inMemory).toBe(false)
    expect(existsSync(file)).toBe(true)
    expect(history.current?.info().rows).toBe(401)
  }, 60_000)

  it('answers from the cache, labelled with the last sync, once the platform is gone; sign-out wipes when set', async () => {
    const before = await history.query({ status: 'PENDING', sort: 'declaredValue:desc', pageSize: 20 })
    expect(before.source).toBe('online')
    await t.close()
    serverClosed = true
    const offline = await history.query({ status: 'PENDING', sort: 'declaredValue:desc', pageSize: 20 })
    expect(offline.source).toBe('cache')
    expect(offline.offlineReason).toBe('NETWORK_UNREACHABLE')
    expect(offline.lastSyncedAt).toBe(history.current?.lastSyncedAt)
    expect(offline.items).toEqual(before.items)
    expect(offline.total).toBe(before.total)
    // A sync now fails and says so, without touching the cached rows.
    await expect(history.syncNow()).rejects.toMatchObject({ code: 'NETWORK_UNREACHABLE' })
    expect(events.at(-1)).toMatchObject({
      type: 'sync-failed',
      error: { code: 'NETWORK_UNREACHABLE', retriable: true }
    })
    expect(history.current?.info().rows).toBe(401)
    // Invalid queries are refused before anything else.
    await expect(history.query({ dateFrom: '2025-02-01', dateTo: '2025-01-01' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED'
    })

    const holder = join(history.current?.file as string, '..')
    settings.wipeCacheOnSignOut = true
    await history.signOut()
    expect(readdirSync(holder)).toEqual([])
    await expect(history.query({})).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
  }, 60_000)
})
