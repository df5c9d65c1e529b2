import type { Delegation } from '../../src/shared/delegation'

// A delegation as the platform returns it, for the decision tests' stand-in platforms: 分提單號碼
// `HB` + the id's last four characters, unless given.

/** A delegation `id` with `status` (default 尚未確認) and optionally its own 分提單號碼. */
export function delegation(id: string, status: Delegation['status'] = 'PENDING', houseBillNo?: string): Delegation {
  return {
    id,
    declarationDate: '2026-03-02',
    houseBillNo: houseBillNo ?? `HB${id.slice(-4)}`,
    masterBillNo: '',
    direction: 'IMPORT',
    carrier: 'x',
    goodsDescription: 'x',
    quantity: 1,
    declaredValue: 1,
    currency: 'TWD',
    status,
    reason: null,
    confirmedAt: null,
    confirmedVia: null,
    updatedAt: '2026-03-02T00:00:00.000Z'
  }
}
