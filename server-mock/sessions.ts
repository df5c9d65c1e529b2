// Bearer-token sessions: idle timeout extended by activity, capped by an absolute lifetime.
import { randomBytes } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { Ctx } from './context'
import type { AccountRow } from './db'
import { ApiError } from './errors'
import { randomId, sha256Hex } from './ids'

interface SessionRow {
  id: string
  token_hash: string
  account_id: number
  via: 'password' | 'certificate'
  created_at: string
  last_seen_at: string
  revoked_at: string | null
}

export interface AuthedSession {
  session: SessionRow
  account: AccountRow
  expiresAt: string
}

function expiry(ctx: Ctx, s: Pick<SessionRow, 'created_at' | 'last_seen_at'>): number {
  return Math.min(
    Date.parse(s.last_seen_at) + ctx.limits.sessionIdleMs,
    Date.parse(s.created_at) + ctx.limits.sessionAbsoluteMs
  )
}

export function createSession(ctx: Ctx, account: AccountRow, via: 'password' | 'certificate') {
  const token = randomBytes(32).toString('base64url')
  const now = ctx.nowIso()
  ctx.db
    .prepare(
      `INSERT INTO sessions (id, token_hash, account_id, via, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)`
    )
    .run(randomId('ses'), sha256Hex(token), account.id, via, now, now)
  return {
    token,
    tokenType: 'Bearer' as const,
    expiresAt: new Date(expiry(ctx, { created_at: now, last_seen_at: now })).toISOString(),
    idleTimeoutSeconds: Math.floor(ctx.limits.sessionIdleMs / 1000),
    via
  }
}

function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization
  if (!h) return null
  const m = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(h)
  if (!m) throw new ApiError('UNAUTHENTICATED', 'malformed Authorization header; expected "Bearer <token>"')
  return m[1] ?? null
}

/** The session of the request's bearer token, or null when there is no Authorization header. */
export function optionalSession(ctx: Ctx, request: FastifyRequest): AuthedSession | null {
  const token = bearer(request)
  if (token === null) return null
  const session = ctx.db.prepare(`SELECT * FROM sessions WHERE token_hash = ?`).get(sha256Hex(token)) as
    SessionRow | undefined
  if (!session || session.revoked_at) throw new ApiError('UNAUTHENTICATED', 'unknown or ended session')
  const now = ctx.now().getTime()
  if (now >= expiry(ctx, session)) throw new ApiError('SESSION_EXPIRED', 'session expired; log in again')
  const nowIso = ctx.nowIso()
  ctx.db.prepare(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`).run(nowIso, session.id)
  session.last_seen_at = nowIso
  const account = ctx.db.prepare(`SELECT * FROM accounts WHERE id = ?`).get(session.account_id) as AccountRow
  return { session, account, expiresAt: new Date(expiry(ctx, session)).toISOString() }
}

export function requireSession(ctx: Ctx, request: FastifyRequest): AuthedSession {
  const s = optionalSession(ctx, request)
  if (!s) throw new ApiError('UNAUTHENTICATED', 'this operation needs "Authorization: Bearer <token>"')
  return s
}

export function endSession(ctx: Ctx, sessionId: string): void {
  ctx.db.prepare(`UPDATE sessions SET revoked_at = ? WHERE id = ?`).run(ctx.nowIso(), sessionId)
}
