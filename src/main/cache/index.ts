// Offline cache of the account's delegation history (issue 7), for the app core to call.
// DelegationHistory (delegation-history.ts) is the ready-made service: sign-in/out, background sync
// with progress events, online-first queries with offline fallback, settings, clear cache. Below it:
//
//   const cache = DelegationCache.open({ userDataDir, accountId, retentionDays })   // one SQLite file per account, checked on open
//   if (cache.recovered === 'corrupt') notify(CACHE_CORRUPT)                        // moved aside, rebuilt by the next sync
//   cache.integrity.then((r) => r === 'corrupt' && notifyAndReopen())              // full integrity_check of large files, in a worker
//   await cache.sync((cursor) => api.sync({ cursor, limit: 1000 }), (n) => progress(n))   // after login / on demand
//   cache.upsert(onlineAnswer.items)                                                 // online answers refresh the cache
//   cache.query(q)            // { items, page, pageSize, total, lastSyncedAt }: GET /delegations semantics, offline
//   cache.exportCsv(q, file) / cache.exportJson(q, file)                            // all rows of q's filters, in q's sort
//   cache.setRetentionDays(days | null); await cache.wipe() on sign-out / "clear cache"; cache.close()
//
// Errors: CACHE_TOO_NEW (open; file untouched), CACHE_CORRUPT (found while running: close and open
// again), SERVER_RESPONSE_INVALID (bad sync page; earlier pages stay), VALIDATION_FAILED (query),
// OPERATION_CANCELLED (sync aborted/closed). Everything is synchronous except sync's network waits
// and the background integrity check. retentionDays 0 (policy: nothing on disk) = an in-memory cache.
export { DelegationCache } from './delegation-cache'
export { DelegationHistory, type HistoryApi, type HistoryEvent, type HistorySettings } from './delegation-history'
export { cacheFilePath, FULL_CHECK_MAX_PAGES } from './cache-files'
export { CSV_HEADERS, neutraliseFormula } from './export'
export { LATEST_VERSION } from './schema'
export { SyncPage } from './sync-page'
