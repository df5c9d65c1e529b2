// Login (password or citizen certificate), current session, logout.
import type { FastifyInstance } from 'fastify'
import type { Ctx } from '../context'
import type { AccountRow } from '../db'
import { ApiError } from '../errors'
import { checkPassword, hashPassword } from '../passwords'
import { buildAuthSignedData } from '../protocol'
import { createSession, endSession, requireSession } from '../sessions'
import { audited, checkNationalIdDigits, verifySigned, type SignedInput } from '../signed'
import { profileView } from '../views'
import { route } from './route'

const DUMMY_HASH = hashPassword('not-a-real-password-1A')

/** Checks a password against the account, applying the consecutive-failure lockout. */
export function checkAccountPassword(ctx: Ctx, account: AccountRow, password: string, wrongCode: 'INVALID_CREDENTIALS' | 'INVALID_OLD_PASSWORD'): void {
  const now = ctx.now()
  if (account.locked_until && Date.parse(account.locked_until) > now.getTime()) {
    const seconds = Math.ceil((Date.parse(account.locked_until) - now.getTime()) / 1000)
    throw new ApiError('ACCOUNT_LOCKED', `account is locked after repeated wrong passwords; try again in ${Math.ceil(seconds / 60)} min`, undefined, seconds)
  }
  if (checkPassword(password, account.password_hash)) {
    ctx.db.prepare(`UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?`).run(account.id)
    return
  }
  const failures = account.failed_logins + 1
  if (failures >= ctx.limits.lockoutThreshold) {
    const until = new Date(now.getTime() + ctx.limits.lockoutMs)
    ctx.db.prepare(`UPDATE accounts SET failed_logins = 0, locked_until = ? WHERE id = ?`).run(until.toISOString(), account.id)
    throw new ApiError('ACCOUNT_LOCKED', `too many wrong passwords; account locked for ${Math.round(ctx.limits.lockoutMs / 60000)} min`, undefined, Math.ceil(ctx.limits.lockoutMs / 1000))
  }
  ctx.db.prepare(`UPDATE accounts SET failed_logins = ? WHERE id = ?`).run(failures, account.id)
  const left = ctx.limits.lockoutThreshold - failures
  throw new ApiError(wrongCode, wrongCode === 'INVALID_CREDENTIALS' ? `wrong account or password (${left} attempts left before lockout)` : `wrong current password (${left} attempts left before lockout)`)
}

export function sessionRoutes(app: FastifyInstance, ctx: Ctx): void {
  route<{ account: string; password: string }>(app, ctx, 'createPasswordSession', ({ body, request }) => {
    const ipKey = `pw:ip:${request.ip}`
    if (ctx.limiter.hit(ipKey, ctx.limits.passwordIpWindowMs) > ctx.limits.passwordAttemptsPerIp) {
      throw new ApiError('RATE_LIMITED', 'too many login attempts from this address', undefined, ctx.limiter.retryAfter(ipKey, ctx.limits.passwordIpWindowMs))
    }
    const account = ctx.db.prepare(`SELECT * FROM accounts WHERE account = ?`).get(body.account) as AccountRow | undefined
    if (!account) {
      checkPassword(body.password, DUMMY_HASH) // same timing as a real check
      throw new ApiError('INVALID_CREDENTIALS', 'wrong account or password')
    }
    checkAccountPassword(ctx, account, body.password, 'INVALID_CREDENTIALS')
    return { status: 201, body: { ...createSession(ctx, account, 'password'), profile: profileView(account) } }
  })

  route<SignedInput>(app, ctx, 'createCertificateSession', ({ body, request }) => {
    const audit = { action: 'session.certificate', ip: request.ip, rateKey: `sig:ip:${request.ip}` }
    const account = audited(ctx, audit, (a) => {
      const { cert } = verifySigned(ctx, body, 'login', {}, (nonce) => buildAuthSignedData(ctx.origin, nonce), a)
      const acc = ctx.db.prepare(`SELECT * FROM accounts WHERE cert_card_serial = ? AND cert_enabled = 1`).get(cert.cardSerial) as AccountRow | undefined
      if (!acc) throw new ApiError('CERTIFICATE_NOT_BOUND', 'this card is not registered; register it first (自然人憑證註冊)')
      a.accountId = acc.id
      checkNationalIdDigits(cert, acc.national_id)
      return acc
    })
    return { status: 201, body: { ...createSession(ctx, account, 'certificate'), profile: profileView(account) } }
  })

  route(app, ctx, 'getCurrentSession', ({ request }) => {
    const s = requireSession(ctx, request)
    return { status: 200, body: { createdAt: s.session.created_at, expiresAt: s.expiresAt, via: s.session.via, profile: profileView(s.account) } }
  })

  route(app, ctx, 'deleteCurrentSession', ({ request }) => {
    const s = requireSession(ctx, request)
    endSession(ctx, s.session.id)
    return { status: 204 }
  })
}
