import { createServer, type Server } from 'node:https'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ENDPOINTS } from '../../src/main/api/endpoints'
import { errorFromRow } from '../../src/main/api/error-mapping'
import { PlatformClient } from '../../src/main/api/platform-client'
import { AppError, errorMessage } from '../../src/shared/errors'
import { buildAuthSignedData, buildDecisionStatement } from '../../server-mock/protocol'
import { signRs256, startTestServer, type TestServer } from '../../server-mock/test-helpers'

// Issue 4 item 1: every endpoint the client uses exists in the OpenAPI contract with the same
// method and path, and the client's zod schemas accept server-mock's real (schema-validated)
// responses for a full session: registration → login → profile → delegations → decisions → records.

const spec = parse(readFileSync(join(__dirname, '../../server-mock/openapi.yaml'), 'utf8')) as {
  paths: Record<string, Record<string, { operationId?: string }>>
}

describe('client endpoints vs server-mock/openapi.yaml', () => {
  it.each(Object.entries(ENDPOINTS))('%s is %s in the contract', (op, [method, path]) => {
    const item = spec.paths[path]
    expect(item, `path ${path}`).toBeDefined()
    expect(item?.[method.toLowerCase()]?.operationId).toBe(op)
  })
})

async function expectCode(p: Promise<unknown>, code: string, detail?: string): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(AppError)
  expect((err as AppError).code).toBe(code)
  if (detail) expect((err as AppError).detail).toBe(detail)
}

