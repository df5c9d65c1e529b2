import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { DelegationCache } from '../../src/main/cache'
import { SECONDARY_INDEXES } from '../../src/main/cache/schema'
import type { Delegation } from '../../src/shared/delegation'
import { FakeFeed, changeLog, decodeCursor } from './cache-fixtures'

// kill -9 of a process in the middle of a sync, again and again, then reopen: the cursor and the
// rows must always agree (every change up to the cursor applied, none after), the file must pass
// integrity_check, and the next sync must finish the job.

const CHILD = join(__dirname, 'cache-kill-child.ts')
const dir = mkdtempSync(join(tmpdir(), 'cache-kill-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const LOG = changeLog(12_000, 4_000)

interface Run {
  exited: 'killed' | 'done'
}

/** Runs the child; kills it with SIGKILL `delayMs` after it reports `killAfter` ('ready' or the first 'applied'). */
function runChild(
  prefix: number,
  pageSize: number,
  killAfter: 'ready' | 'applied' | 'never',
  delayMs: number
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(prefix), String(pageSize)], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let err = ''
    let armed = false
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString()
      if (!armed && killAfter !== 'never' && out.includes(killAfter)) {
        armed = true
        setTimeout(() => child.kill('SIGKILL'), delayMs)
      }
    })
    child.stderr.on('data', (b: Buffer) => (err += b.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolvePromise({ exited: 'killed' })
      else if (code === 0) resolvePromise({ exited: 'done' })
      else reject(new Error(`child failed (${code}): ${err}`))
    })
  })
}

function checkConsistent(prefix: number): number {
  const cache = DelegationCache.open({ userDataDir: dir, accountId: 'kill-test' })
  try {
    expect(cache.recovered).toBeNull()
    const { cursor, rows } = cache.info()
    const version = decodeCursor(cursor)
    expect(version).toBeLessThanOrEqual(prefix)
    const want = new FakeFeed(LOG, 1).stateAt(version)
    expect(rows).toBe(want.size)
    const got = new Map<string, Delegation>()
    for (let page = 1; (page - 1) * 500 < rows; page++)
      for (const d of cache.query({ page, pageSize: 500, sort: 'updatedAt:asc' }).items) got.set(d.id, d)
    expect(got).toEqual(want)
    const db = new Database(cache.file, { readonly: true })
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    const indexes = (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`).all() as { name: string }[]
    ).map((r) => r.name)
    expect(indexes.sort()).toEqual(Object.keys(SECONDARY_INDEXES).sort())
    db.close()
    return version
  } finally {
    cache.close()
  }
}

describe('cache sync under kill -9', () => {
  it('leaves cursor and rows in agreement after every kill, during the first (bulk) sync and incremental ones', async () => {
    const versions: number[] = []
    // Phase 1: the first sync of 12 000 delegations (indexes dropped and rebuilt at its end).
    // Phase 2: 4 000 later changes to existing rows, applied through the indexes.
    for (const [prefix, pageSize] of [
      [12_000, 500],
      [16_000, 250]
    ] as const) {
      const kills: ['ready' | 'applied', number][] = [
        ['applied', 0],
        ['ready', 120],
        ['applied', 40],
        ['ready', 400],
        ['applied', 250]
      ]
      for (const [after, delay] of kills) {
        await runChild(prefix, pageSize, after, delay)
        versions.push(checkConsistent(prefix))
      }
      expect((await runChild(prefix, pageSize, 'never', 0)).exited).toBe('done')
      expect(checkConsistent(prefix)).toBe(prefix)
    }
    // The kills did land mid-sync (not only before the first or after the last page).
    const midway = versions.filter((v) => v !== 0 && v !== 12_000 && v !== 16_000)
    console.log(`cursor versions after each kill: ${versions.join(', ')}`)
    expect(midway.length).toBeGreaterThanOrEqual(3)
  }, 240_000)
})
