import { describe, expect, it } from 'vitest'
import type { DecisionBody, PlatformClient } from '../../src/main/api/platform-client'
import type { CardOperations, DecisionFields, PerItemResult } from '../../src/main/card/card-operations'
import { decideBatch, runBounded } from '../../src/main/core/decision-pipeline'
import { AppError } from '../../src/shared/errors'
import type { Delegation } from '../../src/shared/delegation'
import type { CardProgress } from '../../src/shared/ipc-contract'

// The batch pipeline with a stand-in platform (counts concurrent requests, can fail per row) and
// a stand-in card (records what it was asked to sign). The real path on the rig is covered by
// test/unit/api-ipc-core.test.ts (delegations:decideBatch) and measured by bench/batch.

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1))

function delegation(id: string, status: Delegation['status'] = 'PENDING'): Delegation {
  return {
    id, declarationDate: '2026-03-02', houseBillNo: `HB${id.slice(-4)}`, masterBillNo: '', direction: 'IMPORT', carrier: 'x',
    goodsDescription: 'x', quantity: 1, declaredValue: 1, currency: 'TWD', status, reason: null, confirmedAt: null,
    confirmedVia: null, updatedAt: '2026-03-02T00:00:00.000Z'
  }
}

function fakePlatform(opts: { answered?: Set<string>; decideFails?: Map<string, AppError[]>; prepareFatal?: string } = {}) {
  let inFlight = 0
  let maxInFlight = 0
  const decided: { id: string; body: DecisionBody }[] = []
  const order: string[] = []
  const track = async <T>(label: string, fn: () => T): Promise<T> => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    order.push(label)
    await tick()
    inFlight--
    return fn()
  }
  const api = {
    origin: 'https://platform.example',
    getDelegation: (id: string) =>
      track(`get ${id}`, () => {
        if (id === opts.prepareFatal) throw new AppError('SESSION_EXPIRED')
        return delegation(id, opts.answered?.has(id) ? 'MATCH' : 'PENDING')
      }),
    challenge: (_p: string, extra: { delegationId?: string }) =>
      track(`challenge ${extra.delegationId}`, () => ({ challengeId: `ch_${extra.delegationId}`, nonce: 'n'.repeat(44), expiresAt: '2026-03-02T00:05:00.000Z' })),
    decide: (id: string, body: DecisionBody) =>
      track(`decide ${id}`, () => {
        decided.push({ id, body })
        const next = opts.decideFails?.get(id)?.shift()
        if (next) throw next
        return { delegation: { ...delegation(id), status: body.decision } }
      })
  }
  return { api: api as unknown as PlatformClient, decided, order, maxInFlight: () => maxInFlight }
}

function fakeCard(fail?: (f: DecisionFields) => PerItemResult | null) {
  const calls: DecisionFields[][] = []
  const card: CardOperations = {
    authenticate: async () => {
      throw new Error('not used')
    },
    promptPin: async () => {
      throw new Error('not used')
    },
    signDecisions: async (items, _pin, onProgress) => {
      calls.push(items)
      return items.map((f, i) => {
        onProgress?.(i + 1, items.length)
        return fail?.(f) ?? { ok: true, value: { certificate: 'Y2VydA==', signature: Buffer.from(f.delegationId).toString('base64'), algorithm: 'RS256' } }
      })
    },
    cancel: () => undefined
  }
  return { card, calls }
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `dlg_${String(i).padStart(16, '0')}`)