describe('PlatformClient against server-mock (responses validated on both sides)', () => {
  let t: TestServer
  let client: PlatformClient
  beforeAll(async () => {
    t = await startTestServer({ seed: { demoAccounts: false } })
    client = new PlatformClient({ baseUrl: t.server.url, caFile: t.server.caCertPath })
  })
  afterAll(async () => {
    await t?.close()
  })

  const citizen = () => t.pki.citizens.valid
  const auth = (ch: { challengeId: string; nonce: string }) => ({
    challengeId: ch.challengeId,
    certificate: citizen().signCertDer.toString('base64'),
    signature: signRs256(citizen(), buildAuthSignedData(client.origin, ch.nonce)),
    algorithm: 'RS256' as const
  })

  it('the identity proof’s refusal reaches the app as IDENTITY_NOT_PROVEN, in plain words', async () => {
    // Another person's valid number with the same last four digits as 王小明's card (A123456789).
    const reg = await client.startRegistration()
    const ch = await client.challenge('registration', { registrationId: reg.registrationId })
    await expectCode(
      client.verifyIdentity(reg.registrationId, 'B100126789', auth(ch)),
      'IDENTITY_NOT_PROVEN',
      'IDENTITY_NOT_MATCHED'
    )
    expect(errorMessage('IDENTITY_NOT_PROVEN', 'zh-TW')).toBe(
      '身分查驗未通過：此身分證號或統一證號不屬於插入的自然人憑證持有人。請輸入您本人的號碼，並使用本人的憑證。'
    )
    t.server.identity.available = false
    try {
      const ch2 = await client.challenge('registration', { registrationId: reg.registrationId })
      await expectCode(
        client.verifyIdentity(reg.registrationId, citizen().nationalId, auth(ch2)),
        'IDENTITY_SERVICE_UNAVAILABLE',
        'IDENTITY_SERVICE_UNAVAILABLE'
      )
    } finally {
      t.server.identity.available = true
    }
  })

  it('binds signatures to the origin it connects to', () => {
    expect(client.origin).toBe(t.server.origin)
  })

  it('runs registration, sessions, profile, delegations, decisions and records end to end', async () => {
    expect((await client.health()).status).toBe('ok')

    // 自然人憑證註冊
    const reg = await client.startRegistration()
    expect(reg.state).toBe('STARTED')
    // [檢核是否存在] answers only after the identity step.
    await expectCode(client.checkAccount(reg.registrationId, 'xiaoming'), 'VALIDATION_FAILED', 'REGISTRATION_STATE')
    const regCh = await client.challenge('registration', { registrationId: reg.registrationId })
    const verified = await client.verifyIdentity(reg.registrationId, citizen().nationalId, auth(regCh))
    expect(verified).toMatchObject({ state: 'IDENTITY_VERIFIED', identity: { nationalIdMasked: 'A12****789' } })
    expect(await client.checkAccount(reg.registrationId, 'xiaoming')).toEqual({ account: 'xiaoming', available: true })
    const sms = await client.sendSms(reg.registrationId, '0911222333')
    expect(sms.mobileMasked).toBe('0911***333')
    const code = JSON.parse(readFileSync(t.server.smsOutboxPath, 'utf8').trim().split('\n').at(-1) ?? '{}')
      .code as string
    await expectCode(
      client.completeRegistration(reg.registrationId, {
        name: '王小明',
        nationalId: citizen().nationalId,
        account: 'xiaoming',
        password: 'weakpass',
        email: 'xm@example.tw',
        mobile: '0911222333',
        smsCode: code,
        privacyConsent: true,
        phone: '02-2345-6789',
        birthDate: '1990-05-17',
        address: '臺北市中正區重慶南路一段 122 號',
        category: '個人'
      }),
      'VALIDATION_FAILED',
      'WEAK_PASSWORD'
    )
    const created = await client.completeRegistration(reg.registrationId, {
      name: '王小明',
      nationalId: citizen().nationalId,
      account: 'xiaoming',
      password: 'Secret123',
      email: 'xm@example.tw',
      mobile: '0911222333',
      smsCode: code,
      privacyConsent: true,
      phone: '02-2345-6789',
      birthDate: '1990-05-17',
      category: '個人',
      address: '臺北市'
    })
    expect(created).toMatchObject({ account: 'xiaoming', certificateEnabled: true })
    expect((await client.getRegistration(reg.registrationId)).state).toBe('COMPLETED')

    // sessions
    await expectCode(client.loginPassword('xiaoming', 'Wrong1234'), 'LOGIN_FAILED', 'INVALID_CREDENTIALS')
    const session = await client.loginPassword('xiaoming', 'Secret123')
    expect(session).toMatchObject({ via: 'password', profile: { account: 'xiaoming' } })
    expect(JSON.stringify(session)).not.toMatch(/token/i)
    expect((await client.currentSession())?.profile.account).toBe('xiaoming')

    // 個人帳號資料維護
    expect((await client.getProfile()).address).toBe('臺北市')
    expect(await client.updateProfile({ phone: '02-1234-5678', email: 'new@example.tw' })).toMatchObject({
      phone: '02-1234-5678',
      email: 'new@example.tw'
    })
    await expectCode(client.changePassword('Wrong1234', 'Better123'), 'VALIDATION_FAILED', 'INVALID_OLD_PASSWORD')
    await client.changePassword('Secret123', 'Better123')

    // 海關實名委任確認
    const devCreate = await t.api.post('/dev/delegations', { account: 'xiaoming', count: 3, status: 'PENDING' })
    expect(devCreate.status).toBe(201)
    const page = await client.listDelegations({
      status: 'PENDING',
      page: 1,
      pageSize: 50,
      sort: 'declarationDate:desc'
    })
    expect(page.total).toBe(3)
    const [a, b] = page.items
    if (!a || !b) throw new Error('expected two delegations')
    expect((await client.getDelegation(a.id)).houseBillNo).toBe(a.houseBillNo)

    const decide = async (d: typeof a, decision: 'MATCH' | 'MISMATCH', reason: string, key: string) => {
      const ch = await client.challenge('decision', { delegationId: d.id })
      const statement = buildDecisionStatement({
        origin: client.origin,
        nonce: ch.nonce,
        delegationId: d.id,
        houseBillNo: d.houseBillNo,
        decision,
        reason
      })
      const body = {
        decision,
        challengeId: ch.challengeId,
        certificate: citizen().signCertDer.toString('base64'),
        signature: signRs256(citizen(), statement),
        algorithm: 'RS256' as const,
        idempotencyKey: key,
        ...(decision === 'MISMATCH' ? { reason } : {})
      }
      return { result: await client.decide(d.id, body), body }
    }
    const matched = await decide(a, 'MATCH', '', 'key-match-000001')
    expect(matched.result.delegation.status).toBe('MATCH')
    // Same idempotency key and body: the stored answer comes back, no second confirmation.
    expect((await client.decide(a.id, matched.body)).confirmation.id).toBe(matched.result.confirmation.id)
    const rejected = await decide(b, 'MISMATCH', '非本人訂購', 'key-mismatch-0001')
    expect(rejected.result.delegation).toMatchObject({ status: 'MISMATCH', reason: '非本人訂購' })
    await expectCode(client.challenge('decision', { delegationId: a.id }), 'ALREADY_ANSWERED')

    // 委任確認紀錄
    const records = await client.listConfirmations({ page: 1, pageSize: 50 })
    expect(records.items.map((r) => r.delegationId).sort()).toEqual([a.id, b.id].sort())
    const sync = await client.sync(undefined)
    expect(sync.changes.length).toBeGreaterThanOrEqual(3)

    // Batch operations (prepareDecisions, decideDelegations): the client's schemas accept the real answers,
    // row errors map like single answers, and a resent body comes back as replayed successes.
    const c = page.items[2]
    if (!c) throw new Error('expected a third delegation')
    const prep = await client.prepareDecisions([c.id, a.id])
    expect(prep.items.map((r) => [r.delegationId, r.ok])).toEqual([
      [c.id, true],
      [a.id, false]
    ])
    const [rc, ra] = prep.items
    if (!rc?.ok || !ra || ra.ok) throw new Error('expected one prepared and one answered row')
    expect(errorFromRow(ra.error)).toMatchObject({ code: 'ALREADY_ANSWERED', detail: 'DELEGATION_ALREADY_ANSWERED' })
    expect(ra.delegation?.status).toBe('MATCH')
    const batchStatement = buildDecisionStatement({
      origin: client.origin,
      nonce: rc.challenge.nonce,
      delegationId: c.id,
      houseBillNo: rc.delegation.houseBillNo,
      decision: 'MATCH',
      reason: ''
    })
    const batchBody = {
      certificate: citizen().signCertDer.toString('base64'),
      algorithm: 'RS256' as const,
      items: [
        {
          delegationId: c.id,
          decision: 'MATCH' as const,
          challengeId: rc.challenge.challengeId,
          signature: signRs256(citizen(), batchStatement),
          idempotencyKey: 'key-batch-000001'
        }
      ]
    }
    expect((await client.decideDelegations(batchBody)).items[0]).toMatchObject({
      ok: true,
      replayed: false,
      delegation: { id: c.id, status: 'MATCH' },
      confirmation: { delegationId: c.id }
    })
    expect((await client.decideDelegations(batchBody)).items[0]).toMatchObject({
      ok: true,
      replayed: true,
      delegation: { id: c.id, status: 'MATCH' }
    })
    const newKey = await client.decideDelegations({
      ...batchBody,
      items: [{ ...(batchBody.items[0] as (typeof batchBody.items)[number]), idempotencyKey: 'key-batch-000002' }]
    })
    const answered = newKey.items[0]
    if (!answered || answered.ok) throw new Error('expected a row error')
    expect(errorFromRow(answered.error)).toMatchObject({ code: 'ALREADY_ANSWERED' })
    expect(errorFromRow({ code: 'CHALLENGE_EXPIRED', message: 'x', retriable: true, status: 400 }).toPayload()).toEqual(
      { code: 'CHALLENGE_EXPIRED', retriable: true, detail: 'CHALLENGE_EXPIRED' }
    )
    expect(errorFromRow({ code: 'CERTIFICATE_REVOKED', message: 'x', retriable: false, status: 422 }).code).toBe(
      'CERTIFICATE_REJECTED'
    )

    // certificate login, logout
    await client.logout()
    expect(client.loggedIn).toBe(false)
    await expectCode(client.getProfile(), 'SESSION_EXPIRED')
    const loginCh = await client.challenge('login')
    expect((await client.loginCertificate(auth(loginCh))).via).toBe('certificate')

    // An EZWay account may query but not confirm; the card of another person is refused.
    const ez = await t.api.post('/dev/accounts', {
      account: 'ezway2',
      password: 'Ezway1234',
      name: '林美華',
      nationalId: 'B222333440',
      mobile: '0922333444',
      email: 'ez@example.tw'
    })
    expect(ez.status).toBe(201)
    await client.logout()
    const ezSession = await client.loginPassword('ezway2', 'Ezway1234')
    expect(ezSession.profile).toMatchObject({ registeredVia: 'app', certificateEnabled: false })
    await t.api.post('/dev/delegations', { account: 'ezway2', count: 1, status: 'PENDING' })
    const ezPage = await client.listDelegations({ page: 1, pageSize: 50, sort: 'declarationDate:desc' })
    const ezItem = ezPage.items[0]
    if (!ezItem) throw new Error('expected a delegation')
    await expectCode(client.challenge('decision', { delegationId: ezItem.id }), 'CERTIFICATE_NOT_ENABLED')
    const enableCh = await client.challenge('enable-certificate')
    // 王小明's card (…6789) for 林美華's number (…3440): the identity check fails, said in plain words.
    await expectCode(client.enableCertificate(auth(enableCh)), 'IDENTITY_NOT_PROVEN', 'NATIONAL_ID_MISMATCH')

    expect(t.server.responseViolations).toEqual([])
  })

  it('maps a locked account and a server-side session loss', async () => {
    const other = new PlatformClient({ baseUrl: t.server.url, caFile: t.server.caCertPath })
    let lost = 0
    other.onSessionEnded(() => lost++)
    await other.loginPassword('ezway2', 'Ezway1234')
    // Revoke the session behind the client's back: the next call reports SESSION_EXPIRED once.
    t.server.db.prepare('DELETE FROM sessions').run()
    await expectCode(other.getProfile(), 'SESSION_EXPIRED')
    expect(lost).toBe(1)
    expect(other.loggedIn).toBe(false)
    for (let i = 0; i < 5; i++) await other.loginPassword('ezway2', 'Wrong0000').catch(() => undefined)
    await expectCode(other.loginPassword('ezway2', 'Ezway1234'), 'ACCOUNT_LOCKED')
  })
})

