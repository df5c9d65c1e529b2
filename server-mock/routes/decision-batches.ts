// Batch forms of the confirmation operations (issue 17 item 4): prepareDecisions (read N
// delegations + issue N decision challenges) and decideDelegations (N signed decisions, one
// certificate, per-row idempotency keys and per-row results). Each row is judged exactly as the
// single-row operations judge it (routes/delegations.ts, routes/challenges.ts); only request-shape
// and session problems fail a request whole.
import type { FastifyInstance } from 'fastify'
import { verifyCitizenCertificate, type VerifiedCertificate } from '../certs'
import { issueChallenges } from '../challenges'
import type { Ctx } from '../context'
import { writeAudit, type DelegationRow } from '../db'
import { ApiError } from '../errors'
import type { Decision } from '../protocol'
import { requireSession } from '../sessions'
import { checkNationalIdDigits, countsAsSignatureFailure, strictBase64, verifyRowSignature } from '../signed'
import { delegationView } from '../views'
import {
  commitDecision,
  decisionRequestHash,
  decisionStatementFor,
  loadDelegation,
  normalizeReason,
  storedDecision
} from './delegations'
import { route } from './route'

/** Body limit of decideDelegations: 100 rows of up to ~2.5 KB each (openapi.yaml). */
const BATCH_BODY_LIMIT = 256 * 1024

interface RowError {
  code: string
  message: string
  retriable: boolean
  status: number
}

interface BatchItem {
  delegationId: string
  decision: Decision
  reason?: string
  challengeId: string
  signature: string
  idempotencyKey: string
}

interface BatchBody {
  certificate: string
  algorithm?: string
  items: BatchItem[]
}

function rowError(err: unknown): RowError {
  if (!(err instanceof ApiError)) throw err
  return { code: err.code, message: err.message, retriable: err.retriable, status: err.status }
}

/** 400 VALIDATION_FAILED naming the first repeated value of `values`. */
function distinct(values: string[], path: (i: number) => string, what: string): void {
  const seen = new Set<string>()
  values.forEach((v, i) => {
    if (seen.has(v))
      throw new ApiError('VALIDATION_FAILED', `${what} must be distinct`, [
        { path: path(i), message: `repeats an earlier ${what}` }
      ])
    seen.add(v)
  })
}

const NOT_ENABLED =
  'this account has not enabled citizen-certificate confirmation (use EZWay or enable it in the profile)'

