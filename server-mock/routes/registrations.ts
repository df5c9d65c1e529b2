// 自然人憑證註冊: start → identity (card signature) → SMS code → complete.
import { randomInt } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Ctx } from '../context'
import type { AccountRow } from '../db'
import { ApiError } from '../errors'
import { randomId, sha256Hex } from '../ids'
import { proveIdentity } from '../identity-registry'
import { hashPassword, passwordRuleViolation } from '../passwords'
import { buildAuthSignedData } from '../protocol'
import { audited, certColumns, checkNationalIdDigits, verifySigned, type SignedInput } from '../signed'
import { isValidIdentityNumber, maskIdentityNumber as maskNationalId } from '../../src/shared/identity-number'
import { profileView } from '../views'
import { route } from './route'

export interface RegistrationRow {
  id: string
  state: 'STARTED' | 'IDENTITY_VERIFIED' | 'COMPLETED'
  created_at: string
  expires_at: string
  national_id: string | null
  name: string | null
  card_serial: string | null
  cert_serial: string | null
  cert_subject: string | null
  cert_issuer: string | null
  cert_not_before: string | null
  cert_not_after: string | null
  mobile: string | null
  sms_code_hash: string | null
  sms_sent_at: string | null
  sms_expires_at: string | null
  sms_attempts: number
  sms_sends: number
  account_id: number | null
}

type Params = { registrationId: string }

export function loadRegistration(ctx: Ctx, id: string): RegistrationRow {
  const reg = ctx.db.prepare(`SELECT * FROM registrations WHERE id = ?`).get(id) as RegistrationRow | undefined
  if (!reg) throw new ApiError('REGISTRATION_NOT_FOUND', 'no such registration')
  if (reg.state !== 'COMPLETED' && ctx.now().getTime() >= Date.parse(reg.expires_at)) {
    throw new ApiError('REGISTRATION_EXPIRED', 'registration expired; start again')
  }
  return reg
}

function maskMobile(m: string): string {
  return `${m.slice(0, 4)}***${m.slice(-3)}`
}

function registrationView(reg: RegistrationRow) {
  return {
    registrationId: reg.id,
    state: reg.state,
    expiresAt: reg.expires_at,
    identity:
      reg.state !== 'STARTED' && reg.name && reg.national_id && reg.card_serial && reg.cert_not_after
        ? {
            name: reg.name,
            nationalIdMasked: maskNationalId(reg.national_id),
            cardSerial: reg.card_serial,
            certificateNotAfter: reg.cert_not_after
          }
        : null,
    mobile: reg.mobile ? maskMobile(reg.mobile) : null
  }
}

function smsCodeHash(regId: string, code: string): string {
  return sha256Hex(`${regId}:${code}`)
}

function assertNationalIdFree(ctx: Ctx, nationalId: string): void {
  if (ctx.db.prepare(`SELECT 1 FROM accounts WHERE national_id = ?`).get(nationalId)) {
    throw new ApiError('NATIONAL_ID_ALREADY_REGISTERED', 'an account already exists for this national ID')
  }
}

interface CompleteBody {
  name: string
  nationalId: string
  account: string
  password: string
  email: string
  email2?: string
  mobile: string
  phone: string
  smsCode: string
  privacyConsent: boolean
  birthDate: string
  address: string
  category: '個人' | '報關專責人員'
}

