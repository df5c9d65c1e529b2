// Contract tests: the happy paths of every endpoint. All responses are checked against
// openapi.yaml by the server itself (validateResponses) and the violations list must stay empty.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authToken, decisionBody, getChallenge, loginPassword, startTestServer, type TestServer } from './test-helpers'

let t: TestServer

beforeAll(async () => {
  t = await startTestServer()
})

afterAll(async () => {
  expect(t.server.responseViolations).toEqual([])
  await t.close()
})

describe('system', () => {
  it('GET /health reports the origin the server signs for', async () => {
    const res = await t.api.get('/health')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ status: 'ok', origin: t.server.origin, apiVersion: '1' })
    expect(t.server.origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it('returns the demo accounts', () => {
    const demo = t.server.accounts.find((a) => a.account === 'demo')
    const ezway = t.server.accounts.find((a) => a.account === 'ezway')
    expect(demo).toMatchObject({
      password: 'Demo1234',
      name: '王小明',
      nationalId: 'A123456789',
      kind: 'certificate',
      certificateEnabled: true,
      cardSerial: t.pki.citizens.valid.cardSerial
    })
    expect(ezway).toMatchObject({ password: 'Ezway1234', kind: 'app', certificateEnabled: false, cardSerial: null })
  })

  it('answers unknown endpoints with a typed 404', async () => {
    const res = await t.api.get('/nope')
    expect(res.status).toBe(404)
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', retriable: false })
  })
})

describe('sessions', () => {
  it('password login, current session, logout', async () => {
    const login = await t.api.post('/sessions/password', { account: 'demo', password: 'Demo1234' })
    expect(login.status).toBe(201)
    expect(login.body).toMatchObject({
      tokenType: 'Bearer',
      via: 'password',
      idleTimeoutSeconds: 1800,
      profile: { account: 'demo', certificateEnabled: true }
    })
    const api = t.api.withToken(login.body.token)
    const current = await api.get('/sessions/current')
    expect(current.status).toBe(200)
    expect(current.body.profile.name).toBe('王小明')
    expect((await api.delete('/sessions/current')).status).toBe(204)
    const after = await api.get('/sessions/current')
    expect(after.status).toBe(401)
    expect(after.body.error.code).toBe('UNAUTHENTICATED')
  })

  it('certificate login with a login challenge', async () => {
    const ch = await getChallenge(t.api, 'login')
    expect(ch.nonce).toHaveLength(44)
    expect(Buffer.from(ch.nonce, 'base64')).toHaveLength(32)
    expect(Date.parse(ch.expiresAt) - Date.now()).toBeGreaterThan(4 * 60_000)
    const res = await t.api.post('/sessions/certificate', authToken(t.server.origin, ch, t.pki.citizens.valid))
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ via: 'certificate', profile: { account: 'demo' } })
    const audit = t.server.db.prepare(`SELECT * FROM audit_log WHERE challenge_id = ?`).get(ch.challengeId) as Record<
      string,
      unknown
    >
    expect(audit).toMatchObject({
      action: 'session.certificate',
      outcome: 'OK',
      card_serial: t.pki.citizens.valid.cardSerial
    })
  })
})