describe('batch decision pipeline', () => {
  it('prepares and submits with bounded concurrency, one card operation, results in the user order', async () => {
    const p = fakePlatform()
    const c = fakeCard()
    const progress: CardProgress[] = []
    const rows = ids(30)
    const out = await decideBatch(p.api, c.card, rows.map((id) => ({ id, houseBillNo: 'HB', decision: 'MATCH', reason: '' })), { pin: '123456', ticket: 'T'.repeat(43) }, (x) => progress.push(x), {
      prepareConcurrency: 4,
      submitConcurrency: 3
    })
    expect(out.map((o) => [o.id, o.ok])).toEqual(rows.map((id) => [id, true]))
    expect(c.calls).toHaveLength(1) // one PIN login for all rows
    expect(c.calls[0]?.map((f) => f.delegationId)).toEqual(rows) // signed in the user's order
    expect(c.calls[0]?.[0]).toMatchObject({ origin: 'https://platform.example', houseBillNo: 'HB0000', nonce: 'n'.repeat(44) })
    expect(p.maxInFlight()).toBeGreaterThan(1)
    expect(p.maxInFlight()).toBeLessThanOrEqual(4)
    // each row's challenge follows its own read
    for (const id of rows) expect(p.order.indexOf(`challenge ${id}`)).toBeGreaterThan(p.order.indexOf(`get ${id}`))
    // progress: counts per stage, ending at the totals
    const last = (stage: string) => progress.filter((x) => x.stage === stage).at(-1)
    expect(progress[0]).toEqual({ operation: 'decision', stage: 'preparing', done: 0, total: 30 })
    expect(last('preparing')).toMatchObject({ done: 30, total: 30 })
    expect(last('signing')).toMatchObject({ done: 30, total: 30 })
    expect(last('submitting')).toMatchObject({ done: 30, total: 30 })
    expect(progress.at(-1)).toEqual({ operation: 'decision', stage: 'done', done: 30, total: 30 })
    expect(progress.filter((x) => x.stage === 'submitting').map((x) => x.done)).toEqual(Array.from({ length: 31 }, (_, i) => i))
  })

  it('per-row failures stay per row: already answered is not signed, a lost answer is resent with the same key', async () => {
    const rows = ids(4)
    const lost = new AppError('NETWORK_UNREACHABLE', 'ECONNRESET')
    const p = fakePlatform({ answered: new Set([rows[1] as string]), decideFails: new Map([[rows[2] as string, [lost]]]) })
    const c = fakeCard((f) => (f.delegationId === rows[3] ? { ok: false, error: new AppError('SIGNING_FAILED').toPayload() } : null))
    const out = await decideBatch(p.api, c.card, rows.map((id) => ({ id, houseBillNo: 'HB', decision: 'MATCH', reason: '' })), { pin: '123456', ticket: 'T'.repeat(43) }, () => undefined)
    expect(out.map((o) => [o.id, o.ok, o.ok ? undefined : o.error.code])).toEqual([
      [rows[0], true, undefined],
      [rows[1], false, 'ALREADY_ANSWERED'],
      [rows[2], true, undefined],
      [rows[3], false, 'SIGNING_FAILED']
    ])
    expect(c.calls[0]?.map((f) => f.delegationId)).toEqual([rows[0], rows[2], rows[3]])
    const resent = p.decided.filter((d) => d.id === rows[2])
    expect(resent).toHaveLength(2)
    expect(resent[1]?.body).toEqual(resent[0]?.body) // same body, same idempotency key
    expect(new Set(p.decided.map((d) => d.body.idempotencyKey)).size).toBe(2) // one key per row
  })

  it('an expired challenge answers CHALLENGE_EXPIRED for that row; nothing is re-signed without the user', async () => {
    const rows = ids(2)
    const p = fakePlatform({ decideFails: new Map([[rows[0] as string, [new AppError('CHALLENGE_EXPIRED', 'CHALLENGE_EXPIRED')]]]) })
    const c = fakeCard()
    const out = await decideBatch(p.api, c.card, rows.map((id) => ({ id, houseBillNo: 'HB', decision: 'MATCH', reason: '' })), { pin: '123456', ticket: 'T'.repeat(43) }, () => undefined)
    expect(out[0]).toEqual({ id: rows[0], ok: false, error: { code: 'CHALLENGE_EXPIRED', retriable: true, detail: 'CHALLENGE_EXPIRED' } })
    expect(out[1]?.ok).toBe(true)
    expect(c.calls).toHaveLength(1)
    expect(p.decided.filter((d) => d.id === rows[0])).toHaveLength(1)
  })

  it('a session that ends while preparing fails the batch before the card is used', async () => {
    const rows = ids(10)
    const p = fakePlatform({ prepareFatal: rows[5] })
    const c = fakeCard()
    await expect(decideBatch(p.api, c.card, rows.map((id) => ({ id, houseBillNo: 'HB', decision: 'MATCH', reason: '' })), { pin: '123456', ticket: 'T'.repeat(43) }, () => undefined)).rejects.toMatchObject({
      code: 'SESSION_EXPIRED'
    })
    expect(c.calls).toHaveLength(0)
    expect(p.decided).toHaveLength(0)
  })

  it('a card error for the whole operation fails the batch and submits nothing', async () => {
    const p = fakePlatform()
    const card: CardOperations = { ...fakeCard().card, signDecisions: async () => Promise.reject(new AppError('PIN_INCORRECT')) }
    await expect(decideBatch(p.api, card, ids(3).map((id) => ({ id, houseBillNo: 'HB', decision: 'MATCH', reason: '' })), { pin: '123456', ticket: 'T'.repeat(43) }, () => undefined)).rejects.toMatchObject({
      code: 'PIN_INCORRECT'
    })
    expect(p.decided).toHaveLength(0)
  })

  it('runBounded never runs more than the limit and stops starting tasks after a failure', async () => {
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
