import { randomUUID } from 'node:crypto'
import type { Delegation } from '../../shared/delegation'
import { AppError } from '../../shared/errors'
import type { CardProgress, DecisionOutcome } from '../../shared/ipc-contract'
import type { DecisionItem } from '../../shared/ipc-requests'
import type { CardOperations, DecisionFields } from '../card/card-operations'
import type { DecisionBatchResult } from '../api/api-schemas'
import type { DecisionBatchBody, DecisionBody, PlatformClient } from '../api/platform-client'

// 申報相符 / 申報不符 for one or many delegations with one PIN entry:
//   1. per row: read the delegation (house bill number exactly as the API has it) + a decision challenge;
//   2. one card operation signs every prepared statement (a wrong PIN fails the whole batch, untried);
//   3. per row: submit with an idempotency key; a lost response is re-sent with the same body
//      (the server replays its stored answer), never re-signed and never with the PIN again.

function failure(id: string, err: unknown): DecisionOutcome {
  const e = err instanceof AppError ? err : new AppError('INTERNAL')
  return { id, ok: false, error: e.toPayload() }
}

export async function decideMany(
  api: PlatformClient,
  card: CardOperations,
  items: DecisionItem[],
  pin: string,
  progress: (p: CardProgress) => void
): Promise<DecisionOutcome[]> {
  const total = items.length
  const outcomes = new Map<string, DecisionOutcome>()
  const prepared: { item: DecisionItem; fields: DecisionFields; challengeId: string }[] = []

  progress({ operation: 'decision', stage: 'preparing', done: 0, total })
  for (const item of items) {
    try {
      const d = await api.getDelegation(item.id)
      if (d.status !== 'PENDING') throw new AppError('ALREADY_ANSWERED', d.status)
      const ch = await api.challenge('decision', { delegationId: item.id })
      prepared.push({
        item,
        challengeId: ch.challengeId,
        fields: { origin: api.origin, nonce: ch.nonce, delegationId: d.id, houseBillNo: d.houseBillNo, decision: item.decision, reason: item.reason }
      })
    } catch (err) {
      if (err instanceof AppError && (err.code === 'SESSION_EXPIRED' || err.code === 'NETWORK_UNREACHABLE' || err.code === 'TLS_UNTRUSTED')) throw err
      outcomes.set(item.id, failure(item.id, err))
    }
  }

  if (prepared.length > 0) {
    progress({ operation: 'decision', stage: 'signing', done: 0, total: prepared.length })
    const signatures = await card.signDecisions(
      prepared.map((p) => p.fields),
      pin,
      (done) => progress({ operation: 'decision', stage: 'signing', done, total: prepared.length })
    )
    let submitted = 0
    for (const [i, p] of prepared.entries()) {
      const sig = signatures[i]
      if (!sig || !sig.ok) {
        outcomes.set(p.item.id, { id: p.item.id, ok: false, error: sig?.error ?? new AppError('SIGNING_FAILED').toPayload() })
        continue
      }
      const body: DecisionBody = {
        decision: p.item.decision,
        challengeId: p.challengeId,
        ...sig.value,
        idempotencyKey: randomUUID(),
        ...(p.item.decision === 'MISMATCH' ? { reason: p.item.reason } : {})
      }
      try {
        outcomes.set(p.item.id, { id: p.item.id, ok: true, delegation: await submit(api, p.item.id, body) })
      } catch (err) {
        outcomes.set(p.item.id, failure(p.item.id, err))
      }
      progress({ operation: 'decision', stage: 'submitting', done: ++submitted, total: prepared.length })
    }
  }
  progress({ operation: 'decision', stage: 'done', done: total, total })
  return items.map((item) => outcomes.get(item.id) ?? failure(item.id, new AppError('INTERNAL')))
}

/**
 * The one place a signed decision is sent (API operation decideDelegation), used by single
 * decisions and by the batch pipeline (decision-pipeline.ts). Errors: the mapped AppError.
 */
export async function submit(api: PlatformClient, id: string, body: DecisionBody): Promise<Delegation> {
  try {
    return (await api.decide(id, body)).delegation
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'NETWORK_UNREACHABLE') throw err
    // Same body, same idempotency key: safe to repeat; the signature is not redone.
    return (await api.decide(id, body)).delegation
  }
}

/**
 * The batch form of `submit` (API operation decideDelegations, POST /decisions): sends rows signed
 * by one card; the answer has one result per row, in order. A lost answer (NETWORK_UNREACHABLE) is
 * re-sent once with the same body: each row keeps its idempotency key, so rows the platform had
 * already recorded come back as `replayed` successes, never as "already answered", and nothing is
 * signed again. Errors: the mapped AppError of the whole request (SESSION_EXPIRED, network, …).
 */
export async function submitBatch(api: PlatformClient, body: DecisionBatchBody): Promise<DecisionBatchResult> {
  try {
    return await api.decideDelegations(body)
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'NETWORK_UNREACHABLE') throw err
    return await api.decideDelegations(body)
  }
}