describe('registration (自然人憑證註冊)', () => {
  it('identity → SMS → complete creates a certificate account that can log in', async () => {
    const s = await startTestServer({ seed: { demoAccounts: false } })
    try {
      const citizen = s.pki.citizens.valid
      const reg = await s.api.post('/registrations')
      expect(reg.status).toBe(201)
      expect(reg.body).toMatchObject({ state: 'STARTED', identity: null, mobile: null })
      const id = reg.body.registrationId as string
      const ch = await getChallenge(s.api, 'registration', { registrationId: id })
      const identity = await s.api.post(`/registrations/${id}/identity`, {
        nationalId: citizen.nationalId,
        ...authToken(s.server.origin, ch, citizen)
      })
      expect(identity.status).toBe(200)
      expect(identity.body).toMatchObject({
        state: 'IDENTITY_VERIFIED',
        identity: { name: '王小明', nationalIdMasked: 'A12****789', cardSerial: citizen.cardSerial }
      })

      const sms = await s.api.post(`/registrations/${id}/sms`, { mobile: '0911222333' })
      expect(sms.status).toBe(200)
      expect(sms.body.mobileMasked).toBe('0911***333')
      const outbox = await s.api.get('/dev/sms-outbox')
      const msg = outbox.body.messages.at(-1)
      expect(msg).toMatchObject({ mobile: '0911222333', registrationId: id })
      expect(msg.code).toMatch(/^\d{6}$/)
      expect(msg.text).toContain(msg.code)

      const complete = await s.api.post(`/registrations/${id}/complete`, {
        name: '王小明',
        nationalId: citizen.nationalId,
        account: 'xiaoming',
        password: 'Secret123',
        email: 'xm@example.tw',
        mobile: '0911222333',
        smsCode: msg.code,
        privacyConsent: true,
        phone: '02-2345-6789',
        category: '個人',
        birthDate: '1990-01-02',
        address: '臺北市'
      })
      expect(complete.status).toBe(201)
      expect(complete.body).toMatchObject({
        account: 'xiaoming',
        registeredVia: 'certificate',
        certificateEnabled: true,
        certificate: { cardSerial: citizen.cardSerial }
      })
      expect((await s.api.get(`/registrations/${id}`)).body.state).toBe('COMPLETED')
      await loginPassword(s.api, 'xiaoming', 'Secret123')
      const ch2 = await getChallenge(s.api, 'login')
      expect((await s.api.post('/sessions/certificate', authToken(s.server.origin, ch2, citizen))).status).toBe(201)
      expect(s.server.responseViolations).toEqual([])
    } finally {
      await s.close()
    }
  })
})

describe('[檢核是否存在] account-name check (checkRegistrationAccount)', () => {
  it('answers for account names only, only after the identity step, and within a per-registration limit', async () => {
    const s = await startTestServer({ limits: { accountChecksPerRegistration: 4 } })
    try {
      const citizen = s.pki.citizens.resident
      const id = (await s.api.post('/registrations')).body.registrationId as string
      // Before the card holder has proven who they are: no answer at all.
      const early = await s.api.post(`/registrations/${id}/account-check`, { account: 'demo' })
      expect(early.status).toBe(409)
      expect(early.body.error.code).toBe('REGISTRATION_STATE')
      const ch = await getChallenge(s.api, 'registration', { registrationId: id })
      expect(
        (
          await s.api.post(`/registrations/${id}/identity`, {
            nationalId: citizen.nationalId,
            ...authToken(s.server.origin, ch, citizen)
          })
        ).status
      ).toBe(200)

      const taken = await s.api.post(`/registrations/${id}/account-check`, { account: 'demo' })
      expect(taken.status).toBe(200)
      expect(taken.body).toEqual({ account: 'demo', available: false })
      const free = await s.api.post(`/registrations/${id}/account-check`, { account: 'maria64' })
      expect(free.body).toEqual({ account: 'maria64', available: true })
      // The demo account's holder's national ID is not an account name: the check says nothing about IDs.
      const byId = await s.api.post(`/registrations/${id}/account-check`, { account: 'A123456789' })
      expect(byId.body).toEqual({ account: 'A123456789', available: true })
      const bad = await s.api.post(`/registrations/${id}/account-check`, { account: 'a b' })
      expect(bad.status).toBe(400)
      // The fifth check within the window (the 400 was not counted) is refused with a wait.
      expect((await s.api.post(`/registrations/${id}/account-check`, { account: 'ezway' })).body).toEqual({
        account: 'ezway',
        available: false
      })
      const limited = await s.api.post(`/registrations/${id}/account-check`, { account: 'other1' })
      expect(limited.status).toBe(429)
      expect(limited.body.error.code).toBe('RATE_LIMITED')
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(500)
      expect(s.server.responseViolations).toEqual([])
    } finally {
      await s.close()
    }
  })
})

