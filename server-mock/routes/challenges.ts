import type { FastifyInstance } from 'fastify'
import { issueChallenge } from '../challenges'
import type { Ctx } from '../context'
import type { DelegationRow } from '../db'
import { ApiError } from '../errors'
import type { ChallengePurpose } from '../protocol'
import { requireSession } from '../sessions'
import { route } from './route'
import { loadRegistration } from './registrations'

interface ChallengeBody {
  purpose: ChallengePurpose
  registrationId?: string
  delegationId?: string
}

function forbidField(body: ChallengeBody, field: 'registrationId' | 'delegationId'): void {
  if (body[field] !== undefined) {
    throw new ApiError('VALIDATION_FAILED', `${field} is not allowed for purpose "${body.purpose}"`, [
      { path: `/body/${field}`, message: 'is not allowed for this purpose' }
    ])
  }
}

function requireField(body: ChallengeBody, field: 'registrationId' | 'delegationId'): string {
  const v = body[field]
  if (v === undefined)
    throw new ApiError('VALIDATION_FAILED', `${field} is required for purpose "${body.purpose}"`, [
      { path: `/body/${field}`, message: 'is required' }
    ])
  return v
}

export function challengeRoutes(app: FastifyInstance, ctx: Ctx): void {
  route<ChallengeBody>(app, ctx, 'createChallenge', ({ body, request }) => {
    const rateKey = `challenge:ip:${request.ip}`
    if (ctx.limiter.hit(rateKey, ctx.limits.challengeIpWindowMs) > ctx.limits.challengesPerIp) {
      throw new ApiError(
        'RATE_LIMITED',
        'too many challenges requested',
        undefined,
        ctx.limiter.retryAfter(rateKey, ctx.limits.challengeIpWindowMs)
      )
    }
    let challenge
    switch (body.purpose) {
      case 'login':
        forbidField(body, 'registrationId')
        forbidField(body, 'delegationId')
        challenge = issueChallenge(ctx, 'login', {})
        break
      case 'registration': {
        forbidField(body, 'delegationId')
        const reg = loadRegistration(ctx, requireField(body, 'registrationId'))
        if (reg.state === 'COMPLETED') throw new ApiError('REGISTRATION_STATE', 'registration is already completed')
        challenge = issueChallenge(ctx, 'registration', { registrationId: reg.id })
        break
      }
      case 'enable-certificate': {
        forbidField(body, 'registrationId')
        forbidField(body, 'delegationId')
        const s = requireSession(ctx, request)
        challenge = issueChallenge(ctx, 'enable-certificate', { sessionId: s.session.id })
        break
      }
      case 'decision': {
        forbidField(body, 'registrationId')
        const delegationId = requireField(body, 'delegationId')
        const s = requireSession(ctx, request)
        const d = ctx.db
          .prepare(`SELECT * FROM delegations WHERE id = ? AND national_id = ?`)
          .get(delegationId, s.account.national_id) as DelegationRow | undefined
        if (!d) throw new ApiError('DELEGATION_NOT_FOUND', 'no such delegation for this account')
        if (s.account.cert_enabled !== 1)
          throw new ApiError(
            'CERTIFICATE_NOT_ENABLED',
            'this account has not enabled citizen-certificate confirmation (use EZWay or enable it in the profile)'
          )
        if (d.status !== 'PENDING')
          throw new ApiError('DELEGATION_ALREADY_ANSWERED', `delegation was already answered (${d.status})`)
        challenge = issueChallenge(ctx, 'decision', { sessionId: s.session.id, delegationId: d.id })
        break
      }
    }
    return { status: 201, body: challenge }
  })
}
