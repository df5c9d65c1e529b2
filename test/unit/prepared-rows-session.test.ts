import { describe, expect, it } from 'vitest'
import type { DecisionBatchResult, PrepareDecisionsResult } from '../../src/main/api/api-schemas'
import type { DecisionBatchBody, PlatformClient } from '../../src/main/api/platform-client'
import type { CardOperations, DecisionFields } from '../../src/main/card/card-operations'
import { createPlatformHandlers } from '../../src/main/core/platform-handlers'
import type { Confirmation } from '../../src/shared/api-types'
import type { Delegation } from '../../src/shared/delegation'
import { delegation as fixture } from './delegation-fixture'

// Rows prepared while a PIN dialog is open belong to the platform session that asked for them:
// after a login (the same desk, another account) or a logout, decideBatch never signs a challenge
// of the earlier session. Stand-in platform (challenges named after the session that got them)
// and card (records the statements it was asked to sign), through the real IPC handlers.

const ID = 'dlg_0000000000000001'
const HB = 'HB0001'

const delegation = (status: Delegation['status'] = 'PENDING'): Delegation => fixture(ID, status, HB)

function setup() {
  let session = 'A'
  let n = 0
  const profile = (account: string) => ({ account, nationalIdMasked: 'A12****789' })
  const submitted: string[] = []
  const api = {
    origin: 'https://platform.example',
    loginPassword: async (account: string) => {
      session = account
      return { via: 'password', expiresAt: '2030-01-01T00:00:00.000Z', profile: profile(account) }
    },
    logout: async () => {
      session = ''
    },
    prepareDecisions: async (ids: string[]): Promise<PrepareDecisionsResult> => ({
      items: ids.map((id) => ({
        delegationId: id,
        ok: true as const,
        delegation: delegation(),
        challenge: {
          challengeId: `ch_${session}${String(n++)}`.padEnd(25, 'x'),
          nonce: Buffer.alloc(32, session).toString('base64'),
          purpose: 'decision' as const,
          expiresAt: '2030-01-01T00:05:00.000Z'
        }
      }))
    }),
    decideDelegations: async (body: DecisionBatchBody): Promise<DecisionBatchResult> => ({
      items: body.items.map((row) => {
        submitted.push(row.challengeId)
        return {
          delegationId: row.delegationId,
          ok: true as const,
          replayed: false,
          delegation: { ...delegation(), status: row.decision },
          confirmation: { id: 1 } as unknown as Confirmation
        }
      })
    })
  } as unknown as PlatformClient
  const signed: DecisionFields[] = []
  const card: CardOperations = {
    promptPin: async () => {
      throw new Error('not used')
    },
    authenticate: async () => {
      throw new Error('not used')
    },
    signDecisionStream: async (source, _pin, onSigned) => {
      let k = 0
      for await (const chunk of source) {
        signed.push(...chunk)
        onSigned(
          k++,
          chunk.map(() => ({ ok: true, value: { certificate: 'Y2VydA==', signature: 'c2ln', algorithm: 'RS256' } }))
        )
      }
    },
    cancel: () => undefined
  }
  const handlers = createPlatformHandlers({
    api,
    card,
    progress: () => undefined,
    apiStatus: () => ({ state: 'online', checkedAt: '' }) as never
  })
  return { handlers, signed, submitted }
}

const decide = { items: [{ id: ID, houseBillNo: HB, decision: 'MATCH' as const, reason: '' }], pin: '123456' }
const TICKET = 'T'.repeat(43)

describe('rows prepared ahead belong to the session that prepared them', () => {
  it('a login as another account in between: the decision is signed with the new session’s challenge', async () => {
    const { handlers, signed, submitted } = setup()
    expect(await handlers['delegations:prepareBatch']({ ids: [ID] })).toEqual({ prepared: 1 })
    await handlers['session:loginPassword']({ account: 'B', password: 'x' })
    const out = await handlers['delegations:decideBatch']({ ...decide, ticket: TICKET })
    expect(out.results.map((r) => r.ok)).toEqual([true])
    expect(signed.map((f) => f.nonce)).toEqual([Buffer.alloc(32, 'B').toString('base64')])
    expect(submitted.every((c) => c.startsWith('ch_B'))).toBe(true)
  })

  it('a logout in between: nothing prepared before it is used after it', async () => {
    const { handlers, signed, submitted } = setup()
    await handlers['delegations:prepareBatch']({ ids: [ID] }) // challenge ch_A0 (the old session)
    await handlers['session:logout']({})
    await handlers['session:loginPassword']({ account: 'A', password: 'x' })
    await handlers['delegations:decideBatch']({ ...decide, ticket: TICKET })
    expect(signed).toHaveLength(1)
    expect(signed[0]?.nonce).toBe(Buffer.alloc(32, 'A').toString('base64'))
    expect(signed[0]).toMatchObject({ delegationId: ID, houseBillNo: HB, origin: 'https://platform.example' })
    expect(submitted).toEqual(['ch_A1'.padEnd(25, 'x')]) // prepared anew in the new session
  })
})
