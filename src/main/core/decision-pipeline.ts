import { randomUUID } from 'node:crypto'
import { AppError } from '../../shared/errors'
import type { CardProgress, DecisionOutcome } from '../../shared/ipc-contract'
import type { DecisionItem } from '../../shared/ipc-requests'
import type { CardOperations, DecisionFields } from '../card/card-operations'
import type { DecisionBatchResult, PrepareDecisionsResult } from '../api/api-schemas'
import { errorFromRow } from '../api/error-mapping'
import { MAX_BATCH_ROWS, type DecisionBatchItem, type PlatformClient } from '../api/platform-client'
import { submitBatch } from './decision-service'

// A batch confirmation (申報相符 / 申報不符 for many rows, one PIN) as a pipeline whose cost is close
// to the card's own signing time, with the platform's batch operations (docs/protocol.md §batch):
//   1. prepare: `chunkSize` rows per prepareDecisions request (delegation + decision challenge per
//      row), `concurrency` requests in flight;
//   2. sign: one card operation (one C_Login) signs every prepared statement. It starts when all
//      chunks are prepared: CardOperations.signDecisions takes the whole list, and preparing 200
//      rows is a few requests, small next to the signatures on a real card;
//   3. submit: `chunkSize` rows per decideDelegations request, `concurrency` in flight; every row
//      has its own idempotency key, and a lost answer is resent with the same body (submitBatch),
//      which the platform answers per row with the stored results.
// Progress is reported per stage with counts. A challenge that expired meanwhile is never
// re-signed here: the row answers CHALLENGE_EXPIRED and the user confirms it again (new PIN
// entry = consent); the PIN is not kept for that.

export interface PipelineOptions {
  /** Rows per batch request (prepare and submit). Default and maximum: MAX_BATCH_ROWS (100). */
  chunkSize?: number
  /** Batch requests in flight at once. Default 2. */
  concurrency?: number
}

/** Errors after which no other row can succeed either: the whole batch fails with them. */
const FATAL = new Set(['SESSION_EXPIRED', 'NETWORK_UNREACHABLE', 'TLS_UNTRUSTED', 'NOT_CONFIGURED'])

function failure(id: string, err: unknown): DecisionOutcome {
  const e = err instanceof AppError ? err : new AppError('INTERNAL')
  return { id, ok: false, error: e.toPayload() }
}

/**
 * Runs `task(i)` for i in [0, n) with at most `limit` running at once; resolves when all have
 * settled. A task that throws stops new tasks from starting and rejects with its error.
 */
export async function runBounded(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  let failed: unknown = null
  const lane = async (): Promise<void> => {
    while (failed === null && next < n) {
      const i = next++
      try {
        await task(i)
      } catch (err) {
        failed ??= err
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, n)) }, lane))
  if (failed !== null) throw failed
}

/** [0, n) cut into consecutive runs of at most `size`. */
export function chunks(n: number, size: number): number[][] {
  const out: number[][] = []
  for (let start = 0; start < n; start += size) out.push(Array.from({ length: Math.min(size, n - start) }, (_, k) => start + k))
  return out
}

/** The answer's rows must be the request's rows, in order (else SERVER_RESPONSE_INVALID). */
function sameRows(asked: string[], answer: PrepareDecisionsResult | DecisionBatchResult): void {
  if (answer.items.length !== asked.length || answer.items.some((r, k) => r.delegationId !== asked[k])) {
    throw new AppError('SERVER_RESPONSE_INVALID', 'batch answer rows differ from the request')
  }
}

interface Prepared {
  index: number
  item: DecisionItem
  fields: DecisionFields
  challengeId: string
}

/**
 * 申報相符 / 申報不符 for `items` with one PIN entry (API operations prepareDecisions,
 * decideDelegations; statement: docs/protocol.md). Returns one outcome per item, in order
 * (per-row codes as for a single decision: ALREADY_ANSWERED, CHALLENGE_EXPIRED, …). Throws (the
 * whole batch fails, nothing submitted) on SESSION_EXPIRED, NETWORK_UNREACHABLE, TLS_UNTRUSTED
 * while preparing, and on card errors that fail the whole operation (PIN_INCORRECT, PIN_LOCKED,
 * CARD_REMOVED, …).
 */
