import type { Delegation, DelegationQuery } from '../../shared/delegation'
import { AppError, type AppErrorPayload, type ErrorCode } from '../../shared/errors'
import { DelegationCache, type CacheQueryResult, type SyncResult } from './delegation-cache'
import { cacheFsError, type IntegrityCheck } from './cache-files'
import { buildQuerySql } from './query-sql'
import type { SyncPage } from './sync-page'

// The delegation history as the app core uses it: one cache per signed-in account, synced after
// sign-in and on demand, online-first queries that refresh the cache and fall back to it when the
// platform cannot answer (labelled with the last sync), settings (retention, wipe on sign-out —
// effective values, machine policy already applied) and "clear cache". Problems the user must hear
// about arrive as events; nothing here throws from a background task.

/** What it needs from the platform client (PlatformClient has exactly these). */
export interface HistoryApi {
  listDelegations(q: DelegationQuery): Promise<{ items: Delegation[]; page: number; pageSize: number; total: number }>
  sync(cursor: string | undefined, limit?: number): Promise<SyncPage>
}

/** Effective settings (src/main/policy Settings: cacheRetentionDays 0 = nothing on disk). */
export interface HistorySettings {
  cacheRetentionDays: number | null
  wipeCacheOnSignOut: boolean
}

export type HistoryEvent =
  | { type: 'sync-progress'; applied: number }
  | { type: 'sync-done'; result: SyncResult }
  | { type: 'sync-failed'; error: AppErrorPayload }
  /** The cache file was corrupt, moved aside and is being rebuilt: show CACHE_CORRUPT. */
  | { type: 'cache-recovered'; error: AppErrorPayload }
  /**
   * The account's cache cannot be opened (CACHE_TOO_NEW, CACHE_READ_ONLY, DISK_FULL,
   * CACHE_UNAVAILABLE): the user stays logged in, queries go online, offline history is off.
   */
  | { type: 'cache-off'; error: AppErrorPayload }

export interface HistoryAnswer extends CacheQueryResult {
  /** 'cache' = answered from the cache; show lastSyncedAt with the results. */
  source: 'online' | 'cache'
  /** Why the cache answered (NETWORK_UNREACHABLE, SERVER_ERROR …); absent for sorts only the cache offers. */
  offlineReason?: ErrorCode
  /** Set when the offline history is off for this session, with the reason (see 'cache-off'). */
  historyOff?: ErrorCode
}

export interface HistoryOptions {
  userDataDir: string
  settings: () => HistorySettings
  onEvent?: (e: HistoryEvent) => void
  now?: () => Date
  integrityCheck?: IntegrityCheck
  /** Changes per sync request (the API allows up to 1000). */
  syncPageSize?: number
}

/** Platform failures after which the cached history is the best answer; anything else is the caller's. */
const OFFLINE_CODES: ReadonlySet<ErrorCode> = new Set([
  'NETWORK_UNREACHABLE',
  'SERVER_ERROR',
  'SERVER_RESPONSE_INVALID',
  'RATE_LIMITED',
  'NOT_CONFIGURED'
])

const PLATFORM_SORTS = /^(declarationDate|houseBillNo|status|declaredValue|updatedAt|confirmedAt):/

export class DelegationHistory {
  private cache: DelegationCache | null = null
  private accountId: string | null = null
  private api: HistoryApi | null = null
  /** Why the account's cache could not be opened (offline history off), or null. */
  private offReason: AppError | null = null

  constructor(private readonly opts: HistoryOptions) {}

  /** True between signIn and signOut (queries then go through the cache). */
  get signedIn(): boolean {
    return this.accountId !== null
  }

  /** Why the offline history is off for this session (CACHE_TOO_NEW, DISK_FULL …), or null. */
  get off(): AppErrorPayload | null {
    return this.offReason?.toPayload() ?? null
  }

  /**
   * After sign-in: opens the account's cache and starts a sync in the background (see events).
   * Never throws for the cache's sake: a cache that cannot be opened turns the offline history off
   * for this session (event 'cache-off', `off`) and queries go online; sign-in goes on.
   */
  async signIn(accountId: string, api: HistoryApi): Promise<void> {
    await this.close()
    this.accountId = accountId
    this.api = api
    this.offReason = null
    if (this.tryOpen()) void this.syncInBackground()
  }