describe('profile (個人帳號資料維護)', () => {
  it('reads and updates phone, email, address', async () => {
    const api = t.api.withToken(await loginPassword(t.api, 'ezway', 'Ezway1234'))
    const p = await api.get('/profile')
    expect(p.status).toBe(200)
    expect(p.body).toMatchObject({
      account: 'ezway',
      registeredVia: 'app',
      certificateEnabled: false,
      certificate: null
    })
    const upd = await api.patch('/profile', { phone: '02-1234-5678', email: 'new@example.tw', address: '新北市板橋區' })
    expect(upd.status).toBe(200)
    expect(upd.body).toMatchObject({ phone: '02-1234-5678', email: 'new@example.tw', address: '新北市板橋區' })
  })

  it('changes the password', async () => {
    const s = await startTestServer()
    try {
      const api = s.api.withToken(await loginPassword(s.api, 'demo', 'Demo1234'))
      expect((await api.post('/profile/password', { oldPassword: 'Demo1234', newPassword: 'Newpass99' })).status).toBe(
        204
      )
      expect((await s.api.post('/sessions/password', { account: 'demo', password: 'Demo1234' })).status).toBe(401)
      await loginPassword(s.api, 'demo', 'Newpass99')
    } finally {
      await s.close()
    }
  })

  it('enables certificate confirmation for a phone-registered account', async () => {
    const s = await startTestServer({ seed: { demoAccounts: false } })
    try {
      const citizen = s.pki.citizens.valid
      const created = await s.api.post('/dev/accounts', {
        account: 'appuser',
        password: 'Appuser123',
        name: '王小明',
        nationalId: citizen.nationalId,
        mobile: '0922333444',
        email: 'a@example.tw'
      })
      expect(created.status).toBe(201)
      const dev = await s.api.post('/dev/delegations', { account: 'appuser', count: 2 })
      expect(dev.status).toBe(201)
      const api = s.api.withToken(await loginPassword(s.api, 'appuser', 'Appuser123'))
      const d = dev.body.items[0]
      const denied = await api.post('/challenges', { purpose: 'decision', delegationId: d.id })
      expect(denied.status).toBe(403)
      expect(denied.body.error.code).toBe('CERTIFICATE_NOT_ENABLED')

      const ch = await getChallenge(api, 'enable-certificate')
      const res = await api.post('/profile/certificate', authToken(s.server.origin, ch, citizen))
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({
        registeredVia: 'app',
        certificateEnabled: true,
        certificate: { cardSerial: citizen.cardSerial }
      })

      const dch = await getChallenge(api, 'decision', { delegationId: d.id })
      const decided = await api.post(
        `/delegations/${d.id}/decision`,
        decisionBody(s.server.origin, dch, citizen, d, 'MATCH', undefined, 'enable-then-decide')
      )
      expect(decided.status).toBe(200)
      expect(s.server.responseViolations).toEqual([])
    } finally {
      await s.close()
    }
  })
})

