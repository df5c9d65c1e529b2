import { describe, expect, it } from 'vitest'
import type { DecisionBatchResult, RowError } from '../../src/main/api/api-schemas'
import type { DecisionBatchBody, DecisionBody, PlatformClient } from '../../src/main/api/platform-client'
import { DecisionSubmitter, refuseMalformed, type PreparedDecision } from '../../src/main/core/decision-service'
import { UserAction } from '../../src/main/core/user-action'
import type { Delegation } from '../../src/shared/delegation'
import type { DecisionItem } from '../../src/shared/ipc-requests'
import { AppError } from '../../src/shared/errors'

// DecisionSubmitter's rules with a scripted platform speaking decideDelegations (POST /decisions):
// which answers keep the signed body (and are retried with it), which drop it; and refuseMalformed,
// the decision path's own check of the text before anything is signed. The whole path (one row or
// many) against server-mock: test/unit/api-ipc-core.test.ts and test/faults/platform-faults.test.ts.

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
const rowError = (code: string, status: number): RowError => ({ code, message: code, retriable: false, status })

/**
 * A platform whose decideDelegations answers come from `script` in order: 'ok' records every row, an
 * AppError fails the whole request (thrown, as the HTTP client does), a RowError fails every row.
 * getDelegation answers D with `delegation` over it.
 */
function platform(script: (AppError | RowError | 'ok')[], delegation: Partial<Delegation> = {}) {
  const sent: DecisionBatchBody[] = []
  const api = {
    origin: 'https://127.0.0.1:1',
    getDelegation: async () => ({ ...D, ...delegation }),
    decideDelegations: async (body: DecisionBatchBody): Promise<DecisionBatchResult> => {
      sent.push(body)
      const next = script.shift() ?? 'ok'
      if (next instanceof AppError) throw next
      return {
        items: body.items.map((r) =>
          next === 'ok'
            ? {
                delegationId: r.delegationId,
                ok: true as const,
                replayed: false,
                delegation: { ...D, id: r.delegationId, status: r.decision },
                confirmation: {} as never
              }
            : { delegationId: r.delegationId, ok: false as const, error: next }
        )
      }
    }
  }
  return { api: api as unknown as PlatformClient, sent }
}

/** A signed body kept by `s` for `item` (as the pipeline makes it after prepareDecisions + the card). */
function keptBody(s: DecisionSubmitter, item: DecisionItem = ITEM): DecisionBody {
  const p: PreparedDecision = {
    item,
    challengeId: 'ch_aaaaaaaaaaaaaaaaaaaaaa',
    fields: {
      origin: 'https://127.0.0.1:1',
      nonce: 'A'.repeat(44),
      delegationId: item.id,
      houseBillNo: item.houseBillNo,
      decision: item.decision,
      reason: item.reason
    }
  }
  return s.bodyFor(p, SIG)
}

const one = (body: DecisionBody) => [{ id: D.id, body }]
const codes = (out: (Delegation | AppError)[]) => out.map((r) => (r instanceof AppError ? r.code : r.status))

