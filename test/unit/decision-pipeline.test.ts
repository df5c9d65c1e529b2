import { describe, expect, it } from 'vitest'
import type { DecisionBatchResult, PrepareDecisionsResult, RowError } from '../../src/main/api/api-schemas'
import type { DecisionBatchBody, PlatformClient } from '../../src/main/api/platform-client'
import type { CardOperations, DecisionFields, PerItemResult } from '../../src/main/card/card-operations'
import { runBounded } from '../../src/main/core/bounded'
import { decideBatch, prepareSizes } from '../../src/main/core/decision-pipeline'
import { DecisionPreparations } from '../../src/main/core/decision-preparations'
import { DecisionSubmitter } from '../../src/main/core/decision-service'
import { UserAction } from '../../src/main/core/user-action'
import { AppError } from '../../src/shared/errors'
import type { Confirmation } from '../../src/shared/api-types'
import { delegation } from './delegation-fixture'
import type { CardProgress } from '../../src/shared/ipc-contract'

// The batch pipeline with a stand-in platform speaking the batch operations (prepareDecisions,
// decideDelegations; counts requests in flight, can fail per row or per request) and a stand-in
// card (records what it was asked to sign). The real path against server-mock on the rig is
// test/unit/api-ipc-core.test.ts (delegations:decideBatch) and bench/batch.

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1))

const confirmation = { id: 1 } as unknown as Confirmation
const rowError = (code: string, status: number, retriable = false): RowError => ({
  code,
  message: code,
  retriable,
  status
})

interface FakeOpts {
  answered?: Set<string>
  prepareFatal?: boolean
  /** Per delegation id: row errors its decision gets. */
  decideRowErrors?: Map<string, RowError>
  /** Whole-request failures of the n-th decideDelegations call (0-based), e.g. a lost answer. */
  decideRequestFails?: Map<number, AppError>
  /** Answers prepare with the rows reversed. */
  shuffle?: boolean
  /** Per requested id: the id of the delegation the answer's row carries instead (same 分提單號碼). */
  swapped?: Map<string, string>
}

function fakePlatform(opts: FakeOpts = {}) {
  let inFlight = 0
  let maxInFlight = 0
  const prepares: string[][] = []
  const decides: DecisionBatchBody[] = []
  const recorded = new Map<string, string>() // delegation id → idempotency key that recorded it
  const track = async <T>(fn: () => T): Promise<T> => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    await tick()
    inFlight--
    return fn()
  }
  const api = {
    origin: 'https://platform.example',
    prepareDecisions: (ids: string[]) =>
      track((): PrepareDecisionsResult => {
        prepares.push(ids)
        if (opts.prepareFatal) throw new AppError('SESSION_EXPIRED', 'UNAUTHENTICATED')
        const items = ids.map((id) =>
          opts.answered?.has(id)
            ? {
                delegationId: id,
                ok: false as const,
                delegation: delegation(id, 'MATCH'),
                error: rowError('DELEGATION_ALREADY_ANSWERED', 409)
              }
            : {
                delegationId: id,
                ok: true as const,
                delegation: opts.swapped?.has(id)
                  ? { ...delegation(opts.swapped.get(id) as string), houseBillNo: hb(id) }
                  : delegation(id),
                challenge: {
                  challengeId: `ch_${id.slice(-22).padStart(22, 'x')}`,
                  nonce: 'n'.repeat(44),
                  purpose: 'decision' as const,
                  expiresAt: '2026-03-02T00:05:00.000Z'
                }
              }
        )
        return { items: opts.shuffle ? items.reverse() : items }
      }),
    decideDelegations: (body: DecisionBatchBody) =>
      track((): DecisionBatchResult => {
        const n = decides.length
        decides.push(body)
        const items = body.items.map((row) => {
          const err = opts.decideRowErrors?.get(row.delegationId)
          if (err) return { delegationId: row.delegationId, ok: false as const, error: err }
          const replayed = recorded.get(row.delegationId) === row.idempotencyKey
          recorded.set(row.delegationId, row.idempotencyKey)
          return {
            delegationId: row.delegationId,
            ok: true as const,
            replayed,
            delegation: { ...delegation(row.delegationId), status: row.decision },
            confirmation
          }
        })
        const fail = opts.decideRequestFails?.get(n)
        if (fail) throw fail // recorded, but the answer is lost
        return { items }
      })
  }
  return { api: api as unknown as PlatformClient, prepares, decides, recorded, maxInFlight: () => maxInFlight }
}

