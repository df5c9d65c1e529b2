import { randomUUID } from 'node:crypto'
import type { Delegation } from '../../shared/delegation'
import { AppError, type ErrorCode } from '../../shared/errors'
import { hasUnpairedSurrogate } from '../../shared/text'
import type { CardProgress, DecisionOutcome } from '../../shared/ipc-contract'
import type { DecisionItem } from '../../shared/ipc-requests'
import type { CardOperations, CardSignature, DecisionFields, PerItemResult, PinEntry } from '../card'
import { errorFromRow, type DecisionBatchBody, type DecisionBody, type PlatformClient } from '../api'
import { type UserAction } from './user-action'

// 申報相符 / 申報不符 for one or many delegations with one PIN entry:
//   1. per row: read the delegation, check it is the row the user answered (id + 分提單號碼), get a
//      decision challenge;
//   2. one card operation signs every prepared statement (a wrong PIN fails the whole batch, untried);
//   3. per row: submit through DecisionSubmitter, which keeps the signed body (signature, challenge,
//      idempotency key) until the platform gives a definite answer. Any retry — automatic within the
//      action's deadline, or the user's next attempt — resends that same body, so a decision the
//      platform recorded but whose answer was lost comes back as the stored success (the platform
//      replays it for the same key), never as "already answered", and is never signed twice.

/** What an item needs before it can be signed (see DecisionSubmitter.prepare). */
export interface PreparedDecision {
  item: DecisionItem
  challengeId: string
  fields: DecisionFields
}

export interface DecisionSubmitterOptions {
  /** Automatic attempts per submission within the action's deadline (default 3). */
  maxAttempts?: number
  /** Pause before the 2nd, 3rd … attempt, milliseconds (default 400, doubled each time). */
  backoffMs?: number
}

interface KeptDecision {
  body: DecisionBody
  houseBillNo: string
}

/** Platform errors after which it is unknown whether the decision was recorded. */
function outcomeUnknown(e: AppError): boolean {
  if (e.code === 'NETWORK_UNREACHABLE' || e.code === 'SERVER_RESPONSE_INVALID') return true
  // 5xx / a proxy's error page; not the server's own definite refusals that map to SERVER_ERROR.
  return e.code === 'SERVER_ERROR' && !DEFINITE_SERVER_ERRORS.has(e.detail ?? '')
}
const DEFINITE_SERVER_ERRORS = new Set([
  'CHALLENGE_EXPIRED',
  'CHALLENGE_ALREADY_USED',
  'CHALLENGE_NOT_FOUND',
  'CERTIFICATE_REVOCATION_UNKNOWN'
])
/** Not an answer about the decision itself: the body stays kept for the next attempt. */
const KEEP_BODY: ReadonlySet<ErrorCode> = new Set([
  'RATE_LIMITED',
  'SESSION_EXPIRED',
  'TLS_UNTRUSTED',
  'OPERATION_CANCELLED',
  'ACTION_TIMEOUT'
])
/** Failures of one row that stop a whole batch (nothing else could succeed either). */
const BATCH_FATAL: ReadonlySet<ErrorCode> = new Set([
  'SESSION_EXPIRED',
  'NETWORK_UNREACHABLE',
  'TLS_UNTRUSTED',
  'OPERATION_CANCELLED',
  'ACTION_TIMEOUT'
])

/**
 * The one place where decisions are submitted (single answers, batches, the web host's pipeline).
 * Holds the signed body of every decision the platform has not definitely answered, in memory,
 * keyed by delegation id, for the life of the process.
 */
export class DecisionSubmitter {
  private readonly kept = new Map<string, KeptDecision>()
  private readonly maxAttempts: number
  private readonly backoffMs: number

  constructor(opts: DecisionSubmitterOptions = {}) {
    this.maxAttempts = opts.maxAttempts ?? 3
    this.backoffMs = opts.backoffMs ?? 400
  }

  /** Number of kept (sent or signed but not definitely answered) decisions. */
  get keptCount(): number {
    return this.kept.size
  }

