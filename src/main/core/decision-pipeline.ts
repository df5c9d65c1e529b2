import type { Delegation } from '../../shared/delegation'
import { AppError } from '../../shared/errors'
import type { CardProgress, DecisionOutcome } from '../../shared/ipc-contract'
import type { DecisionItem } from '../../shared/ipc-requests'
import type { CardOperations, DecisionFields, PerItemResult, PinEntry } from '../card'
import {
  errorFromRow,
  MAX_BATCH_ROWS,
  type DecisionBody,
  type PlatformClient,
  type PrepareDecisionsResult
} from '../api'
import { runBounded } from './bounded'
import type { DecisionPreparations } from './decision-preparations'
import { DecisionSubmitter, refuseMalformed, type PreparedDecision } from './decision-service'
import { UserAction } from './user-action'

// A batch confirmation (申報相符 / 申報不符 for one or many rows, one PIN) as a pipeline whose cost is
// close to the card's own signing time, with the platform's batch operations (docs/protocol.md
// §batch). The three stages overlap:
//   1. prepare: prepareDecisions requests (delegation + decision challenge per row), the first one
//      small (`firstChunk` rows) so the card can start at once, then `chunkSize` rows, `concurrency`
//      requests in flight;
//   2. sign: one card operation (one C_Login) for the whole batch, streamed
//      (CardOperations.signDecisionStream): prepared rows go to the card in the user's order,
//      `signChunk` at a time, while later rows are still being prepared;
//   3. submit: signed rows go out in decideDelegations requests as soon as they are signed
//      (whatever is signed when a lane is free, ≤ `chunkSize` rows, `concurrency` in flight),
//      through DecisionSubmitter.submitBatch: every row has its own idempotency key and its signed
//      body is kept until the platform answers it; a lost answer is resent with the same body
//      (automatically within the action's deadline, or on the user's next attempt: kept rows are
//      not re-signed), and the platform answers rows it recorded as replayed successes.
// Progress names the stage the batch is in (preparing until the card starts, signing until it is
// done, then submitting) and carries the counts of all three. A challenge that expired meanwhile is
// never re-signed here: the row answers CHALLENGE_EXPIRED and the user confirms it again (new PIN
// entry = consent); the PIN is not kept for that.

export interface PipelineOptions {
  /** Most rows per batch request (prepare and submit). Default and maximum: MAX_BATCH_ROWS (100). */
  chunkSize?: number
  /** Rows in the first prepare request (the card starts when it is answered). Default 16. */
  firstChunk?: number
  /** Rows per chunk handed to the card (a chunk's signatures come back together). Default 16. */
  signChunk?: number
  /** Batch requests in flight at once. Default 2. */
  concurrency?: number
  /** Keeps signed bodies until the platform answers (shared with single decisions). Default: a new one. */
  submitter?: DecisionSubmitter
  /** The user action: deadline and cancel for every request and the card. Default: a new one. */
  action?: UserAction
  /** Rows prepared while the PIN was typed (delegations:prepareBatch); taken first, once each. */
  preparations?: DecisionPreparations
}

/** Progress reports within one stage at most this often (milliseconds); see BatchRun.report. */
const REPORT_EVERY_MS = 50

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

/** The answer's rows must be the request's rows, in order (else SERVER_RESPONSE_INVALID). */
function sameRows(asked: string[], answer: PrepareDecisionsResult): void {
  if (answer.items.length !== asked.length || answer.items.some((r, k) => r.delegationId !== asked[k])) {
    throw new AppError('SERVER_RESPONSE_INVALID', 'batch answer rows differ from the request')
  }
}

interface Prepared extends PreparedDecision {
  index: number
}

interface ToSend {
  index: number
  id: string
  body: DecisionBody
}

/** A one-shot wake-up for waiters on shared state (the submit lanes waiting for signed rows). */
class Signal {
  private waiters: (() => void)[] = []
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }
  notify(): void {
    const w = this.waiters
    this.waiters = []
    for (const resolve of w) resolve()
  }
}