/**
 * A stand-in card speaking the streamed interface: `calls` has one entry per login (the fields it
 * signed, in order), `chunks` the size of each chunk it received; nothing to sign = no login.
 */
function fakeCard(fail?: (f: DecisionFields) => PerItemResult | null) {
  const calls: DecisionFields[][] = []
  const chunks: number[] = []
  const card: CardOperations = {
    authenticate: async () => {
      throw new Error('not used')
    },
    promptPin: async () => {
      throw new Error('not used')
    },
    signDecisionStream: async (source, _pin, onSigned, onProgress) => {
      let fields: DecisionFields[] | null = null
      let k = 0
      let done = 0
      for await (const items of source) {
        if (!fields) calls.push((fields = []))
        fields.push(...items)
        chunks.push(items.length)
        await tick() // the card takes time: preparation and submission go on meanwhile
        onSigned(
          k++,
          items.map((f) => {
            onProgress?.(++done, fields?.length ?? 0)
            return (
              fail?.(f) ?? {
                ok: true,
                value: {
                  certificate: 'Y2VydA==',
                  signature: Buffer.from(f.delegationId).toString('base64'),
                  algorithm: 'RS256'
                }
              }
            )
          })
        )
      }
    },
    cancel: () => undefined
  }
  return { card, calls, chunks }
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `dlg_${String(i).padStart(16, '0')}`)
const hb = (id: string): string => `HB${id.slice(-4)}`
const match = (rows: string[]) =>
  rows.map((id) => ({ id, houseBillNo: hb(id), decision: 'MATCH' as const, reason: '' }))
const PIN = { pin: '123456', ticket: 'T'.repeat(43) }