describe('DecisionSubmitter', () => {
  it('retries unknown outcomes with the very same body, then reports DECISION_UNCONFIRMED and keeps it', async () => {
    const s = new DecisionSubmitter({ maxAttempts: 3, backoffMs: 1 })
    const { api, sent } = platform([
      new AppError('NETWORK_UNREACHABLE'),
      new AppError('SERVER_ERROR', 'HTTP 502'),
      new AppError('SERVER_RESPONSE_INVALID')
    ])
    const body = keptBody(s)
    const attempts: number[] = []
    const out = await s.submitBatch(api, one(body), new UserAction(), (n) => attempts.push(n))
    expect(out).toHaveLength(1)
    expect(out[0]).toMatchObject({ code: 'DECISION_UNCONFIRMED', detail: 'SERVER_RESPONSE_INVALID' })
    expect(attempts).toEqual([1, 2, 3])
    expect(sent).toHaveLength(3)
    expect(new Set(sent.map((b) => b.items[0]?.idempotencyKey)).size).toBe(1)
    expect(sent[2]).toEqual(sent[0])
    expect(sent[0]).toEqual({
      certificate: SIG.certificate,
      algorithm: 'RS256',
      items: [
        {
          delegationId: D.id,
          decision: 'MATCH',
          challengeId: 'ch_aaaaaaaaaaaaaaaaaaaaaa',
          signature: SIG.signature,
          idempotencyKey: body.idempotencyKey
        }
      ]
    })
    expect(s.keptFor(ITEM)).toBe(body)
    // Only the same row, decision and 原因 reuse it.
    expect(s.keptFor({ ...ITEM, houseBillNo: 'OTHER1' })).toBeUndefined()
    expect(s.keptFor({ ...ITEM, decision: 'MISMATCH', reason: 'x' })).toBeUndefined()
  })

  it('a success drops the body and returns the delegation as the platform recorded it', async () => {
    const s = new DecisionSubmitter({ backoffMs: 1 })
    const { api, sent } = platform(['ok'])
    const out = await s.submitBatch(api, one(keptBody(s)), new UserAction())
    expect(codes(out)).toEqual(['MATCH'])
    expect(sent).toHaveLength(1)
    expect(s.keptCount).toBe(0)
  })

  it('a definite refusal drops the body; session, rate limit and TLS keep it without retrying', async () => {
    const keeps: (AppError | RowError)[] = [
      new AppError('SESSION_EXPIRED'),
      new AppError('RATE_LIMITED'),
      new AppError('TLS_UNTRUSTED'),
      rowError('UNAUTHENTICATED', 401),
      rowError('RATE_LIMITED', 429)
    ]
    for (const answer of keeps) {
      const s = new DecisionSubmitter({ backoffMs: 1 })
      const { api, sent } = platform([answer])
      const out = await s.submitBatch(api, one(keptBody(s)), new UserAction())
      expect(codes(out), JSON.stringify(answer)).toEqual([
        answer instanceof AppError ? answer.code : answer.status === 401 ? 'SESSION_EXPIRED' : 'RATE_LIMITED'
      ])
      expect(sent).toHaveLength(1)
      expect(s.keptCount).toBe(1)
    }
    const drops: [AppError | RowError, string][] = [
      [rowError('CHALLENGE_EXPIRED', 400), 'CHALLENGE_EXPIRED'],
      [rowError('SIGNATURE_INVALID', 400), 'CERTIFICATE_REJECTED'],
      [rowError('DELEGATION_ALREADY_ANSWERED', 409), 'ALREADY_ANSWERED'],
      [new AppError('SERVER_ERROR', 'CHALLENGE_ALREADY_USED'), 'SERVER_ERROR'],
      [new AppError('VALIDATION_FAILED', 'VALIDATION_FAILED'), 'VALIDATION_FAILED']
    ]
    for (const [answer, code] of drops) {
      const s = new DecisionSubmitter({ backoffMs: 1 })
      const { api, sent } = platform([answer])
      const out = await s.submitBatch(api, one(keptBody(s)), new UserAction())
      expect(codes(out), JSON.stringify(answer)).toEqual([code])
      expect(sent).toHaveLength(1)
      expect(s.keptCount).toBe(0)
    }
  })

  it('"already answered" after our own unanswered attempt is success when the platform holds our decision', async () => {
    const lostThenAnswered = (): (AppError | RowError)[] => [
      new AppError('NETWORK_UNREACHABLE'),
      rowError('DELEGATION_ALREADY_ANSWERED', 409)
    ]
    const s = new DecisionSubmitter({ backoffMs: 1 })
    const body = keptBody(s, { ...ITEM, decision: 'MISMATCH', reason: '非本人訂購' })
    const ours = platform(lostThenAnswered(), { status: 'MISMATCH', reason: '非本人訂購' })
    expect(codes(await s.submitBatch(ours.api, one(body), new UserAction()))).toEqual(['MISMATCH'])
    expect(ours.sent).toHaveLength(2)
    expect(s.keptCount).toBe(0)
    // Someone else's answer (another decision or 原因) stays "already answered".
    for (const held of [{ status: 'MATCH' as const }, { status: 'MISMATCH' as const, reason: '其他' }]) {
      const t = new DecisionSubmitter({ backoffMs: 1 })
      const theirs = platform(lostThenAnswered(), held)
      const out = await t.submitBatch(
        theirs.api,
        one(keptBody(t, { ...ITEM, decision: 'MISMATCH', reason: '非本人訂購' })),
        new UserAction()
      )
      expect(codes(out), JSON.stringify(held)).toEqual(['ALREADY_ANSWERED'])
    }
    // On a first attempt the platform's "already answered" is its word: not read back.
    const u = new DecisionSubmitter({ backoffMs: 1 })
    const first = platform([rowError('DELEGATION_ALREADY_ANSWERED', 409)], { status: 'MATCH' })
    expect(codes(await u.submitBatch(first.api, one(keptBody(u)), new UserAction()))).toEqual(['ALREADY_ANSWERED'])
  })

  it('after the deadline nothing more is sent: ACTION_TIMEOUT, the body stays kept (in flight: see test/faults)', async () => {
    const s = new DecisionSubmitter({ backoffMs: 1 })
    const { api, sent } = platform([])
    const body = keptBody(s)
    const late = new UserAction({ budgetMs: 1 })
    await new Promise((r) => setTimeout(r, 20))
    expect(codes(await s.submitBatch(api, one(body), late))).toEqual(['ACTION_TIMEOUT'])
    expect(sent).toHaveLength(0)
    expect(s.keptFor(ITEM)).toBe(body)
  })

  it('one certificate per request: rows signed by different cards are refused before sending', async () => {
    const s = new DecisionSubmitter()
    const { api, sent } = platform([])
    const a = keptBody(s)
    const b = { ...a, certificate: 'b3RoZXI=' }
    await expect(
      s.submitBatch(
        api,
        [
          { id: D.id, body: a },
          { id: 'dlg_abcdefgh02', body: b }
        ],
        new UserAction()
      )
    ).rejects.toMatchObject({ code: 'INTERNAL' })
    expect(sent).toHaveLength(0)
  })
})

describe('refuseMalformed', () => {
  it('refuses an unpaired surrogate in 原因 or 分提單號碼 (TEXT_MALFORMED, the field as detail); a pair is fine', () => {
    expect(refuseMalformed({ houseBillNo: D.houseBillNo, reason: 'a\udc00b' })?.toPayload()).toEqual({
      code: 'TEXT_MALFORMED',
      retriable: false,
      detail: 'reason'
    })
    expect(refuseMalformed({ houseBillNo: 'SF\ud800', reason: '' })).toMatchObject({
      code: 'TEXT_MALFORMED',
      detail: 'houseBillNo'
    })
    expect(refuseMalformed({ houseBillNo: D.houseBillNo, reason: '非本人\ud83d\ude00' })).toBeNull()
    expect(refuseMalformed({ houseBillNo: D.houseBillNo, reason: '' })).toBeNull()
  })
})