/** Sizes of consecutive prepare requests for `n` rows: `first`, then `size` each. */
export function prepareSizes(n: number, first: number, size: number): number[] {
  const out: number[] = []
  for (let left = n; left > 0;) {
    const take = Math.min(left, out.length === 0 ? first : size)
    out.push(take)
    left -= take
  }
  return out
}

/**
 * 申報相符 / 申報不符 for `items` with one PIN entry (API operations prepareDecisions,
 * decideDelegations; statement: docs/protocol.md). Returns one outcome per item, in order
 * (per-row codes as for a single decision: ALREADY_ANSWERED, DELEGATION_CHANGED, CHALLENGE_EXPIRED,
 * DECISION_UNCONFIRMED …). Throws — the whole batch fails, nothing new is signed or submitted — on
 * ticket and card errors before the first signature (PIN_TICKET_INVALID, PIN_INCORRECT, PIN_LOCKED,
 * CARD_REMOVED, …) and on SESSION_EXPIRED, NETWORK_UNREACHABLE, TLS_UNTRUSTED, OPERATION_CANCELLED,
 * ACTION_TIMEOUT before the first row is signed. Once rows are signed, such an error ends the
 * batch instead: signed rows are still submitted (or kept), the others answer that error.
 */
export async function decideBatch(
  api: PlatformClient,
  card: CardOperations,
  items: DecisionItem[],
  pin: PinEntry,
  progress: (p: CardProgress) => void,
  opts: PipelineOptions = {}
): Promise<DecisionOutcome[]> {
  if (opts.action) return new BatchRun(api, card, items, progress, opts, opts.action).run(pin)
  const action = new UserAction()
  try {
    return await new BatchRun(api, card, items, progress, opts, action).run(pin)
  } finally {
    action.finish()
  }
}

/** One batch's state while its three stages run side by side. */
class BatchRun {
  private readonly total: number
  private readonly size: number
  private readonly concurrency: number
  private readonly submitter: DecisionSubmitter
  private readonly outcomes: (DecisionOutcome | undefined)[]
  /** Rows signed (or kept from an earlier attempt) and not yet taken by a submit lane, in order. */
  private readonly queue: ToSend[] = []
  private readonly changed = new Signal()
  private counts = { prepared: 0, signed: 0, submitted: 0 }
  private toSign = 0
  private toSubmit = 0
  private stage: 'preparing' | 'signing' | 'submitting' = 'preparing'
  private signingOver = false
  /** The first error after which no further row can succeed (see FATAL); ends the batch. */
  private fatal: AppError | null = null
  private attempt: number | undefined
  private reported = { key: '', state: '', at: 0 }
  /** Settles when every prepare request has (run() waits for it: no late writes after the answer). */
  private preparing: Promise<void> = Promise.resolve()

  constructor(
    private readonly api: PlatformClient,
    private readonly card: CardOperations,
    private readonly items: DecisionItem[],
    private readonly progress: (p: CardProgress) => void,
    private readonly opts: PipelineOptions,
    private readonly action: UserAction
  ) {
    this.total = items.length
    this.size = Math.max(1, Math.min(opts.chunkSize ?? MAX_BATCH_ROWS, MAX_BATCH_ROWS))
    this.concurrency = Math.max(1, opts.concurrency ?? 2)
    this.submitter = opts.submitter ?? new DecisionSubmitter()
    this.outcomes = new Array<DecisionOutcome | undefined>(this.total)
  }

  /** The batch's outcomes; its progress always ends with 'done' (also when the whole batch fails). */
  async run(pin: PinEntry): Promise<DecisionOutcome[]> {
    try {
      return await this.stages(pin)
    } catch (err) {
      this.progress({ operation: 'decision', stage: 'done', done: 0, total: 0 }) // as for any failed card operation
      throw err
    }
  }

