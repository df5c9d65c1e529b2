import { AppError } from '../../shared/errors'
import type { CardProgress, DecisionOutcome } from '../../shared/ipc-contract'
import type { DecisionItem } from '../../shared/ipc-requests'
import type { CardOperations, PinEntry } from '../card'
import {
  errorFromRow,
  MAX_BATCH_ROWS,
  type DecisionBody,
  type PlatformClient,
  type PrepareDecisionsResult
} from '../api'
import { DecisionSubmitter, type PreparedDecision } from './decision-service'
import { UserAction } from './user-action'

// A batch confirmation (申報相符 / 申報不符 for many rows, one PIN) as a pipeline whose cost is close
// to the card's own signing time, with the platform's batch operations (docs/protocol.md §batch):
//   1. prepare: `chunkSize` rows per prepareDecisions request (delegation + decision challenge per
//      row), `concurrency` requests in flight;
//   2. sign: one card operation (one C_Login) signs every prepared statement. It starts when all
//      chunks are prepared: CardOperations.signDecisions takes the whole list, and preparing 200
//      rows is a few requests, small next to the signatures on a real card;
//   3. submit: `chunkSize` rows per decideDelegations request, `concurrency` in flight, through
//      DecisionSubmitter.submitBatch: every row has its own idempotency key and its signed body is
//      kept until the platform answers it; a lost answer is resent with the same body (automatically
//      within the action's deadline, or on the user's next attempt: kept rows are not re-signed),
//      and the platform answers rows it recorded as replayed successes.
// Progress is reported per stage with counts. A challenge that expired meanwhile is never
// re-signed here: the row answers CHALLENGE_EXPIRED and the user confirms it again (new PIN
// entry = consent); the PIN is not kept for that.

export interface PipelineOptions {
  /** Rows per batch request (prepare and submit). Default and maximum: MAX_BATCH_ROWS (100). */
  chunkSize?: number
  /** Batch requests in flight at once. Default 2. */
  concurrency?: number
  /** Keeps signed bodies until the platform answers (shared with single decisions). Default: a new one. */
  submitter?: DecisionSubmitter
  /** The user action: deadline and cancel for every request and the card. Default: a new one. */
  action?: UserAction
}

/** Errors after which no other row can succeed either: the whole batch fails with them. */
const FATAL = new Set([
  'SESSION_EXPIRED',
  'NETWORK_UNREACHABLE',
  'TLS_UNTRUSTED',
  'NOT_CONFIGURED',
  'OPERATION_CANCELLED',
  'ACTION_TIMEOUT'
])

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
  for (let start = 0; start < n; start += size)
    out.push(Array.from({ length: Math.min(size, n - start) }, (_, k) => start + k))
  return out
}

/** The answer's rows must be the request's rows, in order (else SERVER_RESPONSE_INVALID). */
function sameRows(asked: string[], answer: PrepareDecisionsResult): void {
  if (answer.items.length !== asked.length || answer.items.some((r, k) => r.delegationId !== asked[k])) {
    throw new AppError('SERVER_RESPONSE_INVALID', 'batch answer rows differ from the request')
  }
}

interface Prepared extends PreparedDecision {
  index: number
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
  pin: PinEntry,
  progress: (p: CardProgress) => void,
  opts: PipelineOptions = {}
): Promise<DecisionOutcome[]> {
  if (opts.action) return run(api, card, items, pin, progress, opts, opts.action)
  const action = new UserAction()
  try {
    return await run(api, card, items, pin, progress, opts, action)
  } finally {
    action.finish()
  }
}

