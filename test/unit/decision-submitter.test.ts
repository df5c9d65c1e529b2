import { describe, expect, it } from 'vitest'
import type { DecisionBody, PlatformClient } from '../../src/main/api/platform-client'
import { DecisionSubmitter } from '../../src/main/core/decision-service'
import { UserAction } from '../../src/main/core/user-action'
import type { Delegation } from '../../src/shared/delegation'
import { AppError } from '../../src/shared/errors'

// DecisionSubmitter's rules with a scripted platform: which answers keep the signed body (and are
// retried with it), which drop it, and what prepare() refuses before anything is signed.

const D: Delegation = {
  id: 'dlg_abcdefgh01',
  declarationDate: '2025-06-01',
  houseBillNo: 'SF1234567',
  masterBillNo: 'M1',
  direction: 'IMPORT',
  carrier: 'SF',
  goodsDescription: 'cup',
  quantity: 1,
  declaredValue: 10,
  currency: 'TWD',
  status: 'PENDING',
  reason: null,
  confirmedAt: null,
  confirmedVia: null,
  updatedAt: '2025-06-01T00:00:00.000Z'
}
const ITEM = { id: D.id, houseBillNo: D.houseBillNo, decision: 'MATCH' as const, reason: '' }
const SIG = { certificate: 'Y2VydA==', signature: 'c2ln', algorithm: 'RS256' as const }

/** A platform whose decide() answers come from `script` in order (an AppError is thrown). */
function platform(script: (AppError | 'ok')[], delegation: Partial<Delegation> = {}) {
  const sent: DecisionBody[] = []
  const api = {
    origin: 'https://127.0.0.1:1',
    getDelegation: async () => ({ ...D, ...delegation }),
    challenge: async () => ({
      challengeId: 'ch_aaaaaaaaaaaaaaaaaaaaaa',
      nonce: 'A'.repeat(44),
      purpose: 'decision' as const,
      expiresAt: '2030-01-01T00:00:00Z'
    }),
    decide: async (_id: string, body: DecisionBody) => {
      sent.push(body)
      const next = script.shift() ?? 'ok'
      if (next !== 'ok') throw next
      return { delegation: { ...D, status: body.decision }, confirmation: {} }
    }
  }
  return { api: api as unknown as PlatformClient, sent }
}

async function keptBody(s: DecisionSubmitter, api: PlatformClient): Promise<DecisionBody> {
  const p = await s.prepare(api, ITEM, new UserAction())
  return s.bodyFor(p, SIG)
}

describe('DecisionSubmitter', () => {
  it('retries unknown outcomes with the very same body, then reports DECISION_UNCONFIRMED and keeps it', async () => {
    const s = new DecisionSubmitter({ maxAttempts: 3, backoffMs: 1 })
    const { api, sent } = platform([
      new AppError('NETWORK_UNREACHABLE'),
      new AppError('SERVER_ERROR', 'HTTP 502'),
      new AppError('SERVER_RESPONSE_INVALID')
    ])
    const body = await keptBody(s, api)
    await expect(s.submit(api, D.id, body, new UserAction())).rejects.toMatchObject({ code: 'DECISION_UNCONFIRMED' })
    expect(sent).toHaveLength(3)
    expect(new Set(sent.map((b) => b.idempotencyKey)).size).toBe(1)
    expect(sent.every((b) => b === body)).toBe(true)
    expect(s.keptFor(ITEM)).toBe(body)
    // Only the same row, decision and 原因 reuse it.
    expect(s.keptFor({ ...ITEM, houseBillNo: 'OTHER1' })).toBeUndefined()
    expect(s.keptFor({ ...ITEM, decision: 'MISMATCH', reason: 'x' })).toBeUndefined()
  })

  it('a definite refusal drops the body; session, rate limit and TLS keep it without retrying', async () => {
    for (const code of ['SESSION_EXPIRED', 'RATE_LIMITED', 'TLS_UNTRUSTED'] as const) {
      const s = new DecisionSubmitter({ backoffMs: 1 })
      const { api, sent } = platform([new AppError(code)])
      const body = await keptBody(s, api)
      await expect(s.submit(api, D.id, body, new UserAction())).rejects.toMatchObject({ code })
      expect(sent).toHaveLength(1)
      expect(s.keptCount).toBe(1)
    }
    for (const err of [
      new AppError('SERVER_ERROR', 'CHALLENGE_EXPIRED'),
      new AppError('CERTIFICATE_REJECTED', 'SIGNATURE_INVALID'),
      new AppError('ALREADY_ANSWERED')
    ]) {
      const s = new DecisionSubmitter({ backoffMs: 1 })
      const { api, sent } = platform([err])
      const body = await keptBody(s, api)
      await expect(s.submit(api, D.id, body, new UserAction())).rejects.toMatchObject({ code: err.code })
      expect(sent).toHaveLength(1)
      expect(s.keptCount).toBe(0)
    }
  })

  it('"already answered" after our own unanswered attempt is success when the platform holds our decision', async () => {
    const s = new DecisionSubmitter({ backoffMs: 1 })
    const body = await keptBody(s, platform([]).api)
    const { api } = platform([new AppError('NETWORK_UNREACHABLE'), new AppError('ALREADY_ANSWERED')], {
      status: 'MATCH',
      reason: null
    })
    await expect(s.submit(api, D.id, body, new UserAction())).resolves.toMatchObject({ id: D.id, status: 'MATCH' })
    expect(s.keptCount).toBe(0)
  })

  it('prepare refuses a delegation that is not the row answered, and unpaired surrogates, before signing', async () => {
    const s = new DecisionSubmitter()
    await expect(
      s.prepare(platform([], { houseBillNo: 'SF7654321' }).api, ITEM, new UserAction())
    ).rejects.toMatchObject({ code: 'DELEGATION_CHANGED', detail: 'houseBillNo' })
    await expect(s.prepare(platform([], { id: 'dlg_zzzzzzzz99' }).api, ITEM, new UserAction())).rejects.toMatchObject({
      code: 'DELEGATION_CHANGED',
      detail: 'id'
    })
    await expect(
      s.prepare(platform([]).api, { ...ITEM, decision: 'MISMATCH', reason: 'a\udc00b' }, new UserAction())
    ).rejects.toMatchObject({ code: 'TEXT_MALFORMED' })
    await expect(s.prepare(platform([], { status: 'MISMATCH' }).api, ITEM, new UserAction())).rejects.toMatchObject({
      code: 'ALREADY_ANSWERED'
    })
    const ok = await s.prepare(
      platform([]).api,
      { ...ITEM, decision: 'MISMATCH', reason: '非本人\ud83d\ude00' },
      new UserAction()
    )
    expect(ok.fields).toMatchObject({ delegationId: D.id, houseBillNo: D.houseBillNo })
  })

  it('after the deadline nothing more is sent: ACTION_TIMEOUT, the body stays kept (in flight: see test/faults)', async () => {
    const s = new DecisionSubmitter({ backoffMs: 1 })
    const { api } = platform([])
    const body = await keptBody(s, api)
    const late = new UserAction({ budgetMs: 1 })
    await new Promise((r) => setTimeout(r, 20))
    await expect(s.submit(api, D.id, body, late)).rejects.toMatchObject({ code: 'ACTION_TIMEOUT' })
    expect(s.keptFor(ITEM)).toBe(body)
  })
})