describe('delegations (海關實名委任確認)', () => {
  let api: ReturnType<typeof t.api.withToken>
  beforeAll(async () => {
    api = t.api.withToken(await loginPassword(t.api, 'demo', 'Demo1234'))
  })

  it('lists with paging, filters and sort', async () => {
    const all = await api.get('/delegations?pageSize=500')
    expect(all.status).toBe(200)
    expect(all.body.total).toBe(30)
    expect(all.body.items).toHaveLength(30)
    const dates = all.body.items.map((d: { declarationDate: string }) => d.declarationDate)
    expect([...dates].sort().reverse()).toEqual(dates)
    const statuses = new Set(all.body.items.map((d: { status: string }) => d.status))
    expect(statuses.has('PENDING')).toBe(true)

    const page2 = await api.get('/delegations?page=2&pageSize=10&sort=houseBillNo:asc')
    expect(page2.body).toMatchObject({ page: 2, pageSize: 10, total: 30 })
    const bills = page2.body.items.map((d: { houseBillNo: string }) => d.houseBillNo)
    expect([...bills].sort()).toEqual(bills)

    const pending = await api.get('/delegations?status=PENDING')
    expect(pending.body.items.every((d: { status: string }) => d.status === 'PENDING')).toBe(true)
    const one = all.body.items[5]
    const byBill = await api.get(`/delegations?houseBillNo=${one.houseBillNo.toLowerCase()}`)
    expect(byBill.body.items.map((d: { id: string }) => d.id)).toEqual([one.id])
    const ranged = await api.get(
      `/delegations?direction=${one.direction}&dateFrom=${one.declarationDate}&dateTo=${one.declarationDate}`
    )
    expect(ranged.body.items.length).toBeGreaterThan(0)
    expect(
      ranged.body.items.every(
        (d: { declarationDate: string; direction: string }) =>
          d.declarationDate === one.declarationDate && d.direction === one.direction
      )
    ).toBe(true)

    const detail = await api.get(`/delegations/${one.id}`)
    expect(detail.status).toBe(200)
    expect(detail.body).toEqual(one)
  })

  it('records MATCH and MISMATCH decisions with the confirmation record and audit row', async () => {
    const created = await t.api.post('/dev/delegations', { account: 'demo', count: 2, houseBillNo: 'SF900000000001' })
    const [a, b] = created.body.items
    const chA = await getChallenge(api, 'decision', { delegationId: a.id })
    const resA = await api.post(
      `/delegations/${a.id}/decision`,
      decisionBody(t.server.origin, chA, t.pki.citizens.valid, a, 'MATCH', undefined, 'match-key-0001')
    )
    expect(resA.status).toBe(200)
    expect(resA.body.delegation).toMatchObject({ id: a.id, status: 'MATCH', reason: null, confirmedVia: 'certificate' })
    expect(resA.body.confirmation).toMatchObject({
      delegationId: a.id,
      decision: 'MATCH',
      confirmedVia: 'certificate',
      cardSerial: t.pki.citizens.valid.cardSerial
    })

    const reason = '品名不符：收到 Cafe\u0301 杯\r\n第二行'
    const chB = await getChallenge(api, 'decision', { delegationId: b.id })
    const resB = await api.post(
      `/delegations/${b.id}/decision`,
      decisionBody(t.server.origin, chB, t.pki.citizens.valid, b, 'MISMATCH', reason, 'mismatch-key-0001')
    )
    expect(resB.status).toBe(200)
    expect(resB.body.delegation).toMatchObject({ status: 'MISMATCH', reason: reason.normalize('NFC') })

    const records = await api.get('/confirmations?pageSize=500')
    expect(records.status).toBe(200)
    const rec = records.body.items.find((r: { delegationId: string }) => r.delegationId === b.id)
    expect(rec).toMatchObject({
      decision: 'MISMATCH',
      houseBillNo: b.houseBillNo,
      certificateSerial: expect.stringMatching(/^[0-9A-F]+$/)
    })
    expect(
      (await api.get('/confirmations?decision=MATCH')).body.items.every(
        (r: { decision: string }) => r.decision === 'MATCH'
      )
    ).toBe(true)
    const audit = t.server.db
      .prepare(`SELECT outcome, decision, cert_fingerprint FROM audit_log WHERE delegation_id = ?`)
      .all(b.id)
    expect(audit).toEqual([
      { outcome: 'OK', decision: 'MISMATCH', cert_fingerprint: expect.stringMatching(/^[0-9A-F]{64}$/) }
    ])
  })

  it('sync returns every change once and then only new changes', async () => {
    const changes: { id: string }[] = []
    let cursor: string | undefined
    for (let i = 0; i < 10; i++) {
      const res = await api.get(`/sync?limit=7${cursor ? `&cursor=${cursor}` : ''}`)
      expect(res.status).toBe(200)
      changes.push(...res.body.changes)
      cursor = res.body.nextCursor
      if (!res.body.hasMore) break
    }
    const total = (await api.get('/delegations?pageSize=1')).body.total
    expect(new Set(changes.map((c) => c.id)).size).toBe(total)
    const idle = await api.get(`/sync?cursor=${cursor}`)
    expect(idle.body).toEqual({ changes: [], nextCursor: cursor, hasMore: false })

    const created = await t.api.post('/dev/delegations', { account: 'demo' })
    const d = created.body.items[0]
    const ch = await getChallenge(api, 'decision', { delegationId: d.id })
    await api.post(
      `/delegations/${d.id}/decision`,
      decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MATCH', undefined, 'sync-key-0001')
    )
    const next = await api.get(`/sync?cursor=${cursor}`)
    expect(next.body.changes.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([[d.id, 'MATCH']])
  })

  it('does not show other accounts’ delegations', async () => {
    const other = t.api.withToken(await loginPassword(t.api, 'ezway', 'Ezway1234'))
    const mine = (await api.get('/delegations?pageSize=1')).body.items[0]
    const res = await other.get(`/delegations/${mine.id}`)
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('DELEGATION_NOT_FOUND')
  })
})

describe('batch confirmation (prepareDecisions, decideDelegations)', () => {
  it('prepares N rows in one request and decides them in one request, per row, in order', async () => {
    const api = t.api.withToken(await loginPassword(t.api, 'demo', 'Demo1234'))
    const created = (await t.api.post('/dev/delegations', { account: 'demo', count: 3 })).body.items as {
      id: string
      houseBillNo: string
    }[]
    const answered = (await t.api.post('/dev/delegations', { account: 'demo', status: 'MATCH' })).body.items[0] as {
      id: string
    }
    const ids = [...created.map((d) => d.id), answered.id, 'dlg_doesnotexist01']
    const prep = await api.post('/decisions/prepare', { delegationIds: ids })
    expect(prep.status).toBe(200)
    expect(prep.body.items.map((r: { delegationId: string; ok: boolean }) => [r.delegationId, r.ok])).toEqual([
      [ids[0], true],
      [ids[1], true],
      [ids[2], true],
      [ids[3], false],
      [ids[4], false]
    ])
    expect(prep.body.items[0]).toMatchObject({
      delegation: { id: ids[0], houseBillNo: created[0]?.houseBillNo, status: 'PENDING' },
      challenge: { purpose: 'decision' }
    })
    expect(Buffer.from(prep.body.items[0].challenge.nonce, 'base64')).toHaveLength(32)
    expect(prep.body.items[3]).toMatchObject({
      ok: false,
      delegation: { id: answered.id, status: 'MATCH' },
      error: { code: 'DELEGATION_ALREADY_ANSWERED', status: 409, retriable: false }
    })
    expect(prep.body.items[4]).toMatchObject({
      ok: false,
      delegation: null,
      error: { code: 'DELEGATION_NOT_FOUND', status: 404 }
    })
    // the challenges are bound to their rows: one row's challenge is refused for another
    const citizen = t.pki.citizens.valid
    const row = (i: number, decision: 'MATCH' | 'MISMATCH', reason?: string) => {
      const p = prep.body.items[i]
      const b = decisionBody(
        t.server.origin,
        p.challenge,
        citizen,
        p.delegation,
        decision,
        reason,
        `batch-key-${i}-${ids[i]}`
      )
      return {
        delegationId: p.delegation.id,
        decision,
        ...(reason !== undefined ? { reason } : {}),
        challengeId: b.challengeId,
        signature: b.signature,
        idempotencyKey: b.idempotencyKey
      }
    }
    const items = [row(0, 'MATCH'), row(1, 'MISMATCH', '品名不符'), row(2, 'MATCH')]
    const body = { certificate: citizen.signCertDer.toString('base64'), algorithm: 'RS256', items }
    const res = await api.post('/decisions', body)
    expect(res.status).toBe(200)
    expect(
      res.body.items.map((r: { delegationId: string; ok: boolean; replayed: boolean }) => [
        r.delegationId,
        r.ok,
        r.replayed
      ])
    ).toEqual([
      [ids[0], true, false],
      [ids[1], true, false],
      [ids[2], true, false]
    ])
    expect(res.body.items[1]).toMatchObject({
      delegation: { id: ids[1], status: 'MISMATCH', reason: '品名不符', confirmedVia: 'certificate' },
      confirmation: { delegationId: ids[1], decision: 'MISMATCH', cardSerial: citizen.cardSerial }
    })
    const audit = t.server.db
      .prepare(`SELECT outcome, decision, card_serial FROM audit_log WHERE delegation_id = ?`)
      .all(ids[2])
    expect(audit).toEqual([{ outcome: 'OK', decision: 'MATCH', card_serial: citizen.cardSerial }])

    // The answer was "lost": the same body again is a success per row (replayed), never "already answered".
    const again = await api.post('/decisions', body)
    expect(again.status).toBe(200)
    expect(again.body.items.map((r: { ok: boolean; replayed: boolean }) => [r.ok, r.replayed])).toEqual([
      [true, true],
      [true, true],
      [true, true]
    ])
    expect(again.body.items[1].confirmation).toEqual(res.body.items[1].confirmation)
    // …and through the single-row operation with a row's key, too (one idempotency store).
    const single = await api.post(`/delegations/${ids[0]}/decision`, {
      decision: 'MATCH',
      challengeId: items[0]?.challengeId,
      certificate: body.certificate,
      signature: items[0]?.signature,
      idempotencyKey: items[0]?.idempotencyKey
    })
    expect(single.status).toBe(200)
    expect(single.headers['idempotent-replayed']).toBe('true')
    expect(single.body).toEqual({
      delegation: res.body.items[0].delegation,
      confirmation: res.body.items[0].confirmation
    })
    const records = (await api.get('/confirmations?pageSize=500')).body.items.filter((r: { delegationId: string }) =>
      ids.slice(0, 3).includes(r.delegationId)
    )
    expect(records).toHaveLength(3) // one record per row, none doubled by the replays
  })
})