async function run(
  api: PlatformClient,
  card: CardOperations,
  items: DecisionItem[],
  pin: PinEntry,
  progress: (p: CardProgress) => void,
  opts: PipelineOptions,
  action: UserAction
): Promise<DecisionOutcome[]> {
  const total = items.length
  const size = Math.max(1, Math.min(opts.chunkSize ?? MAX_BATCH_ROWS, MAX_BATCH_ROWS))
  const concurrency = opts.concurrency ?? 2
  const submitter = opts.submitter ?? new DecisionSubmitter()
  const deadlineAt = (): string => new Date(action.deadline).toISOString()
  const outcomes: (DecisionOutcome | undefined)[] = new Array(total)
  const prepared: Prepared[] = []
  // Rows whose signed answer is kept from an earlier attempt: resent as they are (no challenge, no PIN).
  const toSend: { index: number; id: string; body: DecisionBody }[] = []
  const fresh: { index: number; item: DecisionItem }[] = []
  items.forEach((item, index) => {
    const kept = submitter.keptFor(item)
    if (kept) toSend.push({ index, id: item.id, body: kept })
    else fresh.push({ index, item })
  })

  // 1. Prepare.
  let preparedCount = toSend.length
  progress({ operation: 'decision', stage: 'preparing', done: preparedCount, total, deadlineAt: deadlineAt() })
  const prepChunks = chunks(fresh.length, size)
  await runBounded(prepChunks.length, concurrency, async (c) => {
    const rows = (prepChunks[c] as number[]).map((k) => fresh[k] as { index: number; item: DecisionItem })
    const ids = rows.map((r) => r.item.id)
    try {
      const answer = await api.prepareDecisions(ids, action.limits())
      sameRows(ids, answer)
      answer.items.forEach((r, k) => {
        const { index, item } = rows[k] as { index: number; item: DecisionItem }
        if (!r.ok) outcomes[index] = failure(item.id, errorFromRow(r.error))
        // The row the user answered, as the platform has it now (same 分提單號碼), still 尚未確認.
        else if (r.delegation.houseBillNo !== item.houseBillNo)
          outcomes[index] = failure(item.id, new AppError('DELEGATION_CHANGED', 'houseBillNo'))
        else if (r.delegation.status !== 'PENDING')
          outcomes[index] = failure(item.id, new AppError('ALREADY_ANSWERED', r.delegation.status))
        else {
          const d = r.delegation
          prepared.push({
            index,
            item,
            challengeId: r.challenge.challengeId,
            fields: {
              origin: api.origin,
              nonce: r.challenge.nonce,
              delegationId: d.id,
              houseBillNo: d.houseBillNo,
              decision: item.decision,
              reason: item.reason
            }
          })
        }
      })
    } catch (err) {
      if (err instanceof AppError && FATAL.has(err.code)) throw err
      for (const { index, item } of rows) outcomes[index] = failure(item.id, err)
    }
    preparedCount += rows.length
    progress({ operation: 'decision', stage: 'preparing', done: preparedCount, total, deadlineAt: deadlineAt() })
  })
  prepared.sort((a, b) => a.index - b.index) // sign in the user's order

  if (prepared.length > 0) {
    // 2. Sign: one login for all.
    action.throwIfStopped()
    progress({ operation: 'decision', stage: 'signing', done: 0, total: prepared.length, deadlineAt: deadlineAt() })
    const started = Date.now()
    const signatures = await card.signDecisions(
      prepared.map((p) => p.fields),
      pin,
      (done) =>
        progress({ operation: 'decision', stage: 'signing', done, total: prepared.length, deadlineAt: deadlineAt() })
    )
    action.extend(Date.now() - started) // the time at the card (PIN pad) is not the platform's
    prepared.forEach((p, k) => {
      const sig = signatures[k]
      if (!sig || !sig.ok)
        outcomes[p.index] = {
          id: p.item.id,
          ok: false,
          error: sig?.error ?? new AppError('SIGNING_FAILED').toPayload()
        }
      else toSend.push({ index: p.index, id: p.item.id, body: submitter.bodyFor(p, sig.value) })
    })
  }

  // 3. Submit: one certificate per request (rows signed by one card share it; kept rows may not).
  toSend.sort((a, b) => a.index - b.index)
  const byCertificate = new Map<string, typeof toSend>()
  for (const r of toSend) byCertificate.set(r.body.certificate, [...(byCertificate.get(r.body.certificate) ?? []), r])
  const requests = [...byCertificate.values()].flatMap((group) =>
    chunks(group.length, size).map((idx) => idx.map((k) => group[k] as (typeof toSend)[number]))
  )
  let submitted = 0
  if (toSend.length > 0)
    progress({ operation: 'decision', stage: 'submitting', done: 0, total: toSend.length, deadlineAt: deadlineAt() })
  await runBounded(requests.length, concurrency, async (c) => {
    const rows = requests[c] as typeof toSend
    const results = await submitter.submitBatch(api, rows, action, (attempt) =>
      progress({
        operation: 'decision',
        stage: 'submitting',
        done: submitted,
        total: toSend.length,
        attempt,
        deadlineAt: deadlineAt()
      })
    )
    results.forEach((r, k) => {
      const { index, id } = rows[k] as (typeof toSend)[number]
      outcomes[index] = r instanceof AppError ? failure(id, r) : { id, ok: true, delegation: r }
    })
    submitted += rows.length
    progress({
      operation: 'decision',
      stage: 'submitting',
      done: submitted,
      total: toSend.length,
      deadlineAt: deadlineAt()
    })
  })
  progress({ operation: 'decision', stage: 'done', done: total, total })
  return items.map((item, i) => outcomes[i] ?? failure(item.id, new AppError('INTERNAL')))
}