  /** The kept body for this very answer (same row, decision and 原因), or undefined. */
  keptFor(item: DecisionItem): DecisionBody | undefined {
    const k = this.kept.get(item.id)
    if (!k || k.houseBillNo !== item.houseBillNo || k.body.decision !== item.decision) return undefined
    if ((k.body.reason ?? '').normalize('NFC') !== (item.decision === 'MISMATCH' ? item.reason.normalize('NFC') : ''))
      return undefined
    return k.body
  }

  /**
   * Reads the delegation and gets a decision challenge. Refuses (nothing is signed) when 原因 has an
   * unpaired surrogate (TEXT_MALFORMED), when the platform's delegation is not the row the user
   * answered (DELEGATION_CHANGED: other id or 分提單號碼), or is no longer 尚未確認 (ALREADY_ANSWERED).
   * API operations getDelegation + createChallenge.
   */
  async prepare(api: PlatformClient, item: DecisionItem, action: UserAction): Promise<PreparedDecision> {
    if (hasUnpairedSurrogate(item.reason) || hasUnpairedSurrogate(item.houseBillNo))
      throw new AppError('TEXT_MALFORMED', 'reason')
    const d = await api.getDelegation(item.id, action.limits())
    if (d.id !== item.id || d.houseBillNo !== item.houseBillNo) {
      throw new AppError('DELEGATION_CHANGED', d.id !== item.id ? 'id' : 'houseBillNo')
    }
    if (d.status !== 'PENDING') throw new AppError('ALREADY_ANSWERED', d.status)
    const ch = await api.challenge('decision', { delegationId: item.id }, action.limits())
    return {
      item,
      challengeId: ch.challengeId,
      fields: {
        origin: api.origin,
        nonce: ch.nonce,
        delegationId: d.id,
        houseBillNo: d.houseBillNo,
        decision: item.decision,
        reason: item.reason
      }
    }
  }

  /** The request body for a signed statement, with a new idempotency key; kept from here on. */
  bodyFor(p: PreparedDecision, sig: CardSignature): DecisionBody {
    const body: DecisionBody = {
      decision: p.item.decision,
      challengeId: p.challengeId,
      certificate: sig.certificate,
      signature: sig.signature,
      algorithm: sig.algorithm,
      idempotencyKey: randomUUID(),
      ...(p.item.decision === 'MISMATCH' ? { reason: p.item.reason } : {})
    }
    this.kept.set(p.item.id, { body, houseBillNo: p.fields.houseBillNo })
    return body
  }

  /**
   * Sends a kept body (POST /delegations/{id}/decision) until the platform answers: unknown outcomes
   * (no answer, timeout, 5xx, garbled answer) are retried with the same body while the action's
   * deadline allows, then reported as DECISION_UNCONFIRMED with the body still kept. A definite
   * answer (success or refusal) drops it. `onAttempt(n)` is called before each attempt.
   */
  async submit(
    api: PlatformClient,
    id: string,
    body: DecisionBody,
    action: UserAction,
    onAttempt?: (attempt: number) => void
  ): Promise<Delegation> {
    let sent = false
    for (let attempt = 1; ; attempt++) {
      try {
        action.throwIfStopped()
        onAttempt?.(attempt)
        sent = true
        const result = await api.decide(id, body, action.limits())
        this.kept.delete(id)
        return result.delegation
      } catch (err) {
        const e = err instanceof AppError ? err : new AppError('INTERNAL', 'decision submit', { cause: err })
        if (e.code === 'OPERATION_CANCELLED' || e.code === 'ACTION_TIMEOUT') {
          // Stopped while a request may have been in flight: the platform may have recorded it.
          if (sent) throw new AppError('DECISION_UNCONFIRMED', e.code, { cause: e })
          throw e
        }
        if (outcomeUnknown(e) || e.code === 'INTERNAL') {
          if (attempt < this.maxAttempts && action.remainingMs() > 1_000) {
            await action.pause(this.backoffMs * 2 ** (attempt - 1))
            if (!action.stopped) continue
          }
          throw new AppError('DECISION_UNCONFIRMED', e.code, { cause: e })
        }
        if (KEEP_BODY.has(e.code)) throw e
        if (e.code === 'ALREADY_ANSWERED' && attempt > 1) {
          // Our own earlier attempt may be what answered it (a platform that forgot the key).
          const recorded = await this.recordedAsSent(api, id, body, action)
          if (recorded) return recorded
        }
        this.kept.delete(id)
        throw e
      }
    }
  }

