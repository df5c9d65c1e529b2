import { describe, expect, it } from 'vitest'
import type { PrepareDecisionsResult } from '../../src/main/api/api-schemas'
import type { PlatformClient } from '../../src/main/api/platform-client'
import type { CardOperations } from '../../src/main/card/card-operations'
import { decideBatch } from '../../src/main/core/decision-pipeline'
import { UserAction } from '../../src/main/core/user-action'
import type { Delegation } from '../../src/shared/delegation'
import { delegation } from './delegation-fixture'

// Fault: a real card is slow (a MOICA card takes about 0.3–1 s per RSA-2048 signature, so 200 rows
// take minutes), and a batch's card time must not count against the platform's action budget
// (UserAction.extend: "time spent on the card … is not the platform's budget"). Stand-in platform
// and a stand-in card that takes CHUNK_MS per chunk; the action's budget is shorter than the
// card's total time, longer than any single platform request.

const CHUNK_MS = 60
const BUDGET_MS = 250

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `dlg_${String(i).padStart(16, '0')}`)

describe('batch on a slow card (card time is not the platform budget)', () => {
  it('every row signed by the card is submitted even when signing outlasts the action budget', async () => {
    const decided: string[] = []
    const api = {
      origin: 'https://platform.example',
      prepareDecisions: async (rows: string[]): Promise<PrepareDecisionsResult> => ({
        items: rows.map((id) => ({
          delegationId: id,
          ok: true as const,
          delegation: delegation(id),
          challenge: {
            challengeId: `ch_${id.slice(-22).padStart(22, 'x')}`,
            nonce: 'n'.repeat(44),
            purpose: 'decision' as const,
            expiresAt: '2026-03-02T00:05:00.000Z'
          }
        }))
      }),
      decideDelegations: async (body: { items: { delegationId: string; decision: Delegation['status'] }[] }) => {
        decided.push(...body.items.map((r) => r.delegationId))
        return {
          items: body.items.map((r) => ({
            delegationId: r.delegationId,
            ok: true as const,
            replayed: false,
            delegation: { ...delegation(r.delegationId), status: r.decision },
            confirmation: { id: 1 }
          }))
        }
      }
    } as unknown as PlatformClient
    let signedRows = 0
    const card: CardOperations = {
      authenticate: async () => {
        throw new Error('not used')
      },
      promptPin: async () => {
        throw new Error('not used')
      },
      signDecisionStream: async (source, _pin, onSigned) => {
        let k = 0
        for await (const items of source) {
          await new Promise((r) => setTimeout(r, CHUNK_MS)) // the card signs this chunk
          signedRows += items.length
          onSigned(
            k++,
            items.map((f) => ({
              ok: true as const,
              value: {
                certificate: 'Y2VydA==',
                signature: Buffer.from(f.delegationId).toString('base64'),
                algorithm: 'RS256' as const
              }
            }))
          )
        }
      },
      cancel: () => undefined
    }
    const rows = ids(80) // 10 chunks of 8: ≈ 600 ms of card time, budget 250 ms
    const action = new UserAction({ budgetMs: BUDGET_MS })
    try {
      const out = await decideBatch(
        api,
        card,
        rows.map((id) => ({ id, houseBillNo: `HB${id.slice(-4)}`, decision: 'MATCH' as const, reason: '' })),
        { pin: '123456', ticket: 'T'.repeat(43) },
        () => undefined,
        { action, signChunk: 8, firstChunk: 8 }
      )
      const failed = out.filter((o) => !o.ok).map((o) => (o.ok ? '' : o.error.code))
      expect({ failed: failed.length, codes: [...new Set(failed)] }).toEqual({ failed: 0, codes: [] })
      expect(signedRows).toBe(80)
      expect([...decided].sort()).toEqual(rows)
    } finally {
      action.finish()
    }
  })
})
