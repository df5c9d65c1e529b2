import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/errors'
import type { CardProgress } from '../../src/shared/ipc-contract'
import type { PlatformClient } from '../../src/main/api/platform-client'
import type { CardOperations } from '../../src/main/card/card-operations'
import { createPlatformHandlers } from '../../src/main/core/platform-handlers'

// Issue 17's small bug: card progress said 'login' for every operation (its final 'done' event was
// hard-coded). Stand-in platform client and card; the real ones are covered on the rig.

const TICKET = 'T'.repeat(43)
const signature = { certificate: 'Y2VydA==', signature: 'c2ln', algorithm: 'RS256' as const }

function setup(fail: boolean) {
  const events: CardProgress[] = []
  const api = {
    origin: 'https://127.0.0.1:1',
    challenge: async () => ({ challengeId: 'ch_1', nonce: 'n'.repeat(44) }),
    enableCertificate: async () => ({ account: 'demo' }),
    verifyIdentity: async () => ({ registrationId: 'reg_1' })
  } as unknown as PlatformClient
  const card: CardOperations = {
    promptPin: async () => {
      throw new Error('not used')
    },
    authenticate: async () => {
      if (fail) throw new AppError('CARD_CHANGED')
      return signature
    },
    signDecisionStream: async () => undefined,
    cancel: () => undefined
  }
  const handlers = createPlatformHandlers({
    api,
    card,
    progress: (p) => events.push(p),
    apiStatus: () => ({ state: 'online', checkedAt: '' }) as never
  })
  return { handlers, events }
}

describe('card progress names the running operation', () => {
  for (const fail of [false, true]) {
    it(`enable-certificate and registration report their own operation in every event, 'done' included (${fail ? 'card error' : 'success'})`, async () => {
      const { handlers, events } = setup(fail)
      await handlers['profile:enableCertificate']({ pin: '123456', ticket: TICKET }).catch(() => undefined)
      await handlers['registration:verifyIdentity']({
        registrationId: `reg_${'a'.repeat(22)}`,
        nationalId: 'A123456789',
        pin: '123456',
        ticket: TICKET
      }).catch(() => undefined)
      const ops = events.map((e) => `${e.operation}:${e.stage}`)
      expect(ops.filter((o) => o.endsWith(':done'))).toEqual(['enable-certificate:done', 'registration:done'])
      expect(events.some((e) => e.operation === 'login')).toBe(false)
    })
  }
})
