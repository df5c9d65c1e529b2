import Database from 'better-sqlite3'
import { z } from 'zod'
import { Delegation } from '../../shared/delegation'
import { AppError } from '../../shared/errors'
import {
  cacheDir,
  cacheFilePath,
  cacheFsError,
  inspectFile,
  type IntegrityCheck,
  isCorruptionError,
  markCorrupt,
  moveAside,
  prepareFile,
  removeCacheFiles,
  restrictModes
} from './cache-files'
import { writeCsv, writeJson } from './export'
import { buildQuerySql, choosePageSql, paramsFor, type QueryParams, type TableShape } from './query-sql'
import { checkRetention, keepsMore, retentionCutoff, type RetentionDays } from './retention'
import { fromRow, toRow, UPSERT_SQL, type DelegationRow } from './rows'
import { dropSecondaryIndexes, ensureSecondaryIndexes, migrate, schemaVersion } from './schema'
import { SyncPage, type FetchChanges } from './sync-page'
import { startBackgroundIntegrityCheck, type BackgroundCheck, type IntegrityResult } from './background-check'
import { buildIndexesInWorker, type IndexBuild } from './index-builder'

export interface CacheOptions {
  /** Electron's app.getPath('userData') (or the web host's equivalent); the cache uses a subfolder. */
  userDataDir: string
  /** Stable per account (e.g. the platform account name); only its hash reaches the disk. */
  accountId: string
  /**
   * Keep 報關日期 within this many days (Taiwan calendar); null/undefined = keep everything;
   * 0 = keep nothing on disk (an in-memory cache for this session; the account's file is deleted).
   */
  retentionDays?: number | null
  now?: () => Date
  /** How thoroughly open() checks an existing file (see IntegrityCheck); default 'auto'. */
  integrityCheck?: IntegrityCheck
}

export interface CacheQueryResult {
  items: Delegation[]
  page: number
  pageSize: number
  total: number
  /** When the last complete sync finished; null = never (the UI labels offline answers with it). */
  lastSyncedAt: string | null
}

export interface SyncResult {
  applied: number
  cursor: string | null
  lastSyncedAt: string | null
}

export interface CacheInfo {
  file: string
  inMemory: boolean
  schemaVersion: number
  rows: number
  cursor: string | null
  lastSyncedAt: string | null
  retentionDays: number | null
}

interface SyncStateRow {
  cursor: string | null
  last_synced_at: string | null
}

const DelegationList = z.array(Delegation)

export class DelegationCache {
  /** The account's database file (also when `inMemory`, for wipe). */
  readonly file: string
  /** True with retentionDays 0: nothing is written to disk. */
  readonly inMemory: boolean
  /** 'corrupt' when the previous file failed its integrity check and was moved aside: tell the user (CACHE_CORRUPT) and sync. */
  readonly recovered: null | 'corrupt'
  /**
   * The full integrity_check of the file as opened: already 'ok' when open() ran it, else from a
   * worker thread. 'corrupt' → tell the user (CACHE_CORRUPT), close and open again: it is rebuilt.
   */
  readonly integrity: Promise<IntegrityResult>
  private readonly background: BackgroundCheck | null
  private readonly db: Database.Database
  private readonly now: () => Date
  private retentionDays: RetentionDays
  private readonly statements = new Map<string, Database.Statement>()
  private running: Promise<SyncResult> | null = null
  /** The index build of a first sync, running in a worker; the main connection does not write meanwhile. */
  private indexBuild: IndexBuild | null = null

  private constructor(
    file: string,
    db: Database.Database,
    recovered: null | 'corrupt',
    checkInBackground: boolean,
    opts: CacheOptions
  ) {
    this.file = file
    this.inMemory = db.memory
    this.db = db
    this.recovered = recovered
    this.background = checkInBackground ? startBackgroundIntegrityCheck(file) : null
    this.integrity = this.background
      ? this.background.result.then((r) => {
          if (r === 'corrupt') markCorrupt(file)
          return r
        })
      : Promise.resolve('ok')
    this.now = opts.now ?? (() => new Date())
    // In memory (retention 0) the session keeps what it fetched: the setting is about the disk.
    this.retentionDays = this.inMemory ? null : (opts.retentionDays ?? null)
  }