  private async stages(pin: PinEntry): Promise<DecisionOutcome[]> {
    // Rows whose signed answer is kept from an earlier attempt: resent as they are (no challenge, no PIN).
    const fresh: { index: number; item: DecisionItem }[] = []
    const kept: ToSend[] = []
    this.items.forEach((item, index) => {
      const body = this.submitter.keptFor(item)
      const malformed = refuseMalformed(item) // text that cannot be signed as typed: not prepared, not signed
      if (body) kept.push({ index, id: item.id, body })
      else if (malformed) this.outcomes[index] = failure(item.id, malformed)
      else fresh.push({ index, item })
    })
    this.toSign = fresh.length
    this.toSubmit = kept.length
    this.counts.prepared = kept.length
    this.report()

    const signed: Prepared[][] = []
    let firstSignature = false
    const lanes = this.submitLanes(() => firstSignature || this.signingOver)
    const enqueue = (rows: ToSend[]): void => {
      this.queue.push(...rows)
      this.toSubmit += rows.length
      this.changed.notify()
    }
    enqueue(kept)
    let cardError: unknown = null
    if (fresh.length > 0) {
      let cardSince = Date.now()
      try {
        await this.card.signDecisionStream(
          this.statements(fresh, signed),
          pin,
          (k, results) => {
            // Card time (PIN entry and login, then each chunk's signatures: 0.3–1 s each on a real
            // card) is not the platform's budget: the deadline moves with every signed chunk.
            const now = Date.now()
            this.action.extend(now - cardSince)
            cardSince = now
            firstSignature = true
            this.stage = 'signing'
            enqueue(this.signedRows(signed[k] ?? [], results))
            this.report()
          },
          (done) => {
            this.stage = 'signing'
            this.report(done)
          }
        )
      } catch (err) {
        cardError = err
      }
    }
    this.signingOver = true
    this.changed.notify()
    const nothingNew = !firstSignature
    if (cardError !== null && nothingNew) {
      // Ticket or card refused (wrong PIN …) before any signature: the batch fails as one, kept rows untouched.
      this.stage = 'submitting'
      this.queue.length = 0
      this.changed.notify()
      this.fatal ??= new AppError('OPERATION_CANCELLED') // stops preparing
      await Promise.all([lanes, this.preparing])
      throw cardError instanceof AppError ? cardError : new AppError('SIGNING_FAILED', String(cardError))
    }
    if (cardError !== null) this.fatal ??= cardError instanceof AppError ? cardError : new AppError('SIGNING_FAILED')
    await this.preparing
    this.stage = 'submitting'
    this.report()
    await lanes
    if (this.fatal && nothingNew && kept.length === 0) throw this.fatal
    this.progress({ operation: 'decision', stage: 'done', done: this.total, total: this.total })
    return this.items.map((item, i) => this.outcomes[i] ?? failure(item.id, this.fatal ?? new AppError('INTERNAL')))
  }

