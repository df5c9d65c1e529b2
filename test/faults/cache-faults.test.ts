import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheFilePath } from '../../src/main/cache'
import { startTestServer, type TestServer } from '../../server-mock/test-helpers'
import { signInAndQuery, type ScenarioResult } from './cache-scenario'

// Cache damage: the account's offline history file truncated, overwritten with random bytes, made
// by a newer version, on a read-only file system, on a full disk (at open and during the first
// sync). In every case the user is logged in and the query is answered (online), and the damage
// is told as a typed notice (history off: CACHE_TOO_NEW / CACHE_READ_ONLY / DISK_FULL; a corrupt
// file is moved aside and rebuilt: CACHE_CORRUPT), never as INTERNAL and never by failing login.
// Read-only and full file systems are real: a tmpfs (size-limited, or remounted read-only) inside
// a private mount namespace (`unshare -m`, needs root as the rig does), with the scenario in a
// child process there. Without root they are skipped with a printed reason.

const CHILD = join(__dirname, 'cache-child.ts')
const ACCOUNT = 'demo'
let s: TestServer
let base: string
const table: string[] = []

function canMount(): boolean {
  const r = spawnSync(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d"'],
    { stdio: 'ignore' }
  )
  return r.status === 0
}
const mountable = process.platform === 'linux' && canMount()
if (!mountable)
  console.log(
    'skipped: read-only and disk-full cache scenarios need a private mount namespace (unshare -m as root); in-process scenarios still run'
  )

function fresh(name: string): string {
  const dir = join(base, name)
  mkdirSync(dir, { recursive: true })
  return dir
}

function book(name: string, r: ScenarioResult, expected: string): void {
  const notice = r.query.historyOff ?? r.events.find((e) => e.code)?.code ?? '-'
  table.push(
    `${name.padEnd(26)}${String(r.login.ok).padStart(8)}${String(r.query.source ?? r.query.code).padStart(10)}${String(r.query.items ?? 0).padStart(7)}${notice.padStart(20)}${expected.padStart(20)}`
  )
}

/** Checks what every damaged-cache case must show: logged in, the query answered online. */
function expectUsable(r: ScenarioResult): void {
  expect(r.login).toEqual({ ok: true })
  expect(r.query).toMatchObject({ ok: true, source: 'online' })
  expect(r.query.items).toBeGreaterThan(0)
  expect(r.events.map((e) => e.code)).not.toContain('INTERNAL')
}

/**
 * Runs cache-child.ts in a private mount namespace where `dir` is a tmpfs prepared by `setup` (sh).
 * Asynchronous: server-mock runs in this process and must keep answering.
 */
function inNamespace(dir: string, setup: string, settleMs: number): Promise<ScenarioResult> {
  const node = `"${process.execPath}" --import tsx "${CHILD}" "${s.server.url}" "${s.server.caCertPath}" "${dir}" ${settleMs}`
  const script = `set -e\nmount -t tmpfs -o size=16m,mode=0700 tmpfs "${dir}"\n${setup}\n${node}`
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
      cwd: join(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let err = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.stdout.on('data', (b: Buffer) => (out += b.toString()))
    child.stderr.on('data', (b: Buffer) => (err += b.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      const line = out.split('\n').find((l) => l.startsWith('RESULT '))
      if (!line) reject(new Error(`child failed (${code}): ${err.slice(-2000)}`))
      else resolve(JSON.parse(line.slice(7)) as ScenarioResult)
    })
  })
}

beforeAll(async () => {
  s = await startTestServer()
  base = mkdtempSync(join(tmpdir(), 'cache-faults-'))
  // Enough history that a full first sync needs well over the small file system's room.
  for (let i = 0; i < 3; i++) {
    const made = await s.api.post('/dev/delegations', { account: ACCOUNT, count: 1000 })
    if (made.status !== 201) throw new Error(`dev/delegations: ${made.status} ${JSON.stringify(made.body)}`)
  }
}, 60_000)

afterAll(async () => {
  await s?.close()
  rmSync(base, { recursive: true, force: true })
  if (table.length > 0) {
    console.log(
      [
        `${'cache damage'.padEnd(26)}${'login'.padStart(8)}${'query'.padStart(10)}${'rows'.padStart(7)}${'notice'.padStart(20)}${'expected'.padStart(20)}`,
        ...table
      ].join('\n')
    )
  }
})