  /**
   * Opens (creating or migrating) the account's cache. A file with a newer schema throws
   * CACHE_TOO_NEW and is left untouched; a corrupt one is moved aside and replaced by an empty
   * cache with `recovered === 'corrupt'` (a full sync rebuilds it from the server).
   */
  static open(opts: CacheOptions): DelegationCache {
    const retention = checkRetention(opts.retentionDays) // validates the setting before touching files
    const file = cacheFilePath(opts.userDataDir, opts.accountId)
    const now = opts.now ?? (() => new Date())
    if (retention === 0) {
      removeCacheFiles(file)
      const db = new Database(':memory:')
      migrate(db)
      return new DelegationCache(file, db, null, false, opts)
    }
    const inspected = inspectFile(file, opts.integrityCheck)
    const recovered = inspected.state === 'corrupt' ? 'corrupt' : null
    if (recovered) moveAside(file, now())
    prepareFile(file, cacheDir(opts.userDataDir))
    const db = new Database(file)
    try {
      db.pragma('journal_mode = WAL')
      // NORMAL in WAL mode: a killed process loses nothing committed; power loss may drop the last
      // pages, which the cursor (committed with them) simply fetches again.
      db.pragma('synchronous = NORMAL')
      db.pragma('busy_timeout = 5000')
      // Deleted rows (retention, wipe) are overwritten, not left readable in free pages.
      db.pragma('secure_delete = ON')
      db.pragma('cache_size = -16384') // 16 MiB: the hot indexes of 100k delegations stay in memory
      migrate(db)
      // A first sync killed before its end left the indexes dropped (see runSync).
      db.transaction(() => ensureSecondaryIndexes(db)).immediate()
      restrictModes(file)
    } catch (e) {
      db.close()
      throw e
    }
    const cache = new DelegationCache(file, db, recovered, inspected.state === 'ok' && !inspected.fullyChecked, opts)
    cache.applyRetention()
    return cache
  }

  /** Deletes an account's cache without opening it (sign-out wipe when it is not open). */
  static remove(userDataDir: string, accountId: string): void {
    removeCacheFiles(cacheFilePath(userDataDir, accountId))
  }

  /**
   * Pulls changes after the stored cursor until the server has no more. Each page is stored in one
   * transaction together with its cursor, so a crash or kill at any point leaves the rows and the
   * cursor in agreement and the next sync resumes there. A call while a sync runs joins that sync.
   */
  sync(fetchChanges: FetchChanges, onProgress?: (applied: number) => void, signal?: AbortSignal): Promise<SyncResult> {
    this.assertOpen()
    if (!this.running)
      this.running = this.runSync(fetchChanges, onProgress, signal).finally(() => (this.running = null))
    return this.running
  }