describe('batch decision pipeline (prepareDecisions → one card operation → decideDelegations)', () => {
  it('130 rows: a small first prepare, then ≤ 50-row requests, ≤ 2 in flight; one login streamed in chunks; results in the user order', async () => {
    const p = fakePlatform()
    const c = fakeCard()
    const progress: CardProgress[] = []
    const rows = ids(130)
    const items = rows.map((id, i) =>
      i === 7
        ? { id, houseBillNo: hb(id), decision: 'MISMATCH' as const, reason: '品名不符' }
        : { id, houseBillNo: hb(id), decision: 'MATCH' as const, reason: '' }
    )
    const out = await decideBatch(p.api, c.card, items, PIN, (x) => progress.push(x), {
      chunkSize: 50,
      firstChunk: 10,
      signChunk: 20
    })
    expect(out.map((o) => [o.id, o.ok])).toEqual(rows.map((id) => [id, true]))
    expect(p.prepares.map((x) => x.length).sort((a, b) => a - b)).toEqual([10, 20, 50, 50])
    expect(p.prepares.flat().sort()).toEqual(rows)
    expect(c.calls).toHaveLength(1) // one PIN login for all rows
    expect(c.calls[0]?.map((f) => f.delegationId)).toEqual(rows) // signed in the user's order
    expect(c.chunks[0]).toBe(10) // the card starts with the first prepared rows
    expect(c.chunks.every((n) => n <= 20)).toBe(true)
    expect(c.calls[0]?.[7]).toMatchObject({
      origin: 'https://platform.example',
      houseBillNo: 'HB0007',
      nonce: 'n'.repeat(44),
      decision: 'MISMATCH',
      reason: '品名不符'
    })
    expect(p.decides.every((b) => b.items.length <= 50)).toBe(true)
    expect(p.decides.every((b) => b.certificate === 'Y2VydA==' && b.algorithm === 'RS256')).toBe(true)
    const sent = p.decides.flatMap((b) => b.items)
    expect(sent.map((r) => r.delegationId)).toEqual(rows) // each row once, taken in the user's order
    expect(sent[7]).toMatchObject({
      decision: 'MISMATCH',
      reason: '品名不符',
      challengeId: `ch_${rows[7]?.slice(-22).padStart(22, 'x')}`
    })
    expect(sent[0]).not.toHaveProperty('reason')
    expect(new Set(sent.map((r) => r.idempotencyKey)).size).toBe(130) // one key per row
    expect(p.maxInFlight()).toBeLessThanOrEqual(2 + 2) // ≤ 2 prepare + ≤ 2 decide requests
    // The stages overlap: the first rows were submitted before the card had signed the last ones.
    const firstSubmit = progress.findIndex((x) => (x.counts?.submitted ?? 0) > 0)
    const allSigned = progress.findIndex((x) => x.counts?.signed === 130)
    expect(firstSubmit).toBeGreaterThan(-1)
    expect(firstSubmit).toBeLessThan(allSigned)
    // progress: the stage the batch is in, with counts per stage ending at the totals
    expect(progress[0]).toMatchObject({
      operation: 'decision',
      stage: 'preparing',
      done: 0,
      total: 130,
      counts: { prepared: 0, signed: 0, submitted: 0, total: 130 },
      deadlineAt: expect.any(String)
    })
    const stages = progress.map((x) => x.stage).filter((x, i, a) => i === 0 || a[i - 1] !== x)
    expect(stages).toEqual(['preparing', 'signing', 'submitting', 'done'])
    const signing = progress.filter((x) => x.stage === 'signing').map((x) => x.done)
    expect(signing).toEqual([...signing].sort((a, b) => a - b)) // never goes back
    expect(signing.at(-1)).toBe(130)
    expect(progress.filter((x) => x.stage === 'submitting').at(-1)).toMatchObject({
      done: 130,
      total: 130,
      counts: { prepared: 130, signed: 130, submitted: 130, total: 130 }
    })
    expect(progress.at(-1)).toEqual({ operation: 'decision', stage: 'done', done: 130, total: 130 })
  })

  it('a card error after some chunks were signed: those rows are still submitted, the rest answer the error', async () => {
    const p = fakePlatform()
    const base = fakeCard()
    const card: CardOperations = {
      ...base.card,
      signDecisionStream: async (source, pin, onSigned, onProgress) => {
        let k = 0
        await base.card.signDecisionStream(
          (async function* () {
            for await (const items of source) {
              if (k++ === 2) throw new AppError('CARD_REMOVED')
              yield items
            }
          })(),
          pin,
          onSigned,
          onProgress
        )
      }
    }
    const rows = ids(50)
    const out = await decideBatch(p.api, card, match(rows), PIN, () => undefined, { firstChunk: 10, signChunk: 10 })
    expect(out.slice(0, 20).every((o) => o.ok)).toBe(true)
    expect(out.slice(20).map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(Array(30).fill('CARD_REMOVED'))
    expect(p.decides.flatMap((b) => b.items.map((r) => r.delegationId))).toEqual(rows.slice(0, 20))
  })

  it('per-row failures stay per row: answered is not signed, CHALLENGE_EXPIRED and SIGNING_FAILED are that row’s', async () => {
    const rows = ids(5)
    const p = fakePlatform({
      answered: new Set([rows[1] as string]),
      decideRowErrors: new Map([[rows[2] as string, rowError('CHALLENGE_EXPIRED', 400, true)]])
    })
    const c = fakeCard((f) =>
      f.delegationId === rows[3] ? { ok: false, error: new AppError('SIGNING_FAILED').toPayload() } : null
    )
    const out = await decideBatch(p.api, c.card, match(rows), PIN, () => undefined)
    expect(out).toEqual([
      { id: rows[0], ok: true, delegation: { ...delegation(rows[0] as string), status: 'MATCH' } },
      {
        id: rows[1],
        ok: false,
        error: { code: 'ALREADY_ANSWERED', retriable: false, detail: 'DELEGATION_ALREADY_ANSWERED' }
      },
      { id: rows[2], ok: false, error: { code: 'CHALLENGE_EXPIRED', retriable: true, detail: 'CHALLENGE_EXPIRED' } },
      { id: rows[3], ok: false, error: { code: 'SIGNING_FAILED', retriable: true } },
      { id: rows[4], ok: true, delegation: { ...delegation(rows[4] as string), status: 'MATCH' } }
    ])
    expect(c.calls).toHaveLength(1) // nothing is re-signed without the user
    expect(c.calls[0]?.map((f) => f.delegationId)).toEqual([rows[0], rows[2], rows[3], rows[4]])
    expect(p.decides).toHaveLength(1)
    expect(p.decides[0]?.items.map((r) => r.delegationId)).toEqual([rows[0], rows[2], rows[4]])
  })

  it('a lost answer is resent with the same body; the platform’s replays count as success', async () => {
    const rows = ids(3)
    const p = fakePlatform({ decideRequestFails: new Map([[0, new AppError('NETWORK_UNREACHABLE', 'ECONNRESET')]]) })
    const submitter = new DecisionSubmitter({ backoffMs: 1 })
    const progress: CardProgress[] = []
    const out = await decideBatch(p.api, fakeCard().card, match(rows), PIN, (x) => progress.push(x), { submitter })
    expect(out.map((o) => o.ok)).toEqual([true, true, true])
    expect(p.decides).toHaveLength(2)
    expect(p.decides[1]).toEqual(p.decides[0]) // same rows, same idempotency keys, same signatures
    expect([...p.recorded.values()]).toEqual(p.decides[0]?.items.map((r) => r.idempotencyKey))
    expect(progress.filter((x) => x.stage === 'submitting' && x.attempt !== undefined).map((x) => x.attempt)).toEqual([
      1, 2
    ])
    expect(submitter.keptCount).toBe(0) // answered: nothing kept
  })

  it('no answer within the attempts: DECISION_UNCONFIRMED, bodies kept; the next attempt resends them without the card', async () => {
    const rows = ids(3)
    const lost = new AppError('NETWORK_UNREACHABLE', 'ECONNRESET')
    const p = fakePlatform({
      decideRequestFails: new Map([
        [0, lost],
        [1, lost]
      ])
    })
    const c = fakeCard()
    const submitter = new DecisionSubmitter({ backoffMs: 1, maxAttempts: 2 })
    const first = await decideBatch(p.api, c.card, match(rows), PIN, () => undefined, { submitter })
    expect(first.map((o) => (o.ok ? 'ok' : `${o.error.code} ${o.error.detail}`))).toEqual(
      Array(3).fill('DECISION_UNCONFIRMED NETWORK_UNREACHABLE')
    )
    expect(submitter.keptCount).toBe(3)
    // The user answers again: the kept bodies go out as they are (no prepare, no PIN, no signature).
    const again = await decideBatch(p.api, c.card, match(rows), PIN, () => undefined, { submitter })
    expect(again.map((o) => o.ok)).toEqual([true, true, true])
    expect(c.calls).toHaveLength(1)
    expect(p.prepares).toHaveLength(1)
    expect(p.decides[2]).toEqual(p.decides[0])
    expect(submitter.keptCount).toBe(0)
  })

  it('a definite refusal of a whole request fails its rows only and drops their bodies; other chunks succeed', async () => {
    const rows = ids(4)
    const p = fakePlatform({
      decideRequestFails: new Map([[0, new AppError('VALIDATION_FAILED', 'VALIDATION_FAILED')]])
    })
    const submitter = new DecisionSubmitter({ backoffMs: 1 })
    const out = await decideBatch(p.api, fakeCard().card, match(rows), PIN, () => undefined, {
      chunkSize: 2,
      concurrency: 1,
      submitter
    })
    expect(out.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED', 'ok', 'ok'])
    expect(p.decides).toHaveLength(2) // an answer: not resent
    expect(submitter.keptCount).toBe(0)
  })

  it('rows prepared while the PIN was typed go to the card at once; only the others are prepared now', async () => {
    const rows = ids(5)
    const p = fakePlatform()
    const preparations = new DecisionPreparations()
    await preparations.prepare(p.api, rows.slice(0, 3)) // the dialog opened for 3 rows
    p.prepares.length = 0
    const c = fakeCard()
    const out = await decideBatch(p.api, c.card, match(rows), PIN, () => undefined, { preparations })
    expect(out.every((o) => o.ok)).toBe(true)
    expect(p.prepares).toEqual([rows.slice(3)]) // only the 2 rows not prepared ahead
    expect(c.calls).toHaveLength(1)
    expect(c.calls[0]?.map((f) => f.delegationId)).toEqual(rows) // still in the user's order
    expect(c.chunks[0]).toBe(3) // the card started with the rows prepared ahead
    expect(preparations.size).toBe(0) // each challenge used once
  })

  it('text that cannot be signed as typed (an unpaired surrogate) is refused before it is prepared or signed', async () => {
    const rows = ids(3)
    const p = fakePlatform()
    const c = fakeCard()
    const items = match(rows).map((m, i) =>
      i === 0
        ? { ...m, decision: 'MISMATCH' as const, reason: '品名\ud800不符' }
        : i === 1
          ? { ...m, houseBillNo: 'HB\udc00' }
          : m
    )
    const out = await decideBatch(p.api, c.card, items, PIN, () => undefined)
    expect(out.map((o) => (o.ok ? 'ok' : `${o.error.code} ${o.error.detail}`))).toEqual([
      'TEXT_MALFORMED reason',
      'TEXT_MALFORMED houseBillNo',
      'ok'
    ])
    expect(p.prepares.flat()).toEqual([rows[2]])
    expect(c.calls[0]?.map((f) => f.delegationId)).toEqual([rows[2]])
  })

  it('a row whose 分提單號碼 differs from the platform’s is not signed (DELEGATION_CHANGED)', async () => {
    const rows = ids(2)
    const p = fakePlatform()
    const c = fakeCard()
    const items = match(rows).map((m, i) => (i === 0 ? { ...m, houseBillNo: 'OTHER1' } : m))
    const out = await decideBatch(p.api, c.card, items, PIN, () => undefined)
    expect(out.map((o) => (o.ok ? 'ok' : `${o.error.code} ${o.error.detail}`))).toEqual([
      'DELEGATION_CHANGED houseBillNo',
      'ok'
    ])
    expect(c.calls[0]?.map((f) => f.delegationId)).toEqual([rows[1]])
  })

  it('a row whose delegation is another than the one asked for is never signed (prepared now or while the PIN was typed)', async () => {
    // The statement names the delegation by id: the card must only sign the row the user answered,
    // even when the platform's answer carries another delegation under the asked row's id.
    const rows = ids(4)
    const other = 'dlg_9999999999999999'
    const p = fakePlatform({
      swapped: new Map([
        [rows[0] as string, other],
        [rows[2] as string, other]
      ])
    })
    const preparations = new DecisionPreparations()
    await preparations.prepare(p.api, rows.slice(0, 2)) // rows[0] prepared while the PIN was typed
    const c = fakeCard()
    const out = await decideBatch(p.api, c.card, match(rows), PIN, () => undefined, { preparations })
    const signedIds = c.calls.flat().map((f) => f.delegationId)
    expect(signedIds).not.toContain(other)
    expect(signedIds.sort()).toEqual([rows[1], rows[3]])
    expect(out.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual([
      'SERVER_RESPONSE_INVALID',
      'ok',
      'SERVER_RESPONSE_INVALID',
      'ok'
    ])
  })

  it('time the card spends signing is not the platform’s budget: a batch that signs longer than the deadline completes', async () => {
    // A real card takes 0.3–1 s a signature: 100 rows are minutes of card time, the action 30 s of platform waiting.
    const p = fakePlatform()
    const slow: CardOperations = {
      ...fakeCard().card,
      signDecisionStream: async (source, _pin, onSigned) => {
        let k = 0
        for await (const chunk of source) {
          await new Promise((r) => setTimeout(r, 60)) // the card signs this chunk
          onSigned(
            k++,
            chunk.map(() => ({ ok: true, value: { certificate: 'Y2VydA==', signature: 'c2ln', algorithm: 'RS256' } }))
          )
        }
      }
    }
    const action = new UserAction({ budgetMs: 150 })
    const out = await decideBatch(p.api, slow, match(ids(8)), PIN, () => undefined, {
      action,
      firstChunk: 1,
      signChunk: 1
    })
    action.finish()
    expect(out.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(Array(8).fill('ok')) // 8 × 60 ms on the card
  })

  it('a cancelled action stops before the card; nothing is signed or sent', async () => {
    const p = fakePlatform()
    const c = fakeCard()
    const action = new UserAction()
    const progress: CardProgress[] = []
    const run = decideBatch(
      p.api,
      c.card,
      match(ids(3)),
      PIN,
      (x) => {
        progress.push(x)
        if (x.stage === 'preparing' && x.done === 3) action.cancel()
      },
      { action }
    )
    await expect(run).rejects.toMatchObject({ code: 'OPERATION_CANCELLED' })
    action.finish()
    expect(c.calls).toHaveLength(0)
    expect(p.decides).toHaveLength(0)
  })

  it('an answer whose rows are not the request’s rows is refused (SERVER_RESPONSE_INVALID), nothing signed', async () => {
    const p = fakePlatform({ shuffle: true })
    const c = fakeCard()
    const out = await decideBatch(p.api, c.card, match(ids(3)), PIN, () => undefined)
    expect(out.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual([
      'SERVER_RESPONSE_INVALID',
      'SERVER_RESPONSE_INVALID',
      'SERVER_RESPONSE_INVALID'
    ])
    expect(c.calls).toHaveLength(0)
  })

  it('a session that ends while preparing fails the batch before the card is used', async () => {
    const p = fakePlatform({ prepareFatal: true })
    const c = fakeCard()
    await expect(decideBatch(p.api, c.card, match(ids(10)), PIN, () => undefined)).rejects.toMatchObject({
      code: 'SESSION_EXPIRED'
    })
    expect(c.calls).toHaveLength(0)
    expect(p.decides).toHaveLength(0)
  })

  it('a card error for the whole operation fails the batch and submits nothing, not even kept rows', async () => {
    const p = fakePlatform()
    const card: CardOperations = {
      ...fakeCard().card,
      signDecisionStream: async (source) => {
        await source[Symbol.asyncIterator]().next() // C_Login fails once the first rows are there
        throw new AppError('PIN_INCORRECT')
      }
    }
    await expect(decideBatch(p.api, card, match(ids(3)), PIN, () => undefined)).rejects.toMatchObject({
      code: 'PIN_INCORRECT'
    })
    expect(p.decides).toHaveLength(0)
  })

  it('requests default to, and are capped at, the API’s 100 rows', async () => {
    const p = fakePlatform()
    await decideBatch(p.api, fakeCard().card, match(ids(250)), PIN, () => undefined, {
      chunkSize: 500,
      firstChunk: 500,
      signChunk: 500
    })
    expect(p.prepares.map((x) => x.length)).toEqual([100, 100, 50])
    expect(p.decides.every((b) => b.items.length <= 100)).toBe(true)
    expect(p.decides.flatMap((b) => b.items).length).toBe(250)
    const q = fakePlatform()
    await decideBatch(q.api, fakeCard().card, match(ids(201)), PIN, () => undefined)
    expect(q.prepares.map((x) => x.length).sort((a, b) => a - b)).toEqual([16, 85, 100])
  })

  it('prepareSizes and runBounded', async () => {
    expect(prepareSizes(5, 2, 3)).toEqual([2, 3])
    expect(prepareSizes(200, 16, 100)).toEqual([16, 100, 84])
    expect(prepareSizes(10, 16, 100)).toEqual([10])
    expect(prepareSizes(0, 16, 100)).toEqual([])
    let running = 0
    let peak = 0
    const started: number[] = []
    await expect(
      runBounded(20, 3, async (i) => {
        started.push(i)
        running++
        peak = Math.max(peak, running)
        await tick()
        running--
        if (i === 4) throw new Error('boom')
      })
    ).rejects.toThrow('boom')
    expect(peak).toBe(3)
    expect(started.length).toBeLessThan(20)
  })
})
