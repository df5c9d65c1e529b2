import type { Delegation } from '../../src/shared/delegation'
import type { SyncPage } from '../../src/main/cache'
import { createRng } from '../../server-mock/seed'

// Deterministic delegations and an in-memory change feed with server-mock's /sync contract
// (opaque base64url cursor of the last version, oldest change first), for cache tests and bench/cache.

/** Seeded PRNG shared with server-mock's data generator. */
export const rng = createRng

const CARRIERS = ['順豐速運', 'DHL Express', '聯邦快遞 FedEx', 'UPS 優比速', '嘉里大榮', '黑貓宅急便']
const GOODS = [
  '藍牙耳機',
  '兒童服飾',
  '保健食品',
  '手機殼',
  '運動鞋',
  '咖啡豆',
  '書籍',
  '化妝品',
  '筆記型電腦配件',
  '玩具'
]
const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T
}

function code(r: () => number, n: number, alphabet = ALNUM): string {
  let s = ''
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)]
  return s
}

export interface GenerateOptions {
  count: number
  seed?: number
  /** Last 報關日期 (YYYY-MM-DD); dates spread over `days` before it. */
  endDate?: string
  days?: number
}

export function generateDelegations(opts: GenerateOptions): Delegation[] {
  const r = rng(opts.seed ?? 7)
  const end = Date.parse(`${opts.endDate ?? '2025-06-30'}T00:00:00Z`)
  const days = opts.days ?? 730
  const out: Delegation[] = []
  for (let i = 0; i < opts.count; i++) {
    const date = new Date(end - Math.floor(r() * days) * 86_400_000).toISOString().slice(0, 10)
    const roll = r()
    const status: Delegation['status'] = roll < 0.3 ? 'PENDING' : roll < 0.9 ? 'MATCH' : 'MISMATCH'
    const answeredAt = new Date(Date.parse(`${date}T02:00:00Z`) + Math.floor(r() * 3 * 86_400_000)).toISOString()
    out.push({
      id: `dlg_${code(r, 6)}${i.toString(36).padStart(6, '0')}`,
      declarationDate: date,
      houseBillNo: code(r, 2, 'ABCDEFGHJKLMNPQRSTUVWXYZ') + code(r, 10, '0123456789'),
      masterBillNo: code(r, 11, '0123456789'),
      direction: r() < 0.8 ? 'IMPORT' : 'EXPORT',
      carrier: pick(r, CARRIERS),
      goodsDescription: pick(r, GOODS),
      quantity: 1 + Math.floor(r() * 20),
      declaredValue: Math.round(r() * 500_000) / 100,
      currency: pick(r, ['TWD', 'USD', 'JPY']),
      status,
      reason: status === 'MISMATCH' ? '非本人訂購' : null,
      confirmedAt: status === 'PENDING' ? null : answeredAt,
      confirmedVia: status === 'PENDING' ? null : r() < 0.5 ? 'certificate' : 'app',
      updatedAt: status === 'PENDING' ? `${date}T01:00:00.000Z` : answeredAt
    })
  }
  return out
}

export function encodeCursor(version: number): string {
  return Buffer.from(`v${version}`).toString('base64url')
}

export function decodeCursor(cursor: string | null): number {
  if (cursor === null) return 0
  const m = /^v(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'))
  if (!m) throw new Error(`bad cursor ${cursor}`)
  return Number(m[1])
}

/**
 * A change log: entry k (version k + 1) is the full state of one delegation after its change; the
 * same id may appear again later (answered, edited). Pages are `limit` entries after the cursor.
 */
export class FakeFeed {
  constructor(
    readonly log: Delegation[],
    readonly limit = 500
  ) {}

  page(cursor: string | null): SyncPage {
    const after = decodeCursor(cursor)
    const changes = this.log.slice(after, after + this.limit)
    return {
      changes,
      nextCursor: encodeCursor(after + changes.length),
      hasMore: after + changes.length < this.log.length
    }
  }

  /** What the cache must hold once it has applied every change up to `version`. */
  stateAt(version: number): Map<string, Delegation> {
    const state = new Map<string, Delegation>()
    for (const d of this.log.slice(0, version)) state.set(d.id, d)
    return state
  }
}

/** A log of `count` new delegations followed by `updates` later answers to some of them. */
export function changeLog(count: number, updates: number, seed = 11): Delegation[] {
  const base = generateDelegations({ count, seed })
  const r = rng(seed + 1)
  const later: Delegation[] = []
  for (let i = 0; i < updates; i++) {
    const d = base[Math.floor(r() * base.length)] as Delegation
    const at = new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000).toISOString()
    later.push({
      ...d,
      status: 'MISMATCH',
      reason: `更新 ${i}`,
      confirmedAt: at,
      confirmedVia: 'certificate',
      updatedAt: at
    })
  }
  return [...base, ...later]
}