export async function decideBatch(
  api: PlatformClient,
  card: CardOperations,
  items: DecisionItem[],
  pin: string,
  progress: (p: CardProgress) => void,
  opts: PipelineOptions = {}
): Promise<DecisionOutcome[]> {
  const total = items.length
  const size = Math.max(1, Math.min(opts.chunkSize ?? MAX_BATCH_ROWS, MAX_BATCH_ROWS))
  const concurrency = opts.concurrency ?? 2
  const outcomes: (DecisionOutcome | undefined)[] = new Array(total)
  const prepared: Prepared[] = []

  // 1. Prepare.
  let preparedCount = 0
  progress({ operation: 'decision', stage: 'preparing', done: 0, total })
  const prepChunks = chunks(total, size)
  await runBounded(prepChunks.length, concurrency, async (c) => {
    const rows = (prepChunks[c] as number[]).map((index) => ({ index, item: items[index] as DecisionItem }))
    const ids = rows.map((r) => r.item.id)
    try {
      const answer = await api.prepareDecisions(ids)
      sameRows(ids, answer)
      answer.items.forEach((r, k) => {
        const { index, item } = rows[k] as { index: number; item: DecisionItem }
        if (!r.ok) outcomes[index] = failure(item.id, errorFromRow(r.error))
        else if (r.delegation.status !== 'PENDING') outcomes[index] = failure(item.id, new AppError('ALREADY_ANSWERED', r.delegation.status))
        else {
          const d = r.delegation
          prepared.push({
            index,
            item,
            challengeId: r.challenge.challengeId,
            fields: { origin: api.origin, nonce: r.challenge.nonce, delegationId: d.id, houseBillNo: d.houseBillNo, decision: item.decision, reason: item.reason }
          })
        }
      })
    } catch (err) {
      if (err instanceof AppError && FATAL.has(err.code)) throw err
      for (const { index, item } of rows) outcomes[index] = failure(item.id, err)
    }
    preparedCount += rows.length
    progress({ operation: 'decision', stage: 'preparing', done: preparedCount, total })
  })
  prepared.sort((a, b) => a.index - b.index) // sign in the user's order

  if (prepared.length > 0) {
    // 2. Sign: one login for all.
    progress({ operation: 'decision', stage: 'signing', done: 0, total: prepared.length })
    const signatures = await card.signDecisions(
      prepared.map((p) => p.fields),
      pin,
      (done) => progress({ operation: 'decision', stage: 'signing', done, total: prepared.length })
    )

    // 3. Submit: rows signed by one card share its certificate (grouped anyway, one per request).
    const byCertificate = new Map<string, { p: Prepared; row: DecisionBatchItem }[]>()
    prepared.forEach((p, k) => {
      const sig = signatures[k]
      if (!sig || !sig.ok) {
        outcomes[p.index] = { id: p.item.id, ok: false, error: sig?.error ?? new AppError('SIGNING_FAILED').toPayload() }
        return
      }
      const row: DecisionBatchItem = {
        delegationId: p.item.id,
        decision: p.item.decision,
        ...(p.item.decision === 'MISMATCH' ? { reason: p.item.reason } : {}),
        challengeId: p.challengeId,
        signature: sig.value.signature,
        idempotencyKey: randomUUID()
      }
      const group = byCertificate.get(sig.value.certificate) ?? []
      group.push({ p, row })
      byCertificate.set(sig.value.certificate, group)
    })
    const requests = [...byCertificate].flatMap(([certificate, group]) =>
      chunks(group.length, size).map((idx) => ({ certificate, rows: idx.map((k) => group[k] as { p: Prepared; row: DecisionBatchItem }) }))
    )
    const toSubmit = requests.reduce((n, r) => n + r.rows.length, 0)
    let submitted = 0
    progress({ operation: 'decision', stage: 'submitting', done: 0, total: toSubmit })
    await runBounded(requests.length, concurrency, async (c) => {
      const { certificate, rows } = requests[c] as (typeof requests)[number]
      try {
        const answer = await submitBatch(api, { certificate, algorithm: 'RS256', items: rows.map((r) => r.row) })
        sameRows(rows.map((r) => r.row.delegationId), answer)
        answer.items.forEach((r, k) => {
          const { p } = rows[k] as { p: Prepared }
          outcomes[p.index] = r.ok ? { id: p.item.id, ok: true, delegation: r.delegation } : failure(p.item.id, errorFromRow(r.error))
        })
      } catch (err) {
        for (const { p } of rows) outcomes[p.index] = failure(p.item.id, err)
      }
      submitted += rows.length
      progress({ operation: 'decision', stage: 'submitting', done: submitted, total: toSubmit })
    })
  }
  progress({ operation: 'decision', stage: 'done', done: total, total })
  return items.map((item, i) => outcomes[i] ?? failure(item.id, new AppError('INTERNAL')))
}