  /**
   * Prepares `fresh` rows (prepareDecisions, bounded) and yields the signable ones to the card in
   * the user's order, `signChunk` at a time, as soon as each is prepared; `signed[k]` records the
   * rows of the k-th chunk the card receives. Rows the platform refuses are answered here.
   */
  private async *statements(
    fresh: { index: number; item: DecisionItem }[],
    signed: Prepared[][]
  ): AsyncGenerator<DecisionFields[]> {
    // Rows prepared while the PIN was typed (DecisionPreparations) go to the card first; the rest now.
    const ahead: Prepared[] = []
    const rest: { index: number; item: DecisionItem }[] = []
    const preparations = this.opts.preparations
    const taken = preparations
      ? await Promise.all(fresh.map((r) => preparations.take(r.item.id, r.item.houseBillNo, this.action.signal)))
      : []
    fresh.forEach((r, k) => {
      const t = taken[k]
      if (t) ahead.push(this.toPrepared(r.index, r.item, t.delegation, t.challengeId, t.nonce))
      else rest.push(r)
    })
    if (ahead.length > 0) {
      this.counts.prepared += ahead.length
      this.report()
    }
    const sizes = prepareSizes(rest.length, Math.max(1, Math.min(this.opts.firstChunk ?? 16, this.size)), this.size)
    const starts = sizes.map((_, c) => sizes.slice(0, c).reduce((a, b) => a + b, 0))
    const ready: { promise: Promise<Prepared[]>; resolve: (rows: Prepared[]) => void }[] = sizes.map(() => {
      let resolve!: (rows: Prepared[]) => void
      const promise = new Promise<Prepared[]>((r) => (resolve = r))
      return { promise, resolve }
    })
    const preparing = runBounded(sizes.length, this.concurrency, async (c) => {
      const rows = rest.slice(starts[c], (starts[c] ?? 0) + (sizes[c] ?? 0))
      try {
        if (this.stopped()) return
        ready[c]?.resolve(await this.prepare(rows))
      } finally {
        ready[c]?.resolve([]) // no-op once resolved
      }
    }).catch(() => undefined) // errors are per row or this.fatal
    this.preparing = preparing
    // Prepared rows go to the card at once (the card never waits for a chunk to fill up).
    const step = Math.max(1, this.opts.signChunk ?? 16)
    for (const r of [{ promise: Promise.resolve(ahead) }, ...ready]) {
      const rows = await r.promise
      for (let at = 0; at < rows.length; at += step) {
        if (this.stopped()) break
        const chunk = rows.slice(at, at + step)
        signed.push(chunk)
        yield chunk.map((p) => p.fields)
      }
      if (this.stopped()) break
    }
    await preparing
  }

  /** A row ready for the card: the statement's fields from the platform's delegation and challenge. */
  private toPrepared(index: number, item: DecisionItem, d: Delegation, challengeId: string, nonce: string): Prepared {
    return {
      index,
      item,
      challengeId,
      fields: {
        origin: this.api.origin,
        nonce,
        delegationId: d.id,
        houseBillNo: d.houseBillNo,
        decision: item.decision,
        reason: item.reason
      }
    }
  }

  /** True once the batch must end (a FATAL error, or the action was cancelled or ran out of time). */
  private stopped(): boolean {
    if (!this.fatal && this.action.stopped)
      this.fatal = new AppError(this.action.timedOut ? 'ACTION_TIMEOUT' : 'OPERATION_CANCELLED')
    return this.fatal !== null
  }

  /** One prepareDecisions request; per-row refusals become outcomes, a FATAL error ends the batch. */
  private async prepare(rows: { index: number; item: DecisionItem }[]): Promise<Prepared[]> {
    const ids = rows.map((r) => r.item.id)
    const out: Prepared[] = []
    try {
      this.action.throwIfStopped()
      const answer = await this.api.prepareDecisions(ids, this.action.limits())
      sameRows(ids, answer)
      answer.items.forEach((r, k) => {
        const { index, item } = rows[k] as { index: number; item: DecisionItem }
        if (!r.ok) this.outcomes[index] = failure(item.id, errorFromRow(r.error))
        // The statement names the delegation: only the one the user answered is ever signed.
        else if (r.delegation.id !== item.id)
          this.outcomes[index] = failure(
            item.id,
            new AppError('SERVER_RESPONSE_INVALID', 'row carries another delegation')
          )
        // The row the user answered, as the platform has it now (same 分提單號碼), still 尚未確認.
        else if (r.delegation.houseBillNo !== item.houseBillNo)
          this.outcomes[index] = failure(item.id, new AppError('DELEGATION_CHANGED', 'houseBillNo'))
        else if (r.delegation.status !== 'PENDING')
          this.outcomes[index] = failure(item.id, new AppError('ALREADY_ANSWERED', r.delegation.status))
        else out.push(this.toPrepared(index, item, r.delegation, r.challenge.challengeId, r.challenge.nonce))
      })
    } catch (err) {
      if (err instanceof AppError && FATAL.has(err.code)) this.fatal ??= err
      else for (const { index, item } of rows) this.outcomes[index] = failure(item.id, err)
    }
    this.toSign -= rows.length - out.length
    this.counts.prepared += rows.length
    this.report()
    return out
  }

