import type { Delegation } from '../../shared/delegation'

// Delegation ↔ table row. Column names follow server-mock's table so the same SQL reads the same.

export interface DelegationRow {
  id: string
  declaration_date: string
  house_bill_no: string
  master_bill_no: string
  direction: Delegation['direction']
  carrier: string
  goods_description: string
  quantity: number
  declared_value: number
  currency: string
  status: Delegation['status']
  reason: string | null
  confirmed_at: string | null
  confirmed_via: Delegation['confirmedVia']
  updated_at: string
}

export const COLUMNS = [
  'id',
  'declaration_date',
  'house_bill_no',
  'master_bill_no',
  'direction',
  'carrier',
  'goods_description',
  'quantity',
  'declared_value',
  'currency',
  'status',
  'reason',
  'confirmed_at',
  'confirmed_via',
  'updated_at'
] as const satisfies readonly (keyof DelegationRow)[]

export function toRow(d: Delegation): DelegationRow {
  return {
    id: d.id,
    declaration_date: d.declarationDate,
    house_bill_no: d.houseBillNo,
    master_bill_no: d.masterBillNo,
    direction: d.direction,
    carrier: d.carrier,
    goods_description: d.goodsDescription,
    quantity: d.quantity,
    declared_value: d.declaredValue,
    currency: d.currency,
    status: d.status,
    reason: d.reason,
    confirmed_at: d.confirmedAt,
    confirmed_via: d.confirmedVia,
    updated_at: d.updatedAt
  }
}

export function fromRow(r: DelegationRow): Delegation {
  return {
    id: r.id,
    declarationDate: r.declaration_date,
    houseBillNo: r.house_bill_no,
    masterBillNo: r.master_bill_no,
    direction: r.direction,
    carrier: r.carrier,
    goodsDescription: r.goods_description,
    quantity: r.quantity,
    declaredValue: r.declared_value,
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    confirmedAt: r.confirmed_at,
    confirmedVia: r.confirmed_via,
    updatedAt: r.updated_at
  }
}

/**
 * Insert, or replace the stored copy unless it is newer: every copy comes from the server, and an
 * answer fetched before a decision must not overwrite the decision that an online reply already
 * stored (the next sync brings the row again anyway).
 */
export const UPSERT_SQL = `INSERT INTO delegations (${COLUMNS.join(', ')})
  VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})
  ON CONFLICT (id) DO UPDATE SET ${COLUMNS.filter((c) => c !== 'id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}
  WHERE julianday(excluded.updated_at) >= julianday(delegations.updated_at)`