  /** Opens the cache; on failure records why the history is off and tells the listener. */
  private tryOpen(): boolean {
    try {
      this.open()
      this.offReason = null
      return true
    } catch (e) {
      this.offReason = offError(e)
      this.emit({ type: 'cache-off', error: this.offReason.toPayload() })
      return false
    }
  }

  /** Sign-out: wipes the account's cache when the settings say so, else just closes it. */
  async signOut(): Promise<void> {
    const cache = this.cache
    this.cache = null
    this.accountId = null
    this.api = null
    this.offReason = null
    if (cache && this.opts.settings().wipeCacheOnSignOut) await cache.wipe()
    else await cache?.closed()
  }

  /** Sync on demand; rejects with the AppError (also reported as an event). */
  async syncNow(): Promise<SyncResult> {
    const cache = this.requireCache()
    const api = this.api
    if (!api) throw new AppError('SESSION_EXPIRED', 'not signed in')
    // Events only while this cache is still the current one (not after sign-out or another sign-in).
    const emit = (e: HistoryEvent): void => {
      if (this.cache === cache) this.emit(e)
    }
    try {
      const result = await cache.sync(
        (cursor) => api.sync(cursor ?? undefined, this.opts.syncPageSize ?? 1000),
        (applied) => emit({ type: 'sync-progress', applied })
      )
      emit({ type: 'sync-done', result })
      return result
    } catch (e) {
      const error =
        e instanceof AppError ? e : (cacheFsError(e) ?? new AppError('INTERNAL', 'sync failed', { cause: e }))
      emit({ type: 'sync-failed', error: error.toPayload() })
      if (error.code === 'CACHE_CORRUPT' && this.cache === cache) this.reopenAfterCorruption()
      throw error
    }
  }

  /** Online first (the answer refreshes the cache); the cache when the platform cannot answer. */
  async query(input: unknown): Promise<HistoryAnswer> {
    const q = buildQuerySql(input).query // validates before anything goes on the wire
    if (this.offReason && this.signedIn) {
      // No offline history this session: the platform answers, and the answer says why.
      if (!this.api) throw new AppError('SESSION_EXPIRED', 'not signed in')
      const online = await this.api.listDelegations(q)
      return { ...online, lastSyncedAt: null, source: 'online', historyOff: this.offReason.code }
    }
    const cache = this.requireCache()
    // The platform sorts by six fields; by 進出口類別 or carrier only the cache can.
    if (!PLATFORM_SORTS.test(q.sort)) return { ...cache.query(q), source: 'cache' }
    if (this.api) {
      try {
        const online = await this.api.listDelegations(q)
        return { ...online, lastSyncedAt: this.keepOnline(cache, online.items), source: 'online' }
      } catch (e) {
        if (!(e instanceof AppError) || !OFFLINE_CODES.has(e.code)) throw e
        return { ...cache.query(q), source: 'cache', offlineReason: e.code }
      }
    }
    return { ...cache.query(q), source: 'cache', offlineReason: 'NETWORK_UNREACHABLE' }
  }

  /**
   * Stores an online answer; a full disk, a read-only file or a file damaged under the open session
   * must not cost the user the answer. A damaged file (CACHE_CORRUPT, already marked by the cache) is
   * then moved aside and rebuilt, as after a failed sync. Returns the cache's last sync time (null
   * for a damaged file).
   */
  private keepOnline(cache: DelegationCache, items: Delegation[]): string | null {
    try {
      cache.upsert(items)
      return cache.lastSyncedAt
    } catch (e) {
      const kept =
        e instanceof AppError && (e.code === 'DISK_FULL' || e.code === 'CACHE_READ_ONLY' || e.code === 'CACHE_CORRUPT')
          ? e
          : null
      if (!kept) throw e
      this.emit({ type: 'sync-failed', error: kept.toPayload() })
      if (kept.code !== 'CACHE_CORRUPT') return cache.lastSyncedAt
      if (this.cache === cache) this.reopenAfterCorruption()
      return null
    }
  }

