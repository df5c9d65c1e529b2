// Challenge nonces: 32 random bytes (base64, 44 chars), 5-minute lifetime, single use, bound to a
// purpose and to the session / registration (and delegation) that asked for them.
import { randomBytes } from 'node:crypto'
import type { Ctx } from './context'
import { ApiError } from './errors'
import { randomId } from './ids'
import { NONCE_BYTES, type ChallengePurpose } from './protocol'

export interface ChallengeBinding {
  sessionId?: string | null
  registrationId?: string | null
  delegationId?: string | null
}

interface ChallengeRow {
  id: string
  nonce: string
  purpose: ChallengePurpose
  session_id: string | null
  registration_id: string | null
  delegation_id: string | null
  created_at: string
  expires_at: string
  used_at: string | null
}

export function issueChallenge(ctx: Ctx, purpose: ChallengePurpose, binding: ChallengeBinding) {
  return issueChallenges(ctx, purpose, [binding])[0] as IssuedChallenge
}

export interface IssuedChallenge {
  challengeId: string
  nonce: string
  purpose: ChallengePurpose
  expiresAt: string
}

/** Issues one challenge per binding in one transaction (the batch form used by prepareDecisions). */
export function issueChallenges(
  ctx: Ctx,
  purpose: ChallengePurpose,
  bindings: readonly ChallengeBinding[]
): IssuedChallenge[] {
  const now = ctx.now()
  const expiresAt = new Date(now.getTime() + ctx.limits.challengeLifetimeMs).toISOString()
  const insert = ctx.db.prepare(
    `INSERT INTO challenges (id, nonce, purpose, session_id, registration_id, delegation_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
  )
  return ctx.db.transaction(() => {
    // Housekeeping: forget challenges that expired more than an hour ago.
    ctx.db.prepare(`DELETE FROM challenges WHERE expires_at < ?`).run(new Date(now.getTime() - 3_600_000).toISOString())
    return bindings.map((binding) => {
      const id = randomId('ch')
      const nonce = randomBytes(NONCE_BYTES).toString('base64')
      insert.run(
        id,
        nonce,
        purpose,
        binding.sessionId ?? null,
        binding.registrationId ?? null,
        binding.delegationId ?? null,
        now.toISOString(),
        expiresAt
      )
      return { challengeId: id, nonce, purpose, expiresAt }
    })
  })()
}

/**
 * Marks the challenge used and returns its nonce. A challenge presented by someone it is not bound
 * to is refused without being consumed; otherwise it is consumed by the attempt, success or not.
 */
export function consumeChallenge(
  ctx: Ctx,
  challengeId: string,
  purpose: ChallengePurpose,
  binding: ChallengeBinding
): { id: string; nonce: string } {
  const row = ctx.db.prepare(`SELECT * FROM challenges WHERE id = ?`).get(challengeId) as ChallengeRow | undefined
  if (!row) throw new ApiError('CHALLENGE_NOT_FOUND', 'unknown challenge; request a new one')
  if (row.purpose !== purpose)
    throw new ApiError('CHALLENGE_PURPOSE_MISMATCH', `challenge was issued for "${row.purpose}", not "${purpose}"`)
  if (
    (row.session_id ?? null) !== (binding.sessionId ?? null) ||
    (row.registration_id ?? null) !== (binding.registrationId ?? null) ||
    (row.delegation_id ?? null) !== (binding.delegationId ?? null)
  ) {
    throw new ApiError('CHALLENGE_BINDING_MISMATCH', 'challenge belongs to another session, registration or delegation')
  }
  if (row.used_at) throw new ApiError('CHALLENGE_ALREADY_USED', 'challenge was already used; request a new one')
  const now = ctx.now()
  if (now.getTime() >= Date.parse(row.expires_at))
    throw new ApiError('CHALLENGE_EXPIRED', 'challenge expired; request a new one')
  const res = ctx.db
    .prepare(`UPDATE challenges SET used_at = ? WHERE id = ? AND used_at IS NULL`)
    .run(now.toISOString(), row.id)
  if (res.changes !== 1) throw new ApiError('CHALLENGE_ALREADY_USED', 'challenge was already used; request a new one')
  return { id: row.id, nonce: row.nonce }
}
