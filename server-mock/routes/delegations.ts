// 海關實名委任確認: query, detail, signed decision (申報相符/申報不符), 委任確認紀錄, sync.
import type { FastifyInstance } from 'fastify'
import type { Ctx } from '../context'
import { CONFIRMATION_INSERT, nextVersion, type DelegationRow } from '../db'
import { ApiError } from '../errors'
import { sha256Hex } from '../ids'
import { buildDecisionStatement, type Decision } from '../protocol'
import { requireSession } from '../sessions'
import { audited, checkNationalIdDigits, verifySigned, type SignedInput, type SignedResult } from '../signed'
import { confirmationView, delegationView, type ConfirmationJoinRow } from '../views'
import { route } from './route'

const SORT_COLUMNS: Record<string, string> = {
  declarationDate: 'declaration_date',
  houseBillNo: 'house_bill_no',
  status: 'status',
  declaredValue: 'declared_value',
  updatedAt: 'updated_at',
  confirmedAt: 'confirmed_at'
}

interface ListQuery {
  direction?: 'IMPORT' | 'EXPORT'
  dateFrom?: string
  dateTo?: string
  houseBillNo?: string
  status?: string
  page?: number
  pageSize?: number
  sort?: string
}

interface DecisionBody extends SignedInput {
  decision: Decision
  reason?: string
  idempotencyKey: string
}

type Params = { delegationId: string }

function dateRange(from?: string, to?: string): void {
  if (from && to && from > to)
    throw new ApiError('VALIDATION_FAILED', 'dateFrom must not be after dateTo', [
      { path: '/query/dateFrom', message: 'must not be after dateTo' }
    ])
}

export function loadDelegation(ctx: Ctx, id: string, nationalId: string): DelegationRow {
  const d = ctx.db.prepare(`SELECT * FROM delegations WHERE id = ? AND national_id = ?`).get(id, nationalId) as
    DelegationRow | undefined
  if (!d) throw new ApiError('DELEGATION_NOT_FOUND', 'no such delegation for this account')
  return d
}

const CONFIRMATION_SELECT = `SELECT c.*, d.house_bill_no, d.direction, d.declaration_date FROM confirmations c JOIN delegations d ON d.id = c.delegation_id`

