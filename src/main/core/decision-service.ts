import { randomUUID } from 'node:crypto'
import type { Delegation } from '../../shared/delegation'
import { AppError, type ErrorCode } from '../../shared/errors'
import { hasUnpairedSurrogate } from '../../shared/text'
import type { DecisionItem } from '../../shared/ipc-requests'
import type { CardSignature, DecisionFields } from '../card'
import { errorFromRow, type DecisionBatchBody, type DecisionBody, type PlatformClient } from '../api'
import { type UserAction } from './user-action'

// What a decision needs between the card and the platform, for the batch pipeline
// (decision-pipeline.ts, the one path every 申報相符 / 申報不符 takes, one row or many):
//   - refuseMalformed: text that cannot be signed as typed is refused before anything is signed;
//   - DecisionSubmitter keeps each signed body (signature, challenge, idempotency key) until the
//     platform gives a definite answer. Any retry — automatic within the action's deadline, or the
//     user's next attempt — resends that same body, so a decision the platform recorded but whose
//     answer was lost comes back as the stored success (the platform replays it for the same key),
//     never as "already answered", and is never signed twice.

/** What an item needs before it can be signed: the challenge and the statement's fields (from prepareDecisions). */
export interface PreparedDecision {
  item: DecisionItem
  challengeId: string
  fields: DecisionFields
}

/**
 * TEXT_MALFORMED (detail: the field, `reason` or `houseBillNo`) when a text of `item` that goes into
 * the signed statement holds an unpaired UTF-16 surrogate — it has no UTF-8 form, so the bytes
 * signed would differ from what the user typed (docs/security.md) — else null. The IPC contract
 * refuses such a 原因 already (INVALID_REQUEST); this is the check of the decision path itself, for
 * every caller, before anything is prepared or signed.
 */
export function refuseMalformed(item: Pick<DecisionItem, 'reason' | 'houseBillNo'>): AppError | null {
  if (hasUnpairedSurrogate(item.reason)) return new AppError('TEXT_MALFORMED', 'reason')
  if (hasUnpairedSurrogate(item.houseBillNo)) return new AppError('TEXT_MALFORMED', 'houseBillNo')
  return null
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
/**
 * The one place where decisions are submitted (decision-pipeline.ts, for one row or many).
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
   * Sends kept bodies (API operation decideDelegations, POST /decisions) for rows
   * signed by one card (one certificate: the caller groups by it). Unknown outcomes of the request
   * are retried with the same body while the action's deadline allows — the platform answers rows it
   * already recorded as `replayed` successes, never "already answered" — then every row is
   * DECISION_UNCONFIRMED with its body still kept. Per row, a success or a definite refusal drops the
   * body; RATE_LIMITED and SESSION_EXPIRED keep it. A row answered "already answered" after an
   * unanswered earlier attempt is read back (getDelegation): holding exactly this decision, it is a
   * success. Returns, per row in order, the delegation or the
   * row's AppError (errorFromRow: mapped as the single operation's answer would be). `onAttempt(n)`
   * is called before each attempt.
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
        const results = answer.items.map((r, k) => {
          const id = (rows[k] as { id: string }).id
          if (r.ok) {
            this.kept.delete(id)
            return r.delegation
          }
          const e = errorFromRow(r.error)
          if (!KEEP_BODY.has(e.code)) this.kept.delete(id)
          return e
        })
        if (attempt > 1) {
          // Our own unanswered earlier attempt may be what answered a row (a platform that forgot the key).
          for (const [k, r] of results.entries()) {
            const row = rows[k] as { id: string; body: DecisionBody }
            if (r instanceof AppError && r.code === 'ALREADY_ANSWERED')
              results[k] = (await this.recordedAsSent(api, row.id, row.body, action)) ?? r
          }
        }
        return results
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

  /** The delegation if the platform holds exactly the decision of `body` (API operation getDelegation), else null. */
  private async recordedAsSent(
    api: PlatformClient,
    id: string,
    body: DecisionBody,
    action: UserAction
  ): Promise<Delegation | null> {
    try {
      const d = await api.getDelegation(id, action.limits())
      const reason = body.decision === 'MISMATCH' ? (body.reason ?? '').normalize('NFC') : null
      if (d.status === body.decision && (d.reason ?? null) === reason) return d
    } catch {
      // fall through: report what the platform said
    }
    return null
  }
}