  exportCsv(input: unknown, file: string): number {
    return this.requireCache().exportCsv(input, file)
  }

  exportJson(input: unknown, file: string): number {
    return this.requireCache().exportJson(input, file)
  }

  /** "Clear cache" in settings: deletes the files and starts again empty (the next sync refills it). */
  async clear(): Promise<void> {
    const cache = this.cache
    if (!cache) {
      // Offline history off (e.g. a file of a newer version): clearing deletes it and tries again.
      if (this.offReason && this.accountId) {
        DelegationCache.remove(this.opts.userDataDir, this.accountId)
        if (this.tryOpen()) void this.syncInBackground()
      }
      return
    }
    this.cache = null
    await cache.wipe()
    this.tryOpen() // empty until the next sync
  }

  /** After a settings change: applies the retention; switching to or from 0 (nothing on disk) reopens. */
  async applySettings(): Promise<void> {
    if (!this.cache) return
    const days = this.opts.settings().cacheRetentionDays
    if (this.cache.inMemory !== (days === 0)) {
      await this.close() // retention 0 deletes the file on open: nothing may hold it
      if (this.tryOpen()) void this.syncInBackground()
      return
    }
    if (!this.cache.inMemory) this.cache.setRetentionDays(days)
  }

  /** The open cache (diagnostics and tests). */
  get current(): DelegationCache | null {
    return this.cache
  }

  async close(): Promise<void> {
    const cache = this.cache
    this.cache = null
    await cache?.closed()
  }

  private open(): void {
    if (!this.accountId) throw new AppError('SESSION_EXPIRED', 'not signed in')
    const cache = DelegationCache.open({
      userDataDir: this.opts.userDataDir,
      accountId: this.accountId,
      retentionDays: this.opts.settings().cacheRetentionDays,
      ...(this.opts.now ? { now: this.opts.now } : {}),
      ...(this.opts.integrityCheck ? { integrityCheck: this.opts.integrityCheck } : {})
    })
    this.cache = cache
    if (cache.recovered)
      this.emit({ type: 'cache-recovered', error: new AppError('CACHE_CORRUPT', 'moved aside on open').toPayload() })
    void cache.integrity.then((r) => {
      if (r === 'corrupt' && this.cache === cache) this.reopenAfterCorruption()
    })
  }

  /** The file is marked corrupt: reopening moves it aside (event), then a full sync rebuilds it. */
  private reopenAfterCorruption(): void {
    const account = this.accountId
    void (async () => {
      await this.close()
      if (this.accountId !== account || this.cache) return // signed out or in again meanwhile
      try {
        this.open()
      } catch (e) {
        this.offReason = offError(e)
        this.emit({ type: 'cache-off', error: this.offReason.toPayload() })
        return
      }
      await this.syncInBackground()
    })()
  }

  private async syncInBackground(): Promise<void> {
    try {
      await this.syncNow()
    } catch {
      // reported as a 'sync-failed' event
    }
  }

  private requireCache(): DelegationCache {
    if (!this.cache && this.offReason && this.signedIn) throw this.offReason
    if (!this.cache) throw new AppError('SESSION_EXPIRED', 'not signed in')
    return this.cache
  }

  private emit(e: HistoryEvent): void {
    try {
      this.opts.onEvent?.(e)
    } catch {
      // a listener's failure must not break the history
    }
  }
}

/** Why a cache could not be opened, as the notice the user sees (never INTERNAL). */
function offError(e: unknown): AppError {
  if (e instanceof AppError && (e.code === 'CACHE_TOO_NEW' || e.code === 'DISK_FULL' || e.code === 'CACHE_READ_ONLY'))
    return e
  const fs = cacheFsError(e)
  if (fs) return fs
  const code = (e as { code?: unknown } | null)?.code
  return new AppError(
    'CACHE_UNAVAILABLE',
    typeof code === 'string' ? code : e instanceof AppError ? e.code : 'open failed',
    { cause: e }
  )
}
