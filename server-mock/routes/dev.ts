// Dev-only helpers (registered only when the server is started with `dev: true`).
import type { FastifyInstance } from 'fastify'
import type { Ctx } from '../context'
import type { AccountRow } from '../db'
import { ApiError } from '../errors'
import { hashPassword, passwordRuleViolation } from '../passwords'
import { createRng, insertDelegations, type DelegationOverrides } from '../seed'
import { isValidIdentityNumber } from '../../src/shared/identity-number'
import { delegationView, profileView } from '../views'
import { route } from './route'

interface DevDelegationBody extends DelegationOverrides {
  account: string
  count?: number
}

interface DevAccountBody {
  account: string
  password: string
  name: string
  nationalId: string
  mobile: string
  email: string
  category?: '個人' | '報關專責人員'
}

export function devRoutes(app: FastifyInstance, ctx: Ctx): void {
  let seedCounter = 1
  route(app, ctx, 'devSmsOutbox', () => ({ status: 200, body: { path: ctx.sms.path, messages: ctx.sms.read() } }))

  route<DevDelegationBody>(app, ctx, 'devCreateDelegations', ({ body }) => {
    const account = ctx.db.prepare(`SELECT * FROM accounts WHERE account = ?`).get(body.account) as
      AccountRow | undefined
    if (!account) throw new ApiError('NOT_FOUND', `no account "${body.account}"`)
    const { account: _a, count, ...overrides } = body
    const rows = insertDelegations(ctx.db, createRng(Date.now() + seedCounter++), {
      nationalId: account.national_id,
      accountId: account.id,
      count: count ?? 1,
      now: ctx.now(),
      certificateShare: 0,
      overrides: { status: 'PENDING', ...overrides }
    })
    return { status: 201, body: { items: rows.map(delegationView) } }
  })

  route<DevAccountBody>(app, ctx, 'devCreateAccount', ({ body }) => {
    if (!isValidIdentityNumber(body.nationalId))
      throw new ApiError('INVALID_NATIONAL_ID', 'national ID checksum is wrong')
    const weak = passwordRuleViolation(body.password)
    if (weak) throw new ApiError('WEAK_PASSWORD', weak)
    if (ctx.db.prepare(`SELECT 1 FROM accounts WHERE account = ?`).get(body.account))
      throw new ApiError('ACCOUNT_TAKEN', 'this account name is taken')
    if (ctx.db.prepare(`SELECT 1 FROM accounts WHERE national_id = ?`).get(body.nationalId))
      throw new ApiError('NATIONAL_ID_ALREADY_REGISTERED', 'an account already exists for this national ID')
    const now = ctx.nowIso()
    const info = ctx.db
      .prepare(
        `INSERT INTO accounts (account, password_hash, name, national_id, category, email, mobile, registered_via, cert_enabled, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'app', 0, ?, ?)`
      )
      .run(
        body.account,
        hashPassword(body.password),
        body.name,
        body.nationalId,
        body.category ?? '個人',
        body.email,
        body.mobile,
        now,
        now
      )
    return {
      status: 201,
      body: profileView(ctx.db.prepare(`SELECT * FROM accounts WHERE id = ?`).get(info.lastInsertRowid) as AccountRow)
    }
  })
}
