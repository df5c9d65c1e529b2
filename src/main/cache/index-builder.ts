import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { AppError } from '../../shared/errors'
import { cacheFsError } from './cache-files'
import { SECONDARY_INDEXES } from './schema'

// The first full sync loads its rows without the secondary indexes and builds them once at its
// end: cheaper than updating eleven indexes row by row, but for 100k delegations the build and the
// ANALYZE after it take 1–3 s. On the main thread that froze the UI (issue 14); here they run in a
// worker thread on its own connection (WAL: the main connection keeps reading meanwhile), one index
// per transaction. Inline worker code, like background-check.ts: no extra bundle entry.

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.module)
let db
try {
  db = new Database(workerData.file, { fileMustExist: true })
  db.pragma('busy_timeout = 10000')
  for (const [name, on] of workerData.indexes) db.exec('CREATE INDEX IF NOT EXISTS ' + name + ' ON ' + on)
  if (workerData.analyze) {
    db.pragma('analysis_limit = 1000')
    db.exec('ANALYZE')
  }
  // The index pages went through the WAL: fold them into the file here, not on the main thread's next commit.
  db.pragma('wal_checkpoint(TRUNCATE)')
  parentPort.postMessage({ ok: true })
} catch (e) {
  parentPort.postMessage({ ok: false, code: String((e && e.code) || 'UNKNOWN'), message: String((e && e.message) || e) })
} finally {
  if (db) db.close()
}
`

export interface IndexBuild {
  /** Resolves when every secondary index exists (and ANALYZE ran); rejects with DISK_FULL, CACHE_READ_ONLY, CACHE_CORRUPT or INTERNAL. */
  done: Promise<void>
  /** Stops the build (cache closed); `done` then rejects with OPERATION_CANCELLED. */
  stop(): Promise<void>
}

/**
 * Builds the latest schema's secondary indexes of the cache file `file` (CREATE INDEX IF NOT
 * EXISTS, so an interrupted build simply resumes), then ANALYZE when `analyze`, in a worker thread.
 * The caller must not write to the file meanwhile (its writes would wait for the worker's lock).
 */
export function buildIndexesInWorker(file: string, analyze: boolean): IndexBuild {
  const module = createRequire(join(__dirname, 'noop.js')).resolve('better-sqlite3')
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, module, analyze, indexes: Object.entries(SECONDARY_INDEXES) }
  })
  let stopped = false
  const done = new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ok: boolean; code?: string; message?: string }) => {
      if (m.ok) return resolve()
      const err = Object.assign(new Error(m.message ?? 'index build failed'), { code: m.code })
      const fs = cacheFsError(err)
      if (fs) return reject(fs)
      if (m.code && /^SQLITE_(CORRUPT|NOTADB)/.test(m.code))
        return reject(new AppError('CACHE_CORRUPT', 'index build', { cause: err }))
      reject(new AppError('INTERNAL', `index build: ${m.code ?? 'failed'}`, { cause: err }))
    })
    worker.once('error', (e) => reject(new AppError('INTERNAL', 'index build worker failed', { cause: e })))
    worker.once('exit', () =>
      reject(new AppError('OPERATION_CANCELLED', stopped ? 'cache closed during index build' : 'index build ended'))
    )
  })
  return {
    done,
    async stop() {
      stopped = true
      await worker.terminate()
    }
  }
}