  private async runSync(
    fetchChanges: FetchChanges,
    onProgress?: (applied: number) => void,
    signal?: AbortSignal
  ): Promise<SyncResult> {
    let { cursor, last_synced_at: lastSyncedAt } = this.syncState()
    // From the start of the feed, or until a sync has completed once, the feed is a bulk load: the
    // indexes go with the first page and are built again after the last one, in a worker thread
    // (or when the sync fails; open() after a kill). In memory there is no file a worker could
    // open: the indexes stay and are updated row by row.
    const bulk = !this.inMemory && (cursor === null || lastSyncedAt === null)
    let applied = 0
    let dropped = false
    let built = false
    try {
      for (;;) {
        if (signal?.aborted) throw new AppError('OPERATION_CANCELLED', 'sync aborted')
        const raw = await fetchChanges(cursor)
        if (!this.db.open) throw new AppError('OPERATION_CANCELLED', 'cache closed during sync')
        const parsed = SyncPage.safeParse(raw)
        if (!parsed.success)
          throw new AppError('SERVER_RESPONSE_INVALID', `sync page: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
        const page = parsed.data
        if (page.hasMore && page.changes.length === 0 && page.nextCursor === cursor)
          throw new AppError('SERVER_RESPONSE_INVALID', 'sync feed made no progress')
        const finishedAt = page.hasMore ? null : this.now().toISOString()
        const drop: boolean = bulk && !dropped
        this.guard(() => this.applyPage(page.changes, page.nextCursor, finishedAt, drop ? 'drop' : 'keep'))
        dropped = dropped || drop
        applied += page.changes.length
        cursor = page.nextCursor
        lastSyncedAt = finishedAt ?? lastSyncedAt
        onProgress?.(applied)
        if (!page.hasMore) break
      }
      if (dropped) {
        await this.buildIndexes(true)
        built = true
      }
    } finally {
      if (dropped && !built && this.db.open) await this.buildIndexes(false).catch(() => undefined) // open() retries
    }
    this.applyRetention()
    // After a bulk load the worker ran ANALYZE; otherwise the cheap PRAGMA optimize.
    if (!dropped) this.guard(() => this.refreshStatistics(false))
    return { applied, cursor, lastSyncedAt }
  }

  /** Builds the secondary indexes in a worker thread (see index-builder.ts); the main thread stays free. */
  private async buildIndexes(analyze: boolean): Promise<void> {
    const build = buildIndexesInWorker(this.file, analyze)
    this.indexBuild = build
    try {
      await build.done
    } finally {
      if (this.indexBuild === build) this.indexBuild = null
    }
  }

  /** True while a first sync's indexes are being built (online answers are not stored meanwhile). */
  get indexing(): boolean {
    return this.indexBuild !== null
  }

  /**
   * Planner statistics: with them SQLite picks the most selective index (e.g. 進出口類別 + status
   * rather than status alone). Full ANALYZE after a bulk load (sampled, tens of ms), else the cheap
   * PRAGMA optimize, which re-analyzes only when the data changed a lot.
   */
  private refreshStatistics(afterBulkLoad: boolean): void {
    this.db.pragma('analysis_limit = 1000')
    if (afterBulkLoad) this.db.exec('ANALYZE')
    else this.db.pragma('optimize')
  }

  private applyPage(
    changes: Delegation[],
    nextCursor: string,
    finishedAt: string | null,
    indexes: 'drop' | 'keep'
  ): void {
    const cutoff = retentionCutoff(this.now(), this.retentionDays)
    const upsert = this.statement(UPSERT_SQL)
    this.db
      .transaction(() => {
        if (indexes === 'drop') dropSecondaryIndexes(this.db)
        for (const d of changes) if (cutoff === null || d.declarationDate >= cutoff) upsert.run(toRow(d))
        this.statement(
          `UPDATE sync_state SET cursor = ?, last_synced_at = COALESCE(?, last_synced_at) WHERE singleton = 1`
        ).run(nextCursor, finishedAt)
      })
      .immediate()
  }

  /** Stores delegations the platform just returned online (list, detail, decision), so the cache stays fresh. */
  upsert(rows: readonly Delegation[]): void {
    this.assertOpen()
    // The index worker holds the write lock: waiting for it would block the main thread. The sync
    // that runs the build brings these rows anyway.
    if (this.indexBuild) return
    const parsed = DelegationList.safeParse(rows)
    if (!parsed.success)
      throw new AppError('SERVER_RESPONSE_INVALID', `delegation: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
    const cutoff = retentionCutoff(this.now(), this.retentionDays)
    const upsert = this.statement(UPSERT_SQL)
    this.guard(() =>
      this.db.transaction(() => {
        for (const d of parsed.data) if (cutoff === null || d.declarationDate >= cutoff) upsert.run(toRow(d))
      })()
    )
  }

  /** Same filters, sort and paging as the platform's GET /delegations, answered from the cache. */
  query(input: unknown): CacheQueryResult {
    this.assertOpen()
    const sql = buildQuerySql(input)
    return this.guard(() => {
      // One read transaction: the count and the page come from the same snapshot even while a sync writes.
      const { total, rows, lastSyncedAt } = this.db
        .transaction(() => {
          const { total, pageSql } = this.planPage(sql)
          const rows = this.statement(pageSql).all(paramsFor(pageSql, sql.params)) as DelegationRow[]
          return { total, rows, lastSyncedAt: this.syncState().last_synced_at }
        })
        .deferred()
      return { items: rows.map(fromRow), page: sql.query.page, pageSize: sql.query.pageSize, total, lastSyncedAt }
    })
  }

  /** The statements query() runs for `input` (diagnostics, bench/cache compares them with the sqlite3 CLI). */
  explain(input: unknown): { countSql: string; pageSql: string; params: QueryParams } {
    this.assertOpen()
    const sql = buildQuerySql(input)
    return { countSql: sql.countSql, pageSql: this.planPage(sql).pageSql, params: sql.params }
  }

  private planPage(sql: ReturnType<typeof buildQuerySql>): { total: number; pageSql: string } {
    const total = (this.statement(sql.countSql).get(paramsFor(sql.countSql, sql.params)) as { n: number }).n
    // Separate subqueries so each MIN/MAX is one index probe; max(rowid) stands in for the row count.
    const shape = this.statement(
      `SELECT COALESCE((SELECT MAX(rowid) FROM delegations), 0) AS rows,
        (SELECT MIN(declaration_date) FROM delegations) AS minDate, (SELECT MAX(declaration_date) FROM delegations) AS maxDate`
    ).get() as TableShape
    return { total, pageSql: choosePageSql(sql, total, shape) }
  }

  /** Every row matching the query's filters in its sort order (paging ignored) as CSV; returns the count. */
  exportCsv(input: unknown, file: string): number {
    this.assertOpen()
    const sql = buildQuerySql(input)
    return this.guard(() => writeCsv(file, this.iterate(sql.allSql, paramsFor(sql.allSql, sql.params))))
  }

  /** As exportCsv, as JSON `{ exportedAt, lastSyncedAt, query, items }`. */
  exportJson(input: unknown, file: string): number {
    this.assertOpen()
    const sql = buildQuerySql(input)
    const { page: _page, pageSize: _pageSize, ...query } = sql.query
    const meta = { exportedAt: this.now().toISOString(), lastSyncedAt: this.syncState().last_synced_at, query }
    return this.guard(() => writeJson(file, meta, this.iterate(sql.allSql, paramsFor(sql.allSql, sql.params))))
  }

  private *iterate(sqlText: string, params: Record<string, string | number>): Generator<Delegation> {
    for (const r of this.db.prepare(sqlText).iterate(params) as IterableIterator<DelegationRow>) yield fromRow(r)
  }

  /** Deletes rows older than the retention period; returns how many. */
  applyRetention(): number {
    this.assertOpen()
    const cutoff = retentionCutoff(this.now(), this.retentionDays)
    if (cutoff === null) return 0
    return this.guard(() => this.statement(`DELETE FROM delegations WHERE declaration_date < ?`).run(cutoff).changes)
  }

  /**
   * Changes the retention (user setting or machine policy) and applies it at once; returns the rows
   * deleted. A longer retention forgets the cursor, so the next sync fetches the older rows again.
   * 0 empties the cache and stores nothing more; reopen to drop the file itself.
   */
  setRetentionDays(days: number | null): number {
    this.assertOpen()
    const next = checkRetention(days)
    if (this.inMemory) return 0 // a session-only cache keeps the session's rows; nothing is on disk anyway
    if (keepsMore(next, this.retentionDays))
      this.statement(`UPDATE sync_state SET cursor = NULL WHERE singleton = 1`).run()
    this.retentionDays = next
    return this.applyRetention()
  }

  info(): CacheInfo {
    this.assertOpen()
    const { cursor, last_synced_at } = this.syncState()
    const rows = (this.statement(`SELECT COUNT(*) AS n FROM delegations`).get() as { n: number }).n
    return {
      file: this.file,
      inMemory: this.inMemory,
      schemaVersion: schemaVersion(this.db),
      rows,
      cursor,
      lastSyncedAt: last_synced_at,
      retentionDays: this.retentionDays
    }
  }

  /**
   * Closes and deletes the cache files (sign-out, "clear cache", policy wipeCacheOnSignOut); open
   * again to start over. Waits for a running background check to let go of the file first (Windows
   * cannot delete an open file).
   */
  async wipe(): Promise<void> {
    await this.closed()
    removeCacheFiles(this.file)
  }

  /** Closes at once; a background integrity check is stopped (see closed()). */
  close(): void {
    void this.background?.stop()
    void this.indexBuild?.stop()
    if (this.db.open) this.db.close()
    this.statements.clear()
  }

  /** Closes and resolves once no thread of this cache holds the file open any more. */
  async closed(): Promise<void> {
    const build = this.indexBuild
    this.close()
    await Promise.all([this.background?.stop(), build?.stop()])
  }

  /** When the last complete sync finished (null = never). */
  get lastSyncedAt(): string | null {
    this.assertOpen()
    return this.syncState().last_synced_at
  }

  get isOpen(): boolean {
    return this.db.open
  }

  private syncState(): SyncStateRow {
    return this.statement(`SELECT cursor, last_synced_at FROM sync_state WHERE singleton = 1`).get() as SyncStateRow
  }

  private statement(sqlText: string): Database.Statement {
    let s = this.statements.get(sqlText)
    if (!s) this.statements.set(sqlText, (s = this.db.prepare(sqlText)))
    return s
  }

  private assertOpen(): void {
    if (!this.db.open) throw new AppError('INTERNAL', 'delegation cache is closed')
  }

  /**
   * SQLite corruption found while running becomes CACHE_CORRUPT (the next open moves the file
   * aside); a full disk DISK_FULL, a read-only file CACHE_READ_ONLY.
   */
  private guard<T>(fn: () => T): T {
    try {
      return fn()
    } catch (e) {
      const fsError = cacheFsError(e)
      if (fsError) throw fsError // DISK_FULL / CACHE_READ_ONLY: the transaction was rolled back
      if (!isCorruptionError(e)) throw e
      if (!this.inMemory) markCorrupt(this.file)
      throw new AppError('CACHE_CORRUPT', 'database disk image is malformed', { cause: e })
    }
  }
}