export function registrationRoutes(app: FastifyInstance, ctx: Ctx): void {
  route(app, ctx, 'createRegistration', ({ request }) => {
    // Unauthenticated and each call writes a row: bounded per client address like challenges.
    const rateKey = `registration:ip:${request.ip}`
    if (ctx.limiter.hit(rateKey, ctx.limits.registrationIpWindowMs) > ctx.limits.registrationsPerIp) {
      throw new ApiError(
        'RATE_LIMITED',
        'too many registrations started from this address',
        undefined,
        ctx.limiter.retryAfter(rateKey, ctx.limits.registrationIpWindowMs)
      )
    }
    const now = ctx.now()
    const id = randomId('reg')
    ctx.db
      .prepare(`INSERT INTO registrations (id, state, created_at, expires_at) VALUES (?, 'STARTED', ?, ?)`)
      .run(id, now.toISOString(), new Date(now.getTime() + ctx.limits.registrationLifetimeMs).toISOString())
    return { status: 201, body: registrationView(loadRegistration(ctx, id)) }
  })

  route<unknown, Record<string, unknown>, Params>(app, ctx, 'getRegistration', ({ params }) => ({
    status: 200,
    body: registrationView(loadRegistration(ctx, params.registrationId))
  }))

  route<SignedInput & { nationalId: string }, Record<string, unknown>, Params>(
    app,
    ctx,
    'verifyRegistrationIdentity',
    ({ body, params, request }) => {
      const reg = loadRegistration(ctx, params.registrationId)
      if (reg.state === 'COMPLETED') throw new ApiError('REGISTRATION_STATE', 'registration is already completed')
      if (!isValidIdentityNumber(body.nationalId))
        throw new ApiError('INVALID_NATIONAL_ID', 'national ID checksum is wrong')
      assertNationalIdFree(ctx, body.nationalId)
      const audit = {
        action: 'registration.identity',
        registrationId: reg.id,
        ip: request.ip,
        rateKey: `sig:reg:${reg.id}`
      }
      audited(ctx, audit, (a) => {
        const { cert } = verifySigned(
          ctx,
          body,
          'registration',
          { registrationId: reg.id },
          (nonce) => buildAuthSignedData(ctx.origin, nonce),
          a
        )
        checkNationalIdDigits(cert, body.nationalId)
        proveIdentity(ctx.identity, { serialHex: cert.cert.serialHex, cardSerial: cert.cardSerial }, body.nationalId)
        if (ctx.db.prepare(`SELECT 1 FROM accounts WHERE cert_card_serial = ?`).get(cert.cardSerial)) {
          throw new ApiError('CERTIFICATE_ALREADY_BOUND', 'this card is already bound to an account')
        }
        const c = certColumns(cert)
        ctx.db
          .prepare(
            `UPDATE registrations SET state = 'IDENTITY_VERIFIED', national_id = ?, name = ?, card_serial = ?, cert_serial = ?, cert_subject = ?,
             cert_issuer = ?, cert_not_before = ?, cert_not_after = ?, mobile = NULL, sms_code_hash = NULL, sms_sent_at = NULL,
             sms_expires_at = NULL, sms_attempts = 0 WHERE id = ?`
          )
          .run(
            body.nationalId,
            cert.name,
            c.cert_card_serial,
            c.cert_serial,
            c.cert_subject,
            c.cert_issuer,
            c.cert_not_before,
            c.cert_not_after,
            reg.id
          )
      })
      return { status: 200, body: registrationView(loadRegistration(ctx, reg.id)) }
    }
  )

  // [檢核是否存在] (seed 003): is this account name still free? Only account names, never national
  // IDs, and only inside a registration whose card holder has proven their identity, at most
  // accountChecksPerRegistration per window — so it cannot be used to list who is registered.
  route<{ account: string }, Record<string, unknown>, Params>(
    app,
    ctx,
    'checkRegistrationAccount',
    ({ body, params }) => {
      const reg = loadRegistration(ctx, params.registrationId)
      if (reg.state !== 'IDENTITY_VERIFIED')
        throw new ApiError('REGISTRATION_STATE', 'verify your identity with the card first')
      const key = `acct-check:reg:${reg.id}`
      const windowMs = ctx.limits.accountChecksWindowMs
      if (ctx.limiter.count(key, windowMs) >= ctx.limits.accountChecksPerRegistration) {
        throw new ApiError(
          'RATE_LIMITED',
          'too many account-name checks for this registration; try again later',
          undefined,
          ctx.limiter.retryAfter(key, windowMs)
        )
      }
      ctx.limiter.hit(key, windowMs)
      const taken = ctx.db.prepare(`SELECT 1 FROM accounts WHERE account = ?`).get(body.account) !== undefined
      return { status: 200, body: { account: body.account, available: !taken } }
    }
  )

  route<{ mobile: string }, Record<string, unknown>, Params>(app, ctx, 'sendRegistrationSms', ({ body, params }) => {
    const reg = loadRegistration(ctx, params.registrationId)
    if (reg.state !== 'IDENTITY_VERIFIED')
      throw new ApiError('REGISTRATION_STATE', 'verify your identity with the card first')
    const now = ctx.now()
    if (reg.sms_sent_at) {
      const wait = Date.parse(reg.sms_sent_at) + ctx.limits.smsCooldownMs - now.getTime()
      if (wait > 0)
        throw new ApiError(
          'SMS_COOLDOWN',
          `wait ${Math.ceil(wait / 1000)} s before requesting another code`,
          undefined,
          Math.ceil(wait / 1000)
        )
    }
    if (reg.sms_sends >= ctx.limits.smsMaxSends)
      throw new ApiError('RATE_LIMITED', 'too many SMS codes for this registration; start again later')
    const mobileKey = `sms:mobile:${body.mobile}`
    if (ctx.limiter.count(mobileKey, 3_600_000) >= ctx.limits.smsPerMobilePerHour) {
      throw new ApiError(
        'RATE_LIMITED',
        'too many SMS codes for this mobile number',
        undefined,
        ctx.limiter.retryAfter(mobileKey, 3_600_000)
      )
    }
    ctx.limiter.hit(mobileKey, 3_600_000)
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
    const sentAt = now.toISOString()
    const expiresAt = new Date(now.getTime() + ctx.limits.smsLifetimeMs).toISOString()
    ctx.db
      .prepare(
        `UPDATE registrations SET mobile = ?, sms_code_hash = ?, sms_sent_at = ?, sms_expires_at = ?, sms_attempts = 0, sms_sends = sms_sends + 1 WHERE id = ?`
      )
      .run(body.mobile, smsCodeHash(reg.id, code), sentAt, expiresAt, reg.id)
    ctx.sms.send({
      at: sentAt,
      mobile: body.mobile,
      code,
      registrationId: reg.id,
      text: `【電子商務通關服務平台】您的簡訊驗證碼為 ${code}，5 分鐘內有效，請勿提供他人。`
    })
    return {
      status: 200,
      body: {
        sentAt,
        expiresAt,
        resendAfter: new Date(now.getTime() + ctx.limits.smsCooldownMs).toISOString(),
        mobileMasked: maskMobile(body.mobile)
      }
    }
  })

  route<CompleteBody, Record<string, unknown>, Params>(app, ctx, 'completeRegistration', ({ body, params }) => {
    const reg = loadRegistration(ctx, params.registrationId)
    if (reg.state !== 'IDENTITY_VERIFIED' || !reg.national_id || !reg.name)
      throw new ApiError('REGISTRATION_STATE', 'verify your identity with the card first')
    if (body.privacyConsent !== true) throw new ApiError('PRIVACY_CONSENT_REQUIRED', '個資閱讀宣告 must be accepted')
    if (body.nationalId !== reg.national_id)
      throw new ApiError('NATIONAL_ID_MISMATCH', 'national ID differs from the verified one')
    if (body.name.normalize('NFC').trim() !== reg.name.normalize('NFC'))
      throw new ApiError('NAME_MISMATCH', 'name differs from the name on the citizen certificate')
    const weak = passwordRuleViolation(body.password)
    if (weak) throw new ApiError('WEAK_PASSWORD', weak)
    if (ctx.db.prepare(`SELECT 1 FROM accounts WHERE account = ?`).get(body.account))
      throw new ApiError('ACCOUNT_TAKEN', 'this account name is taken')
    assertNationalIdFree(ctx, reg.national_id)
    if (ctx.db.prepare(`SELECT 1 FROM accounts WHERE cert_card_serial = ?`).get(reg.card_serial))
      throw new ApiError('CERTIFICATE_ALREADY_BOUND', 'this card is already bound to an account')
    if (!reg.sms_code_hash || !reg.mobile || !reg.sms_expires_at)
      throw new ApiError('REGISTRATION_STATE', 'request an SMS code first')
    if (body.mobile !== reg.mobile)
      throw new ApiError('MOBILE_MISMATCH', 'the SMS code was sent to another mobile number')
    if (reg.sms_attempts >= ctx.limits.smsMaxAttempts)
      throw new ApiError('SMS_CODE_ATTEMPTS_EXCEEDED', 'too many wrong codes; request a new SMS code')
    if (ctx.now().getTime() >= Date.parse(reg.sms_expires_at))
      throw new ApiError('SMS_CODE_EXPIRED', 'SMS code expired; request a new one')
    if (smsCodeHash(reg.id, body.smsCode) !== reg.sms_code_hash) {
      ctx.db.prepare(`UPDATE registrations SET sms_attempts = sms_attempts + 1 WHERE id = ?`).run(reg.id)
      const left = ctx.limits.smsMaxAttempts - reg.sms_attempts - 1
      throw new ApiError(
        left > 0 ? 'SMS_CODE_INVALID' : 'SMS_CODE_ATTEMPTS_EXCEEDED',
        left > 0 ? `wrong SMS code (${left} attempts left)` : 'too many wrong codes; request a new SMS code'
      )
    }
    const now = ctx.nowIso()
    const account = ctx.db.transaction(() => {
      const info = ctx.db
        .prepare(
          `INSERT INTO accounts (account, password_hash, name, national_id, category, email, email2, mobile, phone, address, birth_date, registered_via,
             cert_enabled, cert_card_serial, cert_serial, cert_subject, cert_issuer, cert_not_before, cert_not_after, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'certificate', 1, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(
          body.account,
          hashPassword(body.password),
          reg.name,
          reg.national_id,
          body.category,
          body.email,
          body.email2 ?? null,
          body.mobile,
          body.phone,
          body.address,
          body.birthDate,
          reg.card_serial,
          reg.cert_serial,
          reg.cert_subject,
          reg.cert_issuer,
          reg.cert_not_before,
          reg.cert_not_after,
          now,
          now
        )
      ctx.db
        .prepare(`UPDATE registrations SET state = 'COMPLETED', account_id = ?, sms_code_hash = NULL WHERE id = ?`)
        .run(info.lastInsertRowid, reg.id)
      return ctx.db.prepare(`SELECT * FROM accounts WHERE id = ?`).get(info.lastInsertRowid) as AccountRow
    })()
    return { status: 201, body: profileView(account) }
  })
}