function encodeCursor(version: number): string {
  return Buffer.from(`v${version}`).toString('base64url')
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0
  const m = /^v([0-9]{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'))
  if (!m || encodeCursor(Number(m[1])) !== cursor)
    throw new ApiError('INVALID_CURSOR', 'cursor is not one this server issued')
  return Number(m[1])
}

/** Reason as stored and signed: NFC; required 1–200 characters for MISMATCH, empty for MATCH. */
export function normalizeReason(decision: Decision, reason: string | undefined): string | null {
  const r = (reason ?? '').normalize('NFC')
  if (decision === 'MATCH') {
    if (r !== '') throw new ApiError('REASON_NOT_ALLOWED', 'reason must be empty for MATCH (申報相符)')
    return null
  }
  if (r.trim() === '') throw new ApiError('REASON_REQUIRED', 'a reason is required for MISMATCH (申報不符)')
  if ([...r].length > 200)
    throw new ApiError('VALIDATION_FAILED', 'reason must have at most 200 characters', [
      { path: '/body/reason', message: 'must have at most 200 characters' }
    ])
  return r
}

/** What an idempotency key is bound to: the delegation, the decision and the NFC 原因. */
/**
 * The statement a decision on `d` must have signed, for a challenge's nonce (docs/protocol.md §4),
 * built from the platform's own data: one builder for the single and the batch operation.
 */
export function decisionStatementFor(
  ctx: Ctx,
  d: DelegationRow,
  decision: Decision,
  reason: string | null
): (nonce: string) => Buffer {
  return (nonce) =>
    buildDecisionStatement({
      origin: ctx.origin,
      nonce,
      delegationId: d.id,
      houseBillNo: d.house_bill_no,
      decision,
      reason
    })
}

export function decisionRequestHash(delegationId: string, decision: Decision, reason: string | undefined): string {
  return sha256Hex(JSON.stringify([delegationId, decision, (reason ?? '').normalize('NFC')]))
}

/**
 * The stored answer for (account, idempotencyKey), or null when the key is new; throws 422
 * IDEMPOTENCY_KEY_REUSED when the key was used for another delegation, decision or 原因.
 */
export function storedDecision(
  ctx: Ctx,
  accountId: number,
  key: string,
  requestHash: string
): { status: number; response: unknown } | null {
  const stored = ctx.db
    .prepare(`SELECT request_hash, status, response FROM idempotency WHERE account_id = ? AND key = ?`)
    .get(accountId, key) as { request_hash: string; status: number; response: string } | undefined
  if (!stored) return null
  if (stored.request_hash !== requestHash)
    throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'idempotencyKey was already used for a different request')
  return { status: stored.status, response: JSON.parse(stored.response) as unknown }
}

/**
 * Records a verified decision in one transaction: the delegation's new status, the 委任確認紀錄 and
 * the idempotency row (its stored answer). Throws 409 DELEGATION_ALREADY_ANSWERED if it is no
 * longer PENDING. Returns the DecisionResult body.
 */
export function commitDecision(
  ctx: Ctx,
  account: { id: number; national_id: string },
  d: DelegationRow,
  decision: Decision,
  reason: string | null,
  signed: SignedResult,
  idempotencyKey: string,
  requestHash: string
): { delegation: unknown; confirmation: unknown } {
  return ctx.db.transaction(() => {
    const now = ctx.nowIso()
    const upd = ctx.db
      .prepare(
        `UPDATE delegations SET status = ?, reason = ?, confirmed_at = ?, confirmed_via = 'certificate', updated_at = ?, version = ? WHERE id = ? AND status = 'PENDING'`
      )
      .run(decision, reason, now, now, nextVersion(ctx.db), d.id)
    if (upd.changes !== 1) throw new ApiError('DELEGATION_ALREADY_ANSWERED', 'delegation was already answered')
    const info = ctx.db.prepare(CONFIRMATION_INSERT).run({
      delegation_id: d.id,
      national_id: account.national_id,
      account_id: account.id,
      decision,
      reason,
      confirmed_at: now,
      confirmed_via: 'certificate',
      cert_serial: signed.cert.cert.serialHex,
      card_serial: signed.cert.cardSerial,
      cert_fingerprint: signed.cert.cert.fingerprint256,
      challenge_id: signed.challengeId,
      statement: signed.signedData,
      signature: signed.signature
    })
    const response = {
      delegation: delegationView(ctx.db.prepare(`SELECT * FROM delegations WHERE id = ?`).get(d.id) as DelegationRow),
      confirmation: confirmationView(
        ctx.db.prepare(`${CONFIRMATION_SELECT} WHERE c.id = ?`).get(info.lastInsertRowid) as ConfirmationJoinRow
      )
    }
    ctx.db
      .prepare(
        `INSERT INTO idempotency (account_id, key, request_hash, status, response, created_at) VALUES (?, ?, ?, 200, ?, ?)`
      )
      .run(account.id, idempotencyKey, requestHash, JSON.stringify(response), now)
    return response
  })()
}

export function delegationRoutes(app: FastifyInstance, ctx: Ctx): void {
  route<unknown, ListQuery>(app, ctx, 'listDelegations', ({ query, request }) => {
    const { account } = requireSession(ctx, request)
    dateRange(query.dateFrom, query.dateTo)
    const where = ['national_id = @nid']
    const args: Record<string, unknown> = { nid: account.national_id }
    if (query.direction) {
      where.push('direction = @direction')
      args.direction = query.direction
    }
    if (query.dateFrom) {
      where.push('declaration_date >= @dateFrom')
      args.dateFrom = query.dateFrom
    }
    if (query.dateTo) {
      where.push('declaration_date <= @dateTo')
      args.dateTo = query.dateTo
    }
    // House bill numbers are stored upper-case, so the exact match is case-insensitive and indexed.
    if (query.houseBillNo) {
      where.push('house_bill_no = @hb')
      args.hb = query.houseBillNo.trim().toUpperCase()
    }
    if (query.status) {
      where.push('status = @status')
      args.status = query.status
    }
    const [field, dir] = (query.sort ?? 'declarationDate:desc').split(':') as [string, 'asc' | 'desc']
    const order = `${SORT_COLUMNS[field] ?? 'declaration_date'} ${dir === 'asc' ? 'ASC' : 'DESC'}, id ${dir === 'asc' ? 'ASC' : 'DESC'}`
    const page = query.page ?? 1
    const pageSize = query.pageSize ?? 50
    const total = (
      ctx.db.prepare(`SELECT COUNT(*) AS n FROM delegations WHERE ${where.join(' AND ')}`).get(args) as { n: number }
    ).n
    const rows = ctx.db
      .prepare(`SELECT * FROM delegations WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @limit OFFSET @offset`)
      .all({ ...args, limit: pageSize, offset: (page - 1) * pageSize }) as DelegationRow[]
    return { status: 200, body: { items: rows.map(delegationView), page, pageSize, total } }
  })

  route<unknown, Record<string, unknown>, Params>(app, ctx, 'getDelegation', ({ params, request }) => {
    const { account } = requireSession(ctx, request)
    return { status: 200, body: delegationView(loadDelegation(ctx, params.delegationId, account.national_id)) }
  })

  route<DecisionBody, Record<string, unknown>, Params>(app, ctx, 'decideDelegation', ({ body, params, request }) => {
    const s = requireSession(ctx, request)
    const requestHash = decisionRequestHash(params.delegationId, body.decision, body.reason)
    const stored = storedDecision(ctx, s.account.id, body.idempotencyKey, requestHash)
    if (stored) return { status: stored.status, body: stored.response, headers: { 'idempotent-replayed': 'true' } }
    const d = loadDelegation(ctx, params.delegationId, s.account.national_id)
    if (s.account.cert_enabled !== 1)
      throw new ApiError(
        'CERTIFICATE_NOT_ENABLED',
        'this account has not enabled citizen-certificate confirmation (use EZWay or enable it in the profile)'
      )
    if (d.status !== 'PENDING')
      throw new ApiError('DELEGATION_ALREADY_ANSWERED', `delegation was already answered (${d.status})`)
    const reason = normalizeReason(body.decision, body.reason)
    const audit = {
      action: 'delegation.decision',
      accountId: s.account.id,
      delegationId: d.id,
      decision: body.decision,
      ip: request.ip,
      rateKey: `sig:session:${s.session.id}`
    }
    const result = audited(ctx, audit, (a) => {
      const signed = verifySigned(
        ctx,
        body,
        'decision',
        { sessionId: s.session.id, delegationId: d.id },
        decisionStatementFor(ctx, d, body.decision, reason),
        a
      )
      checkNationalIdDigits(signed.cert, s.account.national_id)
      if (signed.cert.cardSerial !== s.account.cert_card_serial)
        throw new ApiError('CERTIFICATE_NOT_BOUND', 'this card is not the one bound to the account')
      return commitDecision(ctx, s.account, d, body.decision, reason, signed, body.idempotencyKey, requestHash)
    })
    return { status: 200, body: result }
  })

  route<unknown, { dateFrom?: string; dateTo?: string; decision?: string; page?: number; pageSize?: number }>(
    app,
    ctx,
    'listConfirmations',
    ({ query, request }) => {
      const { account } = requireSession(ctx, request)
      dateRange(query.dateFrom, query.dateTo)
      const where = ['c.national_id = @nid']
      const args: Record<string, unknown> = { nid: account.national_id }
      // confirmed_at is UTC; date filters are calendar days in Taiwan time (UTC+8).
      if (query.dateFrom) {
        where.push('c.confirmed_at >= @from')
        args.from = new Date(Date.parse(`${query.dateFrom}T00:00:00+08:00`)).toISOString()
      }
      if (query.dateTo) {
        where.push('c.confirmed_at < @to')
        args.to = new Date(Date.parse(`${query.dateTo}T00:00:00+08:00`) + 86_400_000).toISOString()
      }
      if (query.decision) {
        where.push('c.decision = @decision')
        args.decision = query.decision
      }
      const page = query.page ?? 1
      const pageSize = query.pageSize ?? 50
      const total = (
        ctx.db.prepare(`SELECT COUNT(*) AS n FROM confirmations c WHERE ${where.join(' AND ')}`).get(args) as {
          n: number
        }
      ).n
      const rows = ctx.db
        .prepare(
          `${CONFIRMATION_SELECT} WHERE ${where.join(' AND ')} ORDER BY c.confirmed_at DESC, c.id DESC LIMIT @limit OFFSET @offset`
        )
        .all({ ...args, limit: pageSize, offset: (page - 1) * pageSize }) as ConfirmationJoinRow[]
      return { status: 200, body: { items: rows.map(confirmationView), page, pageSize, total } }
    }
  )

  route<unknown, { cursor?: string; limit?: number }>(app, ctx, 'syncDelegations', ({ query, request }) => {
    const { account } = requireSession(ctx, request)
    const after = decodeCursor(query.cursor)
    const limit = query.limit ?? 500
    const rows = ctx.db
      .prepare(`SELECT * FROM delegations WHERE national_id = ? AND version > ? ORDER BY version LIMIT ?`)
      .all(account.national_id, after, limit + 1) as DelegationRow[]
    const hasMore = rows.length > limit
    const changes = rows.slice(0, limit)
    const last = changes[changes.length - 1]
    return {
      status: 200,
      body: { changes: changes.map(delegationView), nextCursor: encodeCursor(last ? last.version : after), hasMore }
    }
  })
}