  /** The k-th signed chunk as request bodies (kept by the submitter from here on); failed rows answered. */
  private signedRows(rows: Prepared[], results: PerItemResult[]): ToSend[] {
    const out: ToSend[] = []
    rows.forEach((p, k) => {
      const sig = results[k]
      if (!sig || !sig.ok) {
        this.outcomes[p.index] = {
          id: p.item.id,
          ok: false,
          error: sig?.error ?? new AppError('SIGNING_FAILED').toPayload()
        }
        this.toSign--
      } else out.push({ index: p.index, id: p.item.id, body: this.submitter.bodyFor(p, sig.value) })
    })
    this.counts.signed += out.length
    return out
  }

  /**
   * `concurrency` lanes, each taking whatever is queued (≤ chunkSize rows of one certificate: rows
   * signed by one card share it, kept rows may not) once `open()` says submitting may start.
   */
  private submitLanes(open: () => boolean): Promise<void> {
    const lane = async (): Promise<void> => {
      for (;;) {
        if (!open() || this.queue.length === 0) {
          if (this.signingOver && this.queue.length === 0) return
          await this.changed.wait()
          continue
        }
        const certificate = (this.queue[0] as ToSend).body.certificate
        const rows: ToSend[] = []
        for (let i = 0; i < this.queue.length && rows.length < this.size;) {
          if ((this.queue[i] as ToSend).body.certificate === certificate) rows.push(...this.queue.splice(i, 1))
          else i++
        }
        await this.submit(rows)
      }
    }
    return Promise.all(Array.from({ length: this.concurrency }, lane)).then(() => undefined)
  }

  private async submit(rows: ToSend[]): Promise<void> {
    const results = await this.submitter.submitBatch(this.api, rows, this.action, (attempt) => {
      this.attempt = attempt
      this.report()
    })
    results.forEach((r, k) => {
      const { index, id } = rows[k] as ToSend
      this.outcomes[index] = r instanceof AppError ? failure(id, r) : { id, ok: true, delegation: r }
    })
    this.attempt = undefined
    this.counts.submitted += rows.length
    this.report()
  }

  /**
   * The current stage with its count (`signedNow`: the card's live count while it signs). At most
   * one report per REPORT_EVERY_MS within a stage, besides a new stage, a new attempt and a stage's
   * last count: a report per signature would cost the main thread more than the screen shows.
   */
  private report(signedNow?: number): void {
    const done =
      this.stage === 'preparing'
        ? this.counts.prepared
        : this.stage === 'signing'
          ? (signedNow ?? this.counts.signed)
          : this.counts.submitted
    const total = this.stage === 'preparing' ? this.total : this.stage === 'signing' ? this.toSign : this.toSubmit
    const now = Date.now()
    const key = `${this.stage} ${this.attempt ?? 0}`
    const state = `${key} ${done}/${total} ${this.counts.prepared} ${this.counts.signed} ${this.counts.submitted}`
    if (state === this.reported.state) return // nothing new
    if (key === this.reported.key && done < total && now - this.reported.at < REPORT_EVERY_MS) return
    this.reported = { key, state, at: now }
    this.progress({
      operation: 'decision',
      stage: this.stage,
      done,
      total: Math.max(total, done),
      counts: { ...this.counts, total: this.total },
      ...(this.attempt !== undefined ? { attempt: this.attempt } : {}),
      deadlineAt: new Date(this.action.deadline).toISOString()
    })
  }
}
