import type { Delegation } from '../../shared/delegation'
import { MAX_BATCH_ROWS, type CallLimits, type PlatformClient } from '../api'
import { runBounded } from './bounded'

// Rows prepared while the PIN dialog is open. Opening the dialog for a confirmation asks main to
// prepare its rows (delegations:prepareBatch → prepareDecisions: the delegation as the platform
// has it + a decision challenge per row) while the user types the PIN, so pressing OK costs only
// the card and the submission. Nothing is signed here and no PIN is involved: a prepared row is
// a read plus a server nonce. decideBatch takes each row at most once (a challenge is single use),
// waits for a preparation still in flight instead of asking again, and prepares anew any row that
// is missing, for another 分提單號碼, or too old.

/** A row prepared ahead: the delegation (still 尚未確認 when read) and its decision challenge. */
export interface PreparedRow {
  delegation: Delegation
  challengeId: string
  nonce: string
}

export interface DecisionPreparationsOptions {
  /** Clock (tests). Default Date.now. */
  now?: () => number
  /**
   * How long a prepared row is used, ms from its arrival (default 120 000): well inside the
   * platform's 5-minute challenge lifetime (docs/protocol.md) whatever the two clocks say, so the
   * card never signs a challenge about to expire.
   */
  ttlMs?: number
  /** Most rows held at once (default 1 000); older ones are dropped first. */
  maxRows?: number
  /**
   * Most rows under way at once, over all calls (default 1 000): rows beyond it are not asked for
   * (a page calling prepareBatch in a loop costs at most this many challenges at a time).
   */
  maxInFlight?: number
}

interface Held {
  row: PreparedRow
  at: number
}

/** Rows prepared ahead for the confirmation being typed; one per core, cleared at login and logout. */
export class DecisionPreparations {
  private readonly held = new Map<string, Held>()
  private readonly inFlight = new Map<string, Promise<void>>()
  private readonly now: () => number
  private readonly ttlMs: number
  private readonly maxRows: number
  private readonly maxInFlight: number
  /** Bumped by clear(): answers of requests sent before it are not kept (another session's challenges). */
  private generation = 0

  constructor(opts: DecisionPreparationsOptions = {}) {
    this.now = opts.now ?? Date.now
    this.ttlMs = opts.ttlMs ?? 120_000
    this.maxRows = opts.maxRows ?? 1_000
    this.maxInFlight = opts.maxInFlight ?? 1_000
  }

  /** Rows held and usable now. */
  get size(): number {
    this.dropStale()
    return this.held.size
  }

  /**
   * Prepares the rows `ids` not already held or under way (API operation prepareDecisions, ≤ 100
   * ids per request, 2 in flight). Best effort: a request that fails or a row the platform refuses
   * is simply not held (decideBatch prepares it again and reports the real error), and rows beyond
   * `maxInFlight` under way are not asked for. Every row is marked under way before the first
   * request goes out, so a take() or another prepare() for a row whose request has not started yet
   * waits for it instead of asking again. Resolves with how many of `ids` are held afterwards;
   * never throws.
   */
  async prepare(api: PlatformClient, ids: readonly string[], limits?: CallLimits): Promise<number> {
    this.dropStale()
    const generation = this.generation
    const already = [...new Set(ids.map((id) => this.inFlight.get(id)))] // asked by an earlier call: wait for it
    const room = Math.max(0, this.maxInFlight - this.inFlight.size)
    const wanted = [...new Set(ids)].filter((id) => !this.held.has(id) && !this.inFlight.has(id)).slice(0, room)
    const requests: { rows: string[]; settled: Promise<void>; settle: () => void }[] = []
    for (let at = 0; at < wanted.length; at += MAX_BATCH_ROWS) {
      let settle!: () => void
      const settled = new Promise<void>((r) => (settle = r))
      const rows = wanted.slice(at, at + MAX_BATCH_ROWS)
      for (const id of rows) this.inFlight.set(id, settled)
      requests.push({ rows, settled, settle })
    }
    const done = runBounded(requests.length, 2, async (k) => {
      const { rows, settled, settle } = requests[k] as (typeof requests)[number]
      try {
        const answer = await api.prepareDecisions(rows, limits)
        if (generation !== this.generation) return
        answer.items.forEach((r, i) => {
          // Only the rows asked for, in order, each carrying its own delegation (the statement names
          // it), still 尚未確認: anything else is prepared again later (and refused then).
          if (!r.ok || r.delegationId !== rows[i] || r.delegation.id !== rows[i] || r.delegation.status !== 'PENDING')
            return
          this.held.set(r.delegationId, {
            row: { delegation: r.delegation, challengeId: r.challenge.challengeId, nonce: r.challenge.nonce },
            at: this.now()
          })
        })
        this.bound()
      } catch {
        // best effort: decideBatch prepares the row again and reports the real error
      } finally {
        for (const id of rows) if (this.inFlight.get(id) === settled) this.inFlight.delete(id)
        settle()
      }
    })
    await Promise.all([done, ...already])
    return ids.filter((id) => this.held.has(id)).length
  }

  /**
   * The prepared row for `id` if it is for `houseBillNo` and fresh (waits for a preparation still
   * in flight, but not past `signal`: the confirming action's cancel or deadline), removed from the
   * store: a challenge is used once. null otherwise (also once `signal` is aborted).
   */
  async take(id: string, houseBillNo: string, signal?: AbortSignal): Promise<PreparedRow | null> {
    const pending = this.inFlight.get(id)
    if (pending) await untilAborted(pending, signal)
    if (signal?.aborted) return null
    this.dropStale()
    const held = this.held.get(id)
    this.held.delete(id)
    if (!held || held.row.delegation.id !== id || held.row.delegation.houseBillNo !== houseBillNo) return null
    return held.row
  }

  /** Forgets every prepared row (login, logout: challenges belong to a platform session). */
  clear(): void {
    this.generation++
    this.held.clear()
    this.inFlight.clear() // the old session's requests: nothing waits for them, their answers are dropped
  }

  private dropStale(): void {
    const now = this.now()
    for (const [id, h] of this.held) if (now - h.at >= this.ttlMs || now < h.at) this.held.delete(id)
  }

  private bound(): void {
    for (const id of this.held.keys()) {
      if (this.held.size <= this.maxRows) break
      this.held.delete(id) // a Map iterates oldest first
    }
  }
}

/** Waits for `p` (which never rejects), or until `signal` is aborted, whichever comes first. */
function untilAborted(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p
  if (signal.aborted) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
    void p.then(done)
  })
}
