import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

// PRAGMA integrity_check of a large cache takes seconds; in a worker thread, on its own read-only
// connection (a WAL snapshot, so a sync may write meanwhile), it never blocks the main process.
// The worker is inline code, so no extra bundle entry is needed; it loads the same better-sqlite3.

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.module)
let db
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true })
  parentPort.postMessage({ result: db.pragma('integrity_check', { simple: true }) })
} catch (e) {
  parentPort.postMessage({ error: String(e && e.code || e), corrupt: !!(e && /^SQLITE_(CORRUPT|NOTADB)/.test(e.code)) })
} finally {
  if (db) db.close()
}
`

/** 'unknown': the check was stopped (cache closed) or could not run; the next open checks again. */
export type IntegrityResult = 'ok' | 'corrupt' | 'unknown'

export interface BackgroundCheck {
  result: Promise<IntegrityResult>
  /** Stops the check (close, wipe): its connection must not keep the file open. */
  stop(): Promise<void>
}

/**
 * Absolute path of better-sqlite3's entry as seen from `baseDir` (the running bundle's folder):
 * the worker is eval'd code, which resolves nothing relative to the bundle on its own. Inside a
 * packaged app this is a path in app.asar (Electron's worker threads read asar; the .node binding
 * is unpacked to app.asar.unpacked by electron-builder's asarUnpack). `resolve` is for tests.
 */
export function integrityWorkerModule(
  baseDir: string = __dirname,
  resolve: (id: string) => string = createRequire(join(baseDir, 'noop.js')).resolve
): string {
  return resolve('better-sqlite3')
}

export function startBackgroundIntegrityCheck(file: string): BackgroundCheck {
  const module = integrityWorkerModule()
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, module } })
  // Never rejects: whoever awaits it (or nobody) gets a verdict.
  const result = new Promise<IntegrityResult>((resolvePromise) => {
    worker.once('message', (m: { result?: string; corrupt?: boolean }) => {
      resolvePromise(
        m.result !== undefined ? (m.result === 'ok' ? 'ok' : 'corrupt') : m.corrupt ? 'corrupt' : 'unknown'
      )
    })
    worker.once('error', () => resolvePromise('unknown'))
    worker.once('exit', () => resolvePromise('unknown'))
  })
  return {
    result,
    async stop() {
      await worker.terminate()
    }
  }
}