  /**
   * The batch form of `submit` (API operation decideDelegations, POST /decisions) for kept bodies
   * signed by one card (one certificate: the caller groups by it). Unknown outcomes of the request
   * are retried with the same body while the action's deadline allows — the platform answers rows it
   * already recorded as `replayed` successes, never "already answered" — then every row is
   * DECISION_UNCONFIRMED with its body still kept. Per row, a success or a definite refusal drops the
   * body; RATE_LIMITED and SESSION_EXPIRED keep it. Returns, per row in order, the delegation or the
   * row's AppError (mapped as a single answer would be). `onAttempt(n)` is called before each attempt.
   */
  async submitBatch(
    api: PlatformClient,
    rows: readonly { id: string; body: DecisionBody }[],
    action: UserAction,
    onAttempt?: (attempt: number) => void
  ): Promise<(Delegation | AppError)[]> {
    const first = rows[0]
    if (!first) return []
    const batch: DecisionBatchBody = {
      certificate: first.body.certificate,
      algorithm: 'RS256',
      items: rows.map(({ id, body }) => ({
        delegationId: id,
        decision: body.decision,
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
        challengeId: body.challengeId,
        signature: body.signature,
        idempotencyKey: body.idempotencyKey
      }))
    }
    if (rows.some((r) => r.body.certificate !== batch.certificate))
      throw new AppError('INTERNAL', 'one certificate per batch request')
    let sent = false
    for (let attempt = 1; ; attempt++) {
      try {
        action.throwIfStopped()
        onAttempt?.(attempt)
        sent = true
        const answer = await api.decideDelegations(batch, action.limits())
        if (answer.items.length !== rows.length || answer.items.some((r, k) => r.delegationId !== rows[k]?.id)) {
          throw new AppError('SERVER_RESPONSE_INVALID', 'batch answer rows differ from the request')
        }
        return answer.items.map((r, k) => {
          const id = (rows[k] as { id: string }).id
          if (r.ok) {
            this.kept.delete(id)
            return r.delegation
          }
          const e = errorFromRow(r.error)
          if (!KEEP_BODY.has(e.code)) this.kept.delete(id)
          return e
        })
      } catch (err) {
        const e = err instanceof AppError ? err : new AppError('INTERNAL', 'decision batch submit', { cause: err })
        if (e.code === 'OPERATION_CANCELLED' || e.code === 'ACTION_TIMEOUT') {
          const out = sent ? new AppError('DECISION_UNCONFIRMED', e.code, { cause: e }) : e
          return rows.map(() => out)
        }
        if (outcomeUnknown(e) || e.code === 'INTERNAL') {
          if (attempt < this.maxAttempts && action.remainingMs() > 1_000) {
            await action.pause(this.backoffMs * 2 ** (attempt - 1))
            if (!action.stopped) continue
          }
          const out = new AppError('DECISION_UNCONFIRMED', e.code, { cause: e })
          return rows.map(() => out)
        }
        if (!KEEP_BODY.has(e.code)) for (const r of rows) this.kept.delete(r.id)
        return rows.map(() => e)
      }
    }
  }

