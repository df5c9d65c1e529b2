import { createHash } from 'node:crypto'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { AppError } from '../../shared/errors'
import { LATEST_VERSION, schemaVersion } from './schema'

// Where an account's cache lives and what state the file is in. The file name is a hash of the
// account id, so neither the account nor a national ID appears on disk; files are 0600 in a 0700
// folder (SQLite gives -wal/-shm the database file's mode).

const SIDE_FILES = ['-wal', '-shm', '-journal'] as const

export function cacheDir(userDataDir: string): string {
  return join(userDataDir, 'delegation-cache')
}

export function accountFileStem(accountId: string): string {
  if (accountId.length === 0) throw new RangeError('accountId must not be empty')
  return createHash('sha256').update(`eccs-delegation-cache\0${accountId}`).digest('hex').slice(0, 32)
}

export function cacheFilePath(userDataDir: string, accountId: string): string {
  return join(cacheDir(userDataDir), `${accountFileStem(accountId)}.sqlite`)
}

/** Creates the folder (0700) and an empty database file (0600) if missing; tightens existing modes. */
export function prepareFile(file: string, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  closeSync(openSync(file, 'a', 0o600))
  restrictModes(file)
}

export function restrictModes(file: string): void {
  for (const f of [file, ...SIDE_FILES.map((s) => file + s)]) if (existsSync(f)) chmodSync(f, 0o600)
}

export type FileState = { state: 'missing' } | { state: 'corrupt' } | { state: 'ok'; fullyChecked: boolean }

/**
 * 'full' = PRAGMA integrity_check before open() returns (it also compares every index with its
 * table: ~5 s for 100k delegations on the CI machine); 'quick' = PRAGMA quick_check (pages, b-tree
 * structure, records: ~0.2 s) before open() returns and the full integrity_check in a worker thread
 * afterwards (DelegationCache.integrity); 'auto' = 'full' up to FULL_CHECK_MAX_PAGES (≈ 20k
 * delegations, about a second), 'quick' above, so opening never blocks the main process for seconds.
 */
export type IntegrityCheck = 'auto' | 'full' | 'quick'
export const FULL_CHECK_MAX_PAGES = 4096

const CORRUPT_CODES = new Set([
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT_INDEX',
  'SQLITE_CORRUPT_SEQUENCE',
  'SQLITE_CORRUPT_VTAB'
])

export function isCorruptionError(e: unknown): boolean {
  return e instanceof Database.SqliteError && CORRUPT_CODES.has(e.code)
}

const FULL_CODES = new Set(['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'ENOSPC', 'EDQUOT'])
const READ_ONLY_CODES = new Set([
  'SQLITE_READONLY',
  'SQLITE_READONLY_DBMOVED',
  'SQLITE_READONLY_DIRECTORY',
  'SQLITE_READONLY_RECOVERY',
  'SQLITE_READONLY_CANTINIT',
  'SQLITE_READONLY_CANTLOCK',
  'SQLITE_CANTOPEN',
  'SQLITE_PERM',
  'SQLITE_AUTH',
  'EACCES',
  'EPERM',
  'EROFS'
])

/**
 * A file-system failure of the cache as a typed error: disk full (SQLITE_FULL, ENOSPC) → DISK_FULL;
 * read-only file, folder or file system, no permission → CACHE_READ_ONLY; null for anything else.
 * SQLite reports ENOSPC while writing the WAL as SQLITE_IOERR_WRITE (or _FULL), so both count.
 */
export function cacheFsError(e: unknown): AppError | null {
  if (e instanceof AppError) return null
  const code = (e as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return null
  if (FULL_CODES.has(code)) return new AppError('DISK_FULL', code, { cause: e })
  if (READ_ONLY_CODES.has(code)) return new AppError('CACHE_READ_ONLY', code, { cause: e })
  return null
}

/**
 * Looks at an existing file read-only, so a refused file is left exactly as it was: a schema newer
 * than this app throws CACHE_TOO_NEW; a file SQLite cannot read or whose integrity check fails is
 * 'corrupt'. Other errors (locked, no permission) are thrown: they are not a reason to discard data.
 */
export function inspectFile(file: string, check: IntegrityCheck = 'auto'): FileState {
  if (!existsSync(file)) return { state: 'missing' }
  if (existsSync(corruptionMarker(file))) return { state: 'corrupt' }
  let db: Database.Database | undefined
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    const version = schemaVersion(db)
    if (version > LATEST_VERSION) throw new AppError('CACHE_TOO_NEW', `schema ${version} > ${LATEST_VERSION}`)
    const pages = db.pragma('page_count', { simple: true }) as number
    const full = check === 'full' || (check === 'auto' && pages <= FULL_CHECK_MAX_PAGES)
    const result = db.pragma(full ? 'integrity_check' : 'quick_check', { simple: true })
    return result === 'ok' ? { state: 'ok', fullyChecked: full } : { state: 'corrupt' }
  } catch (e) {
    if (isCorruptionError(e)) return { state: 'corrupt' }
    throw e
  } finally {
    db?.close()
  }
}

/**
 * Moves a corrupt file (and its -wal/-shm) aside as `<stem>.corrupt-<time>.sqlite` for diagnosis,
 * keeping only the newest such copy: it holds the same personal data as the cache.
 */
export function moveAside(file: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-')
  const aside = file.replace(/\.sqlite$/, `.corrupt-${stamp}.sqlite`)
  removeCorruptCopies(file)
  renameSync(file, aside)
  for (const s of SIDE_FILES) if (existsSync(file + s)) renameSync(file + s, aside + s)
  restrictModes(aside)
  return aside
}

/** Left by a running cache that met SQLITE_CORRUPT, so the next open rebuilds even if its check passes. */
export function corruptionMarker(file: string): string {
  return file.replace(/\.sqlite$/, '.corrupt-detected')
}

export function markCorrupt(file: string): void {
  closeSync(openSync(corruptionMarker(file), 'a', 0o600))
}

function corruptCopies(file: string): string[] {
  const dir = join(file, '..')
  const stem = file.slice(dir.length + 1).replace(/\.sqlite$/, '')
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((n) => n.startsWith(`${stem}.corrupt-`))
    .map((n) => join(dir, n))
}

export function removeCorruptCopies(file: string): void {
  for (const f of corruptCopies(file)) rmSync(f, { force: true })
}

/** Deletes the database, its side files and any corrupt copies (wipe on sign-out, "clear cache"). */
export function removeCacheFiles(file: string): void {
  for (const f of [file, ...SIDE_FILES.map((s) => file + s)]) rmSync(f, { force: true })
  removeCorruptCopies(file)
}
