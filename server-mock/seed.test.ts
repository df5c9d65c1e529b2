// Seed generator: realistic, deterministic and fast for 100k delegations.
import { describe, expect, it } from 'vitest'
import { openDb, type DelegationRow } from './db'
import { createRng, generateDelegation, insertDelegations } from './seed'

describe('seed', () => {
  it('is deterministic for a given rng seed', () => {
    const now = new Date('2025-06-01T00:00:00Z')
    const run = (seed: number) => {
      const rng = createRng(seed)
      return Array.from({ length: 5 }, () => generateDelegation(rng, 'A123456789', now, { certificateShare: 0.5 }))
    }
    expect(run(42)).toEqual(run(42))
    expect(run(42)).not.toEqual(run(43))
  })

  // How fast is bench material (DEVELOPERS.md: no timed tests); this checks what 100k rows hold.
  it('inserts 100k realistic delegations', () => {
    const db = openDb(':memory:')
    const now = new Date()
    insertDelegations(db, createRng(1), {
      nationalId: 'A123456789',
      accountId: null,
      count: 100_000,
      now,
      certificateShare: 0.5
    })
    const stats = db.prepare(`SELECT status, COUNT(*) AS n FROM delegations GROUP BY status`).all() as {
      status: string
      n: number
    }[]
    const by = Object.fromEntries(stats.map((s) => [s.status, s.n]))
    expect((by.PENDING ?? 0) + (by.MATCH ?? 0) + (by.MISMATCH ?? 0)).toBe(100_000)
    expect(by.PENDING).toBeGreaterThan(25_000)
    expect(by.MISMATCH).toBeGreaterThan(1_000)
    const rows = db.prepare(`SELECT * FROM delegations LIMIT 2000`).all() as DelegationRow[]
    const oldest = new Date(now.getTime() - 91 * 86_400_000).toISOString().slice(0, 10)
    expect(rows.every((r) => r.declaration_date >= oldest)).toBe(true)
    expect(new Set(rows.map((r) => r.currency))).toEqual(new Set(['TWD', 'USD', 'JPY']))
    expect(rows.some((r) => r.carrier.includes('順豐'))).toBe(true)
    expect(rows.some((r) => r.carrier.includes('DHL'))).toBe(true)
    expect(rows.some((r) => /[\u4e00-\u9fff]/.test(r.goods_description))).toBe(true)
    expect(rows.filter((r) => r.status === 'MISMATCH').every((r) => r.reason && r.confirmed_at)).toBe(true)
    const confirmations = (db.prepare(`SELECT COUNT(*) AS n FROM confirmations`).get() as { n: number }).n
    expect(confirmations).toBe((by.MATCH ?? 0) + (by.MISMATCH ?? 0))
    db.close()
  })
})