describe('a cache that cannot be opened never blocks login', () => {
  it('too new (schema of a later version): login succeeds, the query answers online, history off with CACHE_TOO_NEW; file untouched', async () => {
    const dir = fresh('too-new')
    const file = cacheFilePath(dir, ACCOUNT)
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    const db = new Database(file)
    db.exec('CREATE TABLE future (x)')
    db.pragma('user_version = 99')
    db.close()
    const bytes = readFileSync(file)
    const r = await signInAndQuery({ baseUrl: s.server.url, caFile: s.server.caCertPath, userDataDir: dir })
    book('too new', r, 'CACHE_TOO_NEW')
    expectUsable(r)
    expect(r.query.historyOff).toBe('CACHE_TOO_NEW')
    expect(r.events).toContainEqual({ type: 'cache-off', code: 'CACHE_TOO_NEW' })
    expect(readFileSync(file).equals(bytes)).toBe(true)
  })

  it('truncated and random bytes: moved aside (CACHE_CORRUPT), rebuilt by the sync; login and query unaffected', async () => {
    const dir = fresh('damaged')
    const first = await signInAndQuery({
      baseUrl: s.server.url,
      caFile: s.server.caCertPath,
      userDataDir: dir,
      settleMs: 30_000
    })
    expect(first.events).toContainEqual(expect.objectContaining({ type: 'sync-done' }))
    const file = cacheFilePath(dir, ACCOUNT)
    truncateSync(file, Math.floor(statSync(file).size / 3))
    const truncated = await signInAndQuery({
      baseUrl: s.server.url,
      caFile: s.server.caCertPath,
      userDataDir: dir,
      settleMs: 30_000
    })
    book('truncated', truncated, 'CACHE_CORRUPT')
    expectUsable(truncated)
    expect(truncated.events).toContainEqual({ type: 'cache-recovered', code: 'CACHE_CORRUPT' })
    expect(truncated.events).toContainEqual(expect.objectContaining({ type: 'sync-done' }))

    writeFileSync(file, randomBytes(96 * 1024))
    const random = await signInAndQuery({
      baseUrl: s.server.url,
      caFile: s.server.caCertPath,
      userDataDir: dir,
      settleMs: 30_000
    })
    book('random bytes', random, 'CACHE_CORRUPT')
    expectUsable(random)
    expect(random.events).toContainEqual({ type: 'cache-recovered', code: 'CACHE_CORRUPT' })
  }, 120_000)

  it.runIf(mountable)(
    'read-only file system: login succeeds, the query answers online, history off with CACHE_READ_ONLY',
    async () => {
      const dir = fresh('read-only')
      // First a normal session fills the cache, then the file system turns read-only.
      const prepare = `"${process.execPath}" --import tsx "${CHILD}" "${s.server.url}" "${s.server.caCertPath}" "${dir}" 30000 >/dev/null\nmount -o remount,ro "${dir}"`
      const ro = await inNamespace(dir, prepare, 0)
      book('read-only fs', ro, 'CACHE_READ_ONLY')
      expectUsable(ro)
      expect(ro.query.historyOff).toBe('CACHE_READ_ONLY')
      expect(ro.events).toContainEqual({ type: 'cache-off', code: 'CACHE_READ_ONLY' })
    },
    120_000
  )

  it.runIf(mountable)(
    'disk full before the cache is created: login succeeds, history off with DISK_FULL',
    async () => {
      const dir = fresh('full-at-open')
      const fill = `dd if=/dev/zero of="${dir}/filler" bs=64k 2>/dev/null || true`
      const r = await inNamespace(dir, fill, 0)
      book('disk full at open', r, 'DISK_FULL')
      expectUsable(r)
      expect(r.query.historyOff).toBe('DISK_FULL')
      expect(r.events).toContainEqual({ type: 'cache-off', code: 'DISK_FULL' })
    },
    60_000
  )

  it.runIf(mountable)(
    'disk full during the first sync: typed DISK_FULL (not INTERNAL), login and the online query unaffected',
    async () => {
      const dir = fresh('full-in-sync')
      // 16 MiB minus all but ~400 KiB: room for the schema, not for 3000 delegations.
      const fill = `dd if=/dev/zero of="${dir}/filler" bs=1k count=$((16*1024-400)) 2>/dev/null`
      const r = await inNamespace(dir, fill, 30_000)
      book('disk full during sync', r, 'DISK_FULL')
      expectUsable(r)
      expect(r.events).toContainEqual({ type: 'sync-failed', code: 'DISK_FULL' })
    },
    60_000
  )
})