describe('transport and TLS', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer()
  })
  afterAll(async () => {
    await t?.close()
  })

  it('refuses a server whose CA is not configured (TLS_UNTRUSTED), never falling back', async () => {
    const client = new PlatformClient({ baseUrl: t.server.url, caFile: null })
    await expectCode(client.health(), 'TLS_UNTRUSTED')
  })

  it('reports NETWORK_UNREACHABLE when nothing listens and tells the reachability listener', async () => {
    const seen: boolean[] = []
    const client = new PlatformClient({
      baseUrl: 'https://127.0.0.1:1',
      caFile: t.server.caCertPath,
      onReachability: (ok) => seen.push(ok)
    })
    await expectCode(client.health(), 'NETWORK_UNREACHABLE')
    expect(seen).toEqual([false])
  })

  describe('a server sending bad bodies', () => {
    let bad: Server
    let url = ''
    let reply: { status: number; body: string } = { status: 200, body: '' }
    beforeAll(async () => {
      const tlsDir = join(t.server.caCertPath, '..')
      bad = createServer(
        { key: readFileSync(join(tlsDir, 'server-key.pem')), cert: readFileSync(join(tlsDir, 'server.pem')) },
        (_req, res) => {
          res.writeHead(reply.status, { 'content-type': 'application/json' })
          res.end(reply.body)
        }
      )
      await new Promise<void>((r) => bad.listen(0, '127.0.0.1', () => r()))
      const addr = bad.address()
      url = `https://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    })
    afterAll(async () => {
      await new Promise<void>((r) => bad.close(() => r()))
    })

    it.each([
      [200, '{"status":"ok"}', 'SERVER_RESPONSE_INVALID'],
      [200, 'not json', 'SERVER_RESPONSE_INVALID'],
      [502, '<html>bad gateway</html>', 'SERVER_ERROR'],
      [418, '{"weird":true}', 'SERVER_RESPONSE_INVALID'],
      [400, '{"error":{"code":"SOMETHING_NEW","message":"x","retriable":false}}', 'VALIDATION_FAILED']
    ])('HTTP %i %s → %s', async (status, body, code) => {
      reply = { status, body }
      const client = new PlatformClient({ baseUrl: url, caFile: t.server.caCertPath })
      await expectCode(client.health(), code)
    })
  })
})