  /** The delegation if the platform holds exactly the decision of `body`, else null. */
  private async recordedAsSent(
    api: PlatformClient,
    id: string,
    body: DecisionBody,
    action: UserAction
  ): Promise<Delegation | null> {
    try {
      const d = await api.getDelegation(id, action.limits())
      const reason = body.decision === 'MISMATCH' ? (body.reason ?? '').normalize('NFC') : null
      if (d.status === body.decision && (d.reason ?? null) === reason) {
        this.kept.delete(id)
        return d
      }
    } catch {
      // fall through: report what the platform said
    }
    return null
  }
}

function failure(id: string, err: unknown): DecisionOutcome {
  const e = err instanceof AppError ? err : new AppError('INTERNAL')
  return { id, ok: false, error: e.toPayload() }
}

export interface DecideContext {
  submitter: DecisionSubmitter
  action: UserAction
}

/**
 * Answers `items` with one PIN entry; per-row outcomes in the order of `items`. Rows whose signed
 * answer is still kept from an earlier attempt are resent as they are (no challenge, no signature,
 * the PIN is not used for them). Throws for failures that stop every row (session, network, TLS,
 * cancel, deadline) before anything is signed, and for card failures (wrong PIN …).
 */
export async function decideMany(
  api: PlatformClient,
  card: CardOperations,
  items: DecisionItem[],
  /** The PIN with its dialog's ticket: the card refuses it unless it is still the card shown. */
  pin: PinEntry,
  progress: (p: CardProgress) => void,
  ctx: DecideContext
): Promise<DecisionOutcome[]> {
  const { submitter, action } = ctx
  const total = items.length
  const deadlineAt = (): string => new Date(action.deadline).toISOString()
  const outcomes = new Map<string, DecisionOutcome>()
  const toSend: { id: string; body: DecisionBody }[] = []
  const prepared: PreparedDecision[] = []

  progress({ operation: 'decision', stage: 'preparing', done: 0, total, deadlineAt: deadlineAt() })
  for (const item of items) {
    const kept = submitter.keptFor(item)
    if (kept) {
      toSend.push({ id: item.id, body: kept })
      continue
    }
    try {
      prepared.push(await submitter.prepare(api, item, action))
    } catch (err) {
      if (err instanceof AppError && BATCH_FATAL.has(err.code)) throw err
      outcomes.set(item.id, failure(item.id, err))
    }
  }

  if (prepared.length > 0) {
    action.throwIfStopped()
    progress({ operation: 'decision', stage: 'signing', done: 0, total: prepared.length, deadlineAt: deadlineAt() })
    const started = Date.now()
    const signatures: PerItemResult[] = []
    await card.signDecisionStream(
      (async function* () {
        yield prepared.map((p) => p.fields)
      })(),
      pin,
      (_k, results) => signatures.push(...results),
      (done) =>
        progress({ operation: 'decision', stage: 'signing', done, total: prepared.length, deadlineAt: deadlineAt() })
    )
    action.extend(Date.now() - started)
    for (const [i, p] of prepared.entries()) {
      const sig = signatures[i]
      if (!sig || !sig.ok) {
        outcomes.set(p.item.id, {
          id: p.item.id,
          ok: false,
          error: sig?.error ?? new AppError('SIGNING_FAILED').toPayload()
        })
        continue
      }
      toSend.push({ id: p.item.id, body: submitter.bodyFor(p, sig.value) })
    }
  }

  let submitted = 0
  for (const { id, body } of toSend) {
    try {
      const delegation = await submitter.submit(api, id, body, action, (attempt) =>
        progress({
          operation: 'decision',
          stage: 'submitting',
          done: submitted,
          total: toSend.length,
          attempt,
          deadlineAt: deadlineAt()
        })
      )
      outcomes.set(id, { id, ok: true, delegation })
    } catch (err) {
      outcomes.set(id, failure(id, err))
    }
    progress({
      operation: 'decision',
      stage: 'submitting',
      done: ++submitted,
      total: toSend.length,
      deadlineAt: deadlineAt()
    })
  }
  progress({ operation: 'decision', stage: 'done', done: total, total })
  return items.map((item) => outcomes.get(item.id) ?? failure(item.id, new AppError('INTERNAL')))
}
