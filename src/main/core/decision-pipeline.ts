import { randomUUID } from 'node:crypto'
import { AppError } from '../../shared/errors'
import type { CardProgress, DecisionOutcome } from '../../shared/ipc-contract'
import type { DecisionItem } from '../../shared/ipc-requests'
import type { CardOperations, DecisionFields, PinEntry } from '../card'
import type { DecisionBody, PlatformClient } from '../api'
import { submit } from './decision-service'

// A batch confirmation (申報相符 / 申報不符 for many rows, one PIN) as a pipeline, so that it costs
// little more than the card's own signing time instead of 3 sequential HTTPS round trips per row:
//   1. prepare: per row read the delegation + get a decision challenge, `prepareConcurrency`
//      rows at a time (read and challenge of one row stay in order: the challenge is bound to it);
//   2. sign: one card operation (one C_Login) signs every prepared statement;
//   3. submit: `submitConcurrency` rows at a time, through decision-service's `submit` (one
//      idempotency key per row; a lost answer is resent with the same body and key).
// Progress is reported per stage with counts. A challenge that expired meanwhile is never
// re-signed here: the row answers CHALLENGE_EXPIRED and the user confirms it again (new PIN
// entry = consent); the PIN is not kept for that.

export interface PipelineOptions {
  /** Rows prepared at once (HTTPS requests in flight: 1 per row). Default 8. */
  prepareConcurrency?: number
  /** Rows submitted at once. Default 8. */
  submitConcurrency?: number
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

interface Prepared {
  index: number
  item: DecisionItem
  fields: DecisionFields
  challengeId: string
}

/**
 * 申報相符 / 申報不符 for `items` with one PIN entry (API operations getDelegation,
 * createChallenge(decision), decideDelegation; statement: docs/protocol.md). Returns one outcome
 * per item, in order. Throws (the whole batch fails) on SESSION_EXPIRED, NETWORK_UNREACHABLE,
 * TLS_UNTRUSTED while preparing, and on card errors that fail the whole operation (PIN_INCORRECT,
 * PIN_LOCKED, CARD_REMOVED, …) — nothing has been submitted then.
 */
export async function decideBatch(
  api: PlatformClient,
  card: CardOperations,
  items: DecisionItem[],
  pin: PinEntry,
  progress: (p: CardProgress) => void,
  opts: PipelineOptions = {}
): Promise<DecisionOutcome[]> {
  const total = items.length
  const outcomes: (DecisionOutcome | undefined)[] = new Array(total)
  const prepared: Prepared[] = []

  // 1. Prepare.
  let preparedCount = 0
  progress({ operation: 'decision', stage: 'preparing', done: 0, total })
  await runBounded(total, opts.prepareConcurrency ?? 8, async (index) => {
    const item = items[index] as DecisionItem
    try {
      const d = await api.getDelegation(item.id)
      if (d.status !== 'PENDING') throw new AppError('ALREADY_ANSWERED', d.status)
      const ch = await api.challenge('decision', { delegationId: item.id })
      prepared.push({
        index,
        item,
        challengeId: ch.challengeId,
        fields: { origin: api.origin, nonce: ch.nonce, delegationId: d.id, houseBillNo: d.houseBillNo, decision: item.decision, reason: item.reason }
      })
    } catch (err) {
      if (err instanceof AppError && FATAL.has(err.code)) throw err
      outcomes[index] = failure(item.id, err)
    }
    progress({ operation: 'decision', stage: 'preparing', done: ++preparedCount, total })
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

    // 3. Submit.
    let submitted = 0
    progress({ operation: 'decision', stage: 'submitting', done: 0, total: prepared.length })
    await runBounded(prepared.length, opts.submitConcurrency ?? 8, async (k) => {
      const p = prepared[k] as Prepared
      const sig = signatures[k]
      if (!sig || !sig.ok) {
        outcomes[p.index] = { id: p.item.id, ok: false, error: sig?.error ?? new AppError('SIGNING_FAILED').toPayload() }
      } else {
        const body: DecisionBody = {
          decision: p.item.decision,
          challengeId: p.challengeId,
          ...sig.value,
          idempotencyKey: randomUUID(),
          ...(p.item.decision === 'MISMATCH' ? { reason: p.item.reason } : {})
        }
        try {
          outcomes[p.index] = { id: p.item.id, ok: true, delegation: await submit(api, p.item.id, body) }
        } catch (err) {
          outcomes[p.index] = failure(p.item.id, err)
        }
      }
      progress({ operation: 'decision', stage: 'submitting', done: ++submitted, total: prepared.length })
    })
  }
  progress({ operation: 'decision', stage: 'done', done: total, total })
  return items.map((item, i) => outcomes[i] ?? failure(item.id, new AppError('INTERNAL')))
}
