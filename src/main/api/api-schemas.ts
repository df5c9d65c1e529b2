import { z } from 'zod'
import { Confirmation, Profile } from '../../shared/api-types'
import { Delegation } from '../../shared/delegation'

// Response shapes that stay inside main (they carry the session token or signing nonces).

const IsoDateTime = z.string().datetime({ offset: true })

export const SessionResponse = z.object({
  token: z.string().min(16),
  tokenType: z.literal('Bearer'),
  expiresAt: IsoDateTime,
  idleTimeoutSeconds: z.number().int(),
  via: z.enum(['password', 'certificate']),
  profile: Profile
})

export const CurrentSessionResponse = z.object({
  createdAt: IsoDateTime,
  expiresAt: IsoDateTime,
  via: z.enum(['password', 'certificate']),
  profile: Profile
})

export const ChallengeResponse = z.object({
  challengeId: z.string().regex(/^ch_[A-Za-z0-9_-]{22}$/),
  nonce: z
    .string()
    .min(44)
    .max(128)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/),
  purpose: z.enum(['login', 'registration', 'enable-certificate', 'decision']),
  expiresAt: IsoDateTime
})
export type ChallengeResponse = z.infer<typeof ChallengeResponse>

export const DecisionResult = z.object({ delegation: Delegation, confirmation: Confirmation })
export type DecisionResult = z.infer<typeof DecisionResult>

/**
 * One row's error in a batch answer: the error the single-row operation would have given
 * (`status` = its HTTP status), mapped like one (error-mapping.ts errorFromRow).
 */
export const RowError = z.object({
  code: z.string(),
  message: z.string(),
  retriable: z.boolean(),
  status: z.number().int().min(400).max(599)
})
export type RowError = z.infer<typeof RowError>

/** Answer of prepareDecisions: per requested id, in order, the delegation + a decision challenge, or the row's error. */
export const PrepareDecisionsResult = z.object({
  items: z.array(
    z.discriminatedUnion('ok', [
      z.object({ delegationId: z.string(), ok: z.literal(true), delegation: Delegation, challenge: ChallengeResponse }),
      z.object({ delegationId: z.string(), ok: z.literal(false), delegation: Delegation.nullable(), error: RowError })
    ])
  )
})
export type PrepareDecisionsResult = z.infer<typeof PrepareDecisionsResult>

/** Answer of decideDelegations: per row, in order, the recorded decision (or its replay) or the row's error. */
export const DecisionBatchResult = z.object({
  items: z.array(
    z.discriminatedUnion('ok', [
      z.object({
        delegationId: z.string(),
        ok: z.literal(true),
        replayed: z.boolean(),
        delegation: Delegation,
        confirmation: Confirmation
      }),
      z.object({ delegationId: z.string(), ok: z.literal(false), error: RowError })
    ])
  )
})
export type DecisionBatchResult = z.infer<typeof DecisionBatchResult>

export const HealthResponse = z.object({
  status: z.literal('ok'),
  time: IsoDateTime,
  origin: z.string(),
  apiVersion: z.string()
})

export const SyncPage = z.object({
  changes: z.array(Delegation),
  nextCursor: z.string(),
  hasMore: z.boolean()
})
export type SyncPage = z.infer<typeof SyncPage>

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    retriable: z.boolean(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional()
  })
})