export function decisionBatchRoutes(app: FastifyInstance, ctx: Ctx): void {
  route<{ delegationIds: string[] }>(app, ctx, 'prepareDecisions', ({ body, request }) => {
    const s = requireSession(ctx, request)
    distinct(body.delegationIds, (i) => `/body/delegationIds/${i}`, 'delegation id')
    if (s.account.cert_enabled !== 1) throw new ApiError('CERTIFICATE_NOT_ENABLED', NOT_ENABLED)
    const byId = ctx.db.prepare(`SELECT * FROM delegations WHERE id = ? AND national_id = ?`)
    const rows = body.delegationIds.map((id) => {
      const d = byId.get(id, s.account.national_id) as DelegationRow | undefined
      if (!d)
        return {
          id,
          d: null,
          error: rowError(new ApiError('DELEGATION_NOT_FOUND', 'no such delegation for this account'))
        }
      if (d.status !== 'PENDING')
        return {
          id,
          d,
          error: rowError(new ApiError('DELEGATION_ALREADY_ANSWERED', `delegation was already answered (${d.status})`))
        }
      return { id, d, error: null }
    })
    const ready = rows.filter((r) => r.error === null)
    // The same per-address limit as createChallenge, counted per challenge; refused whole before any is issued.
    const rateKey = `challenge:ip:${request.ip}`
    const windowMs = ctx.limits.challengeIpWindowMs
    if (ctx.limiter.count(rateKey, windowMs) + ready.length > ctx.limits.challengesPerIp) {
      ctx.limiter.hit(rateKey, windowMs)
      throw new ApiError(
        'RATE_LIMITED',
        'too many challenges requested',
        undefined,
        ctx.limiter.retryAfter(rateKey, windowMs)
      )
    }
    ctx.limiter.hit(rateKey, windowMs, ready.length)
    const challenges = issueChallenges(
      ctx,
      'decision',
      ready.map((r) => ({ sessionId: s.session.id, delegationId: r.id }))
    )
    let next = 0
    const items = rows.map((r) => {
      if (r.error !== null)
        return { delegationId: r.id, ok: false, delegation: r.d ? delegationView(r.d) : null, error: r.error }
      return {
        delegationId: r.id,
        ok: true,
        delegation: delegationView(r.d as DelegationRow),
        challenge: challenges[next++]
      }
    })
    return { status: 200, body: { items } }
  })

  route<BatchBody>(
    app,
    ctx,
    'decideDelegations',
    ({ body, request }) => {
      const s = requireSession(ctx, request)
      distinct(
        body.items.map((i) => i.delegationId),
        (i) => `/body/items/${i}/delegationId`,
        'delegation id'
      )
      distinct(
        body.items.map((i) => i.idempotencyKey),
        (i) => `/body/items/${i}/idempotencyKey`,
        'idempotency key'
      )
      const rateKey = `sig:session:${s.session.id}`
      const windowMs = ctx.limits.signatureFailureWindowMs
      let counted = false
      // The one certificate, verified at most once per request (only if some row is not a replay).
      let cert: VerifiedCertificate | ApiError | undefined
      const certificate = (): VerifiedCertificate => {
        if (cert === undefined) {
          try {
            if (body.algorithm !== undefined && body.algorithm !== 'RS256')
              throw new ApiError('UNSUPPORTED_ALGORITHM', 'only RS256 is supported')
            const v = verifyCitizenCertificate(strictBase64(body.certificate, 'certificate'), ctx.trust, ctx.now())
            checkNationalIdDigits(v, s.account.national_id)
            if (v.cardSerial !== s.account.cert_card_serial)
              throw new ApiError('CERTIFICATE_NOT_BOUND', 'this card is not the one bound to the account')
            cert = v
          } catch (err) {
            if (!(err instanceof ApiError)) throw err
            cert = err
          }
        }
        if (cert instanceof ApiError) throw cert
        return cert
      }

      const items = body.items.map((item, i) => {
        const requestHash = decisionRequestHash(item.delegationId, item.decision, item.reason)
        const audit = {
          action: 'delegation.decision',
          accountId: s.account.id,
          delegationId: item.delegationId,
          decision: item.decision,
          ip: request.ip
        }
        let v: VerifiedCertificate | null = null
        try {
          // A key that already recorded this row answers first: a retried request is a success per row.
          const stored = storedDecision(ctx, s.account.id, item.idempotencyKey, requestHash)
          if (stored)
            return { delegationId: item.delegationId, ok: true, replayed: true, ...(stored.response as object) }
          const d = loadDelegation(ctx, item.delegationId, s.account.national_id)
          if (s.account.cert_enabled !== 1) throw new ApiError('CERTIFICATE_NOT_ENABLED', NOT_ENABLED)
          if (d.status !== 'PENDING')
            throw new ApiError('DELEGATION_ALREADY_ANSWERED', `delegation was already answered (${d.status})`)
          const reason = normalizeReason(item.decision, item.reason)
          if (ctx.limiter.count(rateKey, windowMs) >= ctx.limits.signatureFailuresMax) {
            throw new ApiError('RATE_LIMITED', 'too many failed signature attempts; try again later')
          }
          v = certificate()
          const signed = verifyRowSignature(
            ctx,
            v,
            item,
            'decision',
            { sessionId: s.session.id, delegationId: d.id },
            decisionStatementFor(ctx, d, item.decision, reason),
            `items/${i}/signature`
          )
          const result = commitDecision(
            ctx,
            s.account,
            d,
            item.decision,
            reason,
            signed,
            item.idempotencyKey,
            requestHash
          )
          writeAudit(ctx.db, {
            ...audit,
            ...certAudit(v),
            challengeId: item.challengeId,
            at: ctx.nowIso(),
            outcome: 'OK',
            detail: null
          })
          return { delegationId: item.delegationId, ok: true, replayed: false, ...result }
        } catch (err) {
          const e = rowError(err)
          writeAudit(ctx.db, {
            ...audit,
            ...(v ? certAudit(v) : {}),
            challengeId: item.challengeId,
            at: ctx.nowIso(),
            outcome: e.code,
            detail: e.message
          })
          // Failed signature checks count once per request towards the limit (not once per row).
          if (!counted && countsAsSignatureFailure(e.code)) {
            ctx.limiter.hit(rateKey, windowMs)
            counted = true
          }
          return { delegationId: item.delegationId, ok: false, error: e }
        }
      })
      return { status: 200, body: { items } }
    },
    { bodyLimit: BATCH_BODY_LIMIT }
  )
}

function certAudit(v: VerifiedCertificate) {
  return { certSerial: v.cert.serialHex, cardSerial: v.cardSerial, certFingerprint: v.cert.fingerprint256 }
}
