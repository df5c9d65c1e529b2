// 用戶資料維護 / 個人帳號資料維護, password change, enabling certificate confirmation.
import type { FastifyInstance } from 'fastify'
import type { Ctx } from '../context'
import type { AccountRow } from '../db'
import { ApiError } from '../errors'
import { proveIdentity } from '../identity-registry'
import { checkPassword, hashPassword, passwordRuleViolation } from '../passwords'
import { buildAuthSignedData } from '../protocol'
import { requireSession } from '../sessions'
import { audited, certColumns, checkNationalIdDigits, verifySigned, type SignedInput } from '../signed'
import { profileView } from '../views'
import { route } from './route'
import { LoginThrottle } from '../login-throttle'
import { checkAccountPassword } from './sessions'

function reload(ctx: Ctx, id: number): AccountRow {
  return ctx.db.prepare(`SELECT * FROM accounts WHERE id = ?`).get(id) as AccountRow
}

export function profileRoutes(app: FastifyInstance, ctx: Ctx): void {
  route(app, ctx, 'getProfile', ({ request }) => ({
    status: 200,
    body: profileView(requireSession(ctx, request).account)
  }))

  route<{ phone?: string; email?: string; address?: string }>(app, ctx, 'updateProfile', ({ body, request }) => {
    const { account } = requireSession(ctx, request)
    ctx.db
      .prepare(
        `UPDATE accounts SET phone = COALESCE(?, phone), email = COALESCE(?, email), address = COALESCE(?, address), updated_at = ? WHERE id = ?`
      )
      .run(body.phone ?? null, body.email ?? null, body.address ?? null, ctx.nowIso(), account.id)
    return { status: 200, body: profileView(reload(ctx, account.id)) }
  })

  route<{ oldPassword: string; newPassword: string }>(app, ctx, 'changePassword', ({ body, request }) => {
    const { account } = requireSession(ctx, request)
    const weak = passwordRuleViolation(body.newPassword)
    if (weak) throw new ApiError('WEAK_PASSWORD', weak)
    checkAccountPassword(
      ctx,
      account,
      body.oldPassword,
      'INVALID_OLD_PASSWORD',
      LoginThrottle.key(`password-change:${account.id}`, request.ip)
    )
    if (checkPassword(body.newPassword, account.password_hash))
      throw new ApiError('PASSWORD_REUSED', 'the new password must differ from the current one')
    ctx.db
      .prepare(`UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?`)
      .run(hashPassword(body.newPassword), ctx.nowIso(), account.id)
    return { status: 204 }
  })

  route<SignedInput>(app, ctx, 'enableCertificate', ({ body, request }) => {
    const s = requireSession(ctx, request)
    const audit = {
      action: 'profile.enable-certificate',
      accountId: s.account.id,
      ip: request.ip,
      rateKey: `sig:session:${s.session.id}`
    }
    audited(ctx, audit, (a) => {
      const { cert } = verifySigned(
        ctx,
        body,
        'enable-certificate',
        { sessionId: s.session.id },
        (nonce) => buildAuthSignedData(ctx.origin, nonce),
        a
      )
      checkNationalIdDigits(cert, s.account.national_id)
      proveIdentity(
        ctx.identity,
        { serialHex: cert.cert.serialHex, cardSerial: cert.cardSerial },
        s.account.national_id
      )
      if (s.account.cert_enabled === 1 && s.account.cert_card_serial === cert.cardSerial) {
        throw new ApiError('CERTIFICATE_ALREADY_ENABLED', 'this card is already enabled for the account')
      }
      const other = ctx.db
        .prepare(`SELECT id FROM accounts WHERE cert_card_serial = ? AND id <> ?`)
        .get(cert.cardSerial, s.account.id)
      if (other) throw new ApiError('CERTIFICATE_ALREADY_BOUND', 'this card is bound to another account')
      const c = certColumns(cert)
      ctx.db
        .prepare(
          `UPDATE accounts SET cert_enabled = 1, cert_card_serial = ?, cert_serial = ?, cert_subject = ?, cert_issuer = ?, cert_not_before = ?,
             cert_not_after = ?, updated_at = ? WHERE id = ?`
        )
        .run(
          c.cert_card_serial,
          c.cert_serial,
          c.cert_subject,
          c.cert_issuer,
          c.cert_not_before,
          c.cert_not_after,
          ctx.nowIso(),
          s.account.id
        )
    })
    return { status: 200, body: profileView(reload(ctx, s.account.id)) }
  })
}
