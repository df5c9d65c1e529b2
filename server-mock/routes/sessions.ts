// Login (password or citizen certificate), current session, logout.
import type { FastifyInstance } from 'fastify'
import type { Ctx } from '../context'
import type { AccountRow } from '../db'
import { ApiError } from '../errors'
import { LoginThrottle } from '../login-throttle'
import { checkPassword, hashPassword } from '../passwords'
import { buildAuthSignedData } from '../protocol'
import { createSession, endSession, requireSession } from '../sessions'
import { audited, checkNationalIdDigits, verifySigned, type SignedInput } from '../signed'
import { profileView } from '../views'
import { route } from './route'

const DUMMY_HASH = hashPassword('not-a-real-password-1A')

/**
 * Checks a password with the per-(account, client) back-off of login-throttle.ts. `account` is null
 * for an unknown account name: the same work (one scrypt, one throttle update) and the same answer
 * as a wrong password, so neither the answer nor its timing tells whether the account exists.
 */
export function checkAccountPassword(
  ctx: Ctx,
  account: AccountRow | null,
  password: string,
  wrongCode: 'INVALID_CREDENTIALS' | 'INVALID_OLD_PASSWORD',
  throttleKey: string
): asserts account is AccountRow {
  const wait = ctx.logins.waitSeconds(throttleKey)
  if (wait > 0) throw locked(wait)
  const ok = checkPassword(password, account ? account.password_hash : DUMMY_HASH)
  if (ok && account) {
    ctx.logins.succeed(throttleKey)
    return
  }
  const next = ctx.logins.fail(throttleKey)
  if (next > 0) throw locked(next)
  throw new ApiError(
    wrongCode,
    wrongCode === 'INVALID_CREDENTIALS' ? 'wrong account or password' : 'wrong current password'
  )
}

function locked(seconds: number): ApiError {
  return new ApiError(
    'ACCOUNT_LOCKED',
    `too many wrong passwords from this client; try again in ${seconds} s`,
    undefined,
    seconds
  )
}

export function sessionRoutes(app: FastifyInstance, ctx: Ctx): void {
  route<{ account: string; password: string }>(app, ctx, 'createPasswordSession', ({ body, request }) => {
    const ipKey = `pw:ip:${request.ip}`
    if (ctx.limiter.hit(ipKey, ctx.limits.passwordIpWindowMs) > ctx.limits.passwordAttemptsPerIp) {
      throw new ApiError(
        'RATE_LIMITED',
        'too many login attempts from this address',
        undefined,
        ctx.limiter.retryAfter(ipKey, ctx.limits.passwordIpWindowMs)
      )
    }
    const account =
      (ctx.db.prepare(`SELECT * FROM accounts WHERE account = ?`).get(body.account) as AccountRow | undefined) ?? null
    checkAccountPassword(
      ctx,
      account,
      body.password,
      'INVALID_CREDENTIALS',
      LoginThrottle.key(body.account, request.ip)
    )
    return { status: 201, body: { ...createSession(ctx, account, 'password'), profile: profileView(account) } }
  })

  route<SignedInput>(app, ctx, 'createCertificateSession', ({ body, request }) => {
    const audit = { action: 'session.certificate', ip: request.ip, rateKey: `sig:ip:${request.ip}` }
    const account = audited(ctx, audit, (a) => {
      const { cert } = verifySigned(ctx, body, 'login', {}, (nonce) => buildAuthSignedData(ctx.origin, nonce), a)
      const acc = ctx.db
        .prepare(`SELECT * FROM accounts WHERE cert_card_serial = ? AND cert_enabled = 1`)
        .get(cert.cardSerial) as AccountRow | undefined
      if (!acc)
        throw new ApiError('CERTIFICATE_NOT_BOUND', 'this card is not registered; register it first (自然人憑證註冊)')
      a.accountId = acc.id
      checkNationalIdDigits(cert, acc.national_id)
      return acc
    })
    return { status: 201, body: { ...createSession(ctx, account, 'certificate'), profile: profileView(account) } }
  })

  route(app, ctx, 'getCurrentSession', ({ request }) => {
    const s = requireSession(ctx, request)
    return {
      status: 200,
      body: {
        createdAt: s.session.created_at,
        expiresAt: s.expiresAt,
        via: s.session.via,
        profile: profileView(s.account)
      }
    }
  })

  route(app, ctx, 'deleteCurrentSession', ({ request }) => {
    const s = requireSession(ctx, request)
    endSession(ctx, s.session.id)
    return { status: 204 }
  })
}
