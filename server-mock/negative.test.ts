// Negative tests: everything a strict server must refuse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CitizenVariant } from './test-pki'
import {
  authToken,
  decisionBody,
  getChallenge,
  loginPassword,
  signRs256,
  startTestServer,
  type ApiClient,
  type TestServer
} from './test-helpers'
import { buildAuthSignedData } from './protocol'

let clock = Date.now()
let t: TestServer
let api: ApiClient

beforeAll(async () => {
  // Many refused logins come from 127.0.0.1 here; the limit itself is tested on its own server.
  t = await startTestServer({ now: () => new Date(clock), limits: { signatureFailuresMax: 1000 } })
  api = t.api.withToken(await loginPassword(t.api, 'demo', 'Demo1234'))
})

afterAll(async () => {
  expect(t.server.responseViolations).toEqual([])
  await t.close()
})

async function pending(account = 'demo'): Promise<{ id: string; houseBillNo: string }> {
  const res = await t.api.post('/dev/delegations', { account })
  expect(res.status).toBe(201)
  return res.body.items[0]
}

let keySeq = 0
const key = (): string => `neg-key-${String(++keySeq).padStart(4, '0')}`

/** Same bytes, but with non-zero unused bits in the last base64 character. */
function nonCanonical(b64: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  const m = /^(.*)([^=])(==?)$/.exec(b64)
  if (!m) throw new Error('expected padded base64')
  const idx = alphabet.indexOf(m[2] as string) | (m[3] === '==' ? 0x0f : 0x03)
  const out = `${m[1]}${alphabet[idx]}${m[3]}`
  expect(out).not.toBe(b64)
  expect(Buffer.from(out, 'base64')).toEqual(Buffer.from(b64, 'base64'))
  return out
}

function expectError(res: { status: number; body: any }, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code })
  expect(typeof res.body.error.message).toBe('string')
  expect(typeof res.body.error.retriable).toBe('boolean')
}

describe('challenges', () => {
  it('a replayed nonce is refused', async () => {
    const ch = await getChallenge(t.api, 'login')
    const token = authToken(t.server.origin, ch, t.pki.citizens.valid)
    expect((await t.api.post('/sessions/certificate', token)).status).toBe(201)
    const replay = await t.api.post('/sessions/certificate', token)
    expectError(replay, 400, 'CHALLENGE_ALREADY_USED')
    expect(replay.body.error.retriable).toBe(true)
  })

  it('an expired nonce is refused (injected clock)', async () => {
    const ch = await getChallenge(t.api, 'login')
    clock += 5 * 60_000 + 1
    try {
      expectError(
        await t.api.post('/sessions/certificate', authToken(t.server.origin, ch, t.pki.citizens.valid)),
        400,
        'CHALLENGE_EXPIRED'
      )
    } finally {
      clock -= 5 * 60_000 + 1
    }
  })

  it('a nonce from another session is refused and stays usable by its owner', async () => {
    const d = await pending()
    const other = t.api.withToken(await loginPassword(t.api, 'demo', 'Demo1234'))
    const ch = await getChallenge(other, 'decision', { delegationId: d.id })
    const body = decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MATCH', undefined, key())
    expectError(await api.post(`/delegations/${d.id}/decision`, body), 403, 'CHALLENGE_BINDING_MISMATCH')
    expect((await other.post(`/delegations/${d.id}/decision`, body)).status).toBe(200)
  })

  it('a decision challenge for another delegation is refused', async () => {
    const [d1, d2] = [await pending(), await pending()]
    const ch = await getChallenge(api, 'decision', { delegationId: d1.id })
    expectError(
      await api.post(
        `/delegations/${d2.id}/decision`,
        decisionBody(t.server.origin, ch, t.pki.citizens.valid, d2, 'MATCH', undefined, key())
      ),
      403,
      'CHALLENGE_BINDING_MISMATCH'
    )
  })

  it('a challenge of another purpose is refused', async () => {
    const d = await pending()
    const ch = await getChallenge(t.api, 'login')
    expectError(
      await api.post(
        `/delegations/${d.id}/decision`,
        decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MATCH', undefined, key())
      ),
      400,
      'CHALLENGE_PURPOSE_MISMATCH'
    )
  })

  it('unknown challenges and inconsistent challenge requests are refused', async () => {
    const ch = {
      challengeId: 'ch_AAAAAAAAAAAAAAAAAAAAAA',
      nonce: 'A'.repeat(43) + '=',
      purpose: 'login' as const,
      expiresAt: ''
    }
    expectError(
      await t.api.post('/sessions/certificate', authToken(t.server.origin, ch, t.pki.citizens.valid)),
      400,
      'CHALLENGE_NOT_FOUND'
    )
    expectError(
      await t.api.post('/challenges', { purpose: 'decision', delegationId: 'dlg_whatever123' }),
      401,
      'UNAUTHENTICATED'
    )
    expectError(await api.post('/challenges', { purpose: 'decision' }), 400, 'VALIDATION_FAILED')
    expectError(
      await t.api.post('/challenges', { purpose: 'login', registrationId: 'reg_AAAAAAAAAAAAAAAAAAAAAA' }),
      400,
      'VALIDATION_FAILED'
    )
    expectError(
      await t.api.post('/challenges', { purpose: 'registration', registrationId: 'reg_AAAAAAAAAAAAAAAAAAAAAA' }),
      404,
      'REGISTRATION_NOT_FOUND'
    )
  })
})

describe('signatures and certificates', () => {
  it('a tampered statement is refused (signed MATCH, sent MISMATCH)', async () => {
    const d = await pending()
    const ch = await getChallenge(api, 'decision', { delegationId: d.id })
    const body = decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MISMATCH', '數量不符', key(), {
      decision: 'MATCH',
      reason: ''
    })
    expectError(await api.post(`/delegations/${d.id}/decision`, body), 422, 'SIGNATURE_INVALID')
    expect((await api.get(`/delegations/${d.id}`)).body.status).toBe('PENDING')
    const audit = t.server.db.prepare(`SELECT outcome FROM audit_log WHERE delegation_id = ?`).all(d.id)
    expect(audit).toEqual([{ outcome: 'SIGNATURE_INVALID' }])
  })

  it.each([
    ['another house bill number', { houseBillNo: 'XX0000000000' }],
    ['another reason', { reason: '數量不符!' }],
    ['another origin', { origin: 'https://eccs.example.tw' }]
  ])('a statement signed with %s is refused', async (_label, signed) => {
    const d = await pending()
    const ch = await getChallenge(api, 'decision', { delegationId: d.id })
    expectError(
      await api.post(
        `/delegations/${d.id}/decision`,
        decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MISMATCH', '數量不符', key(), signed)
      ),
      422,
      'SIGNATURE_INVALID'
    )
  })

  it('authentication signed for another origin is refused', async () => {
    const ch = await getChallenge(t.api, 'login')
    const token = {
      ...authToken(t.server.origin, ch, t.pki.citizens.valid),
      signature: signRs256(t.pki.citizens.valid, buildAuthSignedData('https://127.0.0.1:1', ch.nonce))
    }
    expectError(await t.api.post('/sessions/certificate', token), 422, 'SIGNATURE_INVALID')
  })

  it('a signature by another key than the certificate’s is refused', async () => {
    const ch = await getChallenge(t.api, 'login')
    expectError(
      await t.api.post(
        '/sessions/certificate',
        authToken(t.server.origin, ch, t.pki.citizens.revoked, t.pki.citizens.valid)
      ),
      422,
      'SIGNATURE_INVALID'
    )
  })

  const cases: [CitizenVariant, number, string][] = [
    ['wrong-issuer', 422, 'CERTIFICATE_UNTRUSTED'],
    ['expired', 422, 'CERTIFICATE_EXPIRED'],
    ['not-yet-valid', 422, 'CERTIFICATE_NOT_YET_VALID'],
    ['revoked', 422, 'CERTIFICATE_REVOKED'],
    ['wrong-key-usage', 422, 'CERTIFICATE_KEY_USAGE']
  ]
  it.each(cases)('a %s certificate is refused for login and registration', async (variant, status, code) => {
    const citizen = t.pki.citizens[variant]
    const ch = await getChallenge(t.api, 'login')
    expectError(await t.api.post('/sessions/certificate', authToken(t.server.origin, ch, citizen)), status, code)
    const reg = await t.api.post('/registrations')
    const rch = await getChallenge(t.api, 'registration', { registrationId: reg.body.registrationId })
    const res = await t.api.post(`/registrations/${reg.body.registrationId}/identity`, {
      nationalId: citizen.nationalId,
      ...authToken(t.server.origin, rch, citizen)
    })
    expectError(res, status, code)
  })

  it('a certificate that is not the account’s bound card cannot decide', async () => {
    const s = await startTestServer({ seed: { demoAccounts: false } })
    try {
      // A phone account for 王小明 enables the certificate; a registration of another account is impossible,
      // so simulate a renewed card by unbinding and binding another serial directly.
      const c = s.pki.citizens.valid
      await s.api.post('/dev/accounts', {
        account: 'wang',
        password: 'Wang12345',
        name: c.name,
        nationalId: c.nationalId,
        mobile: '0911000111',
        email: 'w@example.tw'
      })
      const a = s.api.withToken(await loginPassword(s.api, 'wang', 'Wang12345'))
      await a.post('/profile/certificate', authToken(s.server.origin, await getChallenge(a, 'enable-certificate'), c))
      s.server.db.prepare(`UPDATE accounts SET cert_card_serial = '9999999999999999' WHERE account = 'wang'`).run()
      const d = (await s.api.post('/dev/delegations', { account: 'wang' })).body.items[0]
      const ch = await getChallenge(a, 'decision', { delegationId: d.id })
      expectError(
        await a.post(
          `/delegations/${d.id}/decision`,
          decisionBody(s.server.origin, ch, c, d, 'MATCH', undefined, key())
        ),
        403,
        'CERTIFICATE_NOT_BOUND'
      )
    } finally {
      await s.close()
    }
  })

  it('garbage certificates and non-RS256 algorithms are refused', async () => {
    const ch = await getChallenge(t.api, 'login')
    const token = authToken(t.server.origin, ch, t.pki.citizens.valid)
    expectError(
      await t.api.post('/sessions/certificate', { ...token, certificate: Buffer.alloc(300, 7).toString('base64') }),
      422,
      'CERTIFICATE_INVALID'
    )
    const ch2 = await getChallenge(t.api, 'login')
    expectError(
      await t.api.post('/sessions/certificate', {
        ...authToken(t.server.origin, ch2, t.pki.citizens.valid),
        algorithm: 'PS256'
      }),
      400,
      'VALIDATION_FAILED'
    )
  })
})

describe('registration', () => {
  async function verifiedRegistration(s: TestServer, variant: CitizenVariant = 'valid'): Promise<string> {
    const reg = await s.api.post('/registrations')
    const id = reg.body.registrationId as string
    const ch = await getChallenge(s.api, 'registration', { registrationId: id })
    const res = await s.api.post(`/registrations/${id}/identity`, {
      nationalId: s.pki.citizens[variant].nationalId,
      ...authToken(s.server.origin, ch, s.pki.citizens[variant])
    })
    expect(res.status).toBe(200)
    return id
  }

  it('limits unauthenticated registration starts per client address (each one writes a row)', async () => {
    const s = await startTestServer({ limits: { registrationsPerIp: 3 } })
    try {
      for (let i = 0; i < 3; i++) expect((await s.api.post('/registrations')).status).toBe(201)
      const count = (): number =>
        (s.server.db.prepare(`SELECT COUNT(*) AS n FROM registrations`).get() as { n: number }).n
      const before = count()
      const refused = await s.api.post('/registrations')
      expectError(refused, 429, 'RATE_LIMITED')
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
      expect(count()).toBe(before)
    } finally {
      await s.close()
    }
  })

  it('refuses a national ID whose last four digits differ from the certificate', async () => {
    const reg = await t.api.post('/registrations')
    const id = reg.body.registrationId
    const ch = await getChallenge(t.api, 'registration', { registrationId: id })
    // Valid checksum, different last four digits than 王小明's certificate; not registered yet.
    const res = await t.api.post(`/registrations/${id}/identity`, {
      nationalId: 'F131104093',
      ...authToken(t.server.origin, ch, t.pki.citizens.valid)
    })
    expectError(res, 422, 'NATIONAL_ID_MISMATCH')
    const bad = await t.api.post(`/registrations/${id}/identity`, {
      nationalId: 'A123456788',
      ...authToken(t.server.origin, ch, t.pki.citizens.valid)
    })
    expectError(bad, 400, 'INVALID_NATIONAL_ID')
  })

  it('refuses a national ID that already has an account', async () => {
    const reg = await t.api.post('/registrations')
    const ch = await getChallenge(t.api, 'registration', { registrationId: reg.body.registrationId })
    const res = await t.api.post(`/registrations/${reg.body.registrationId}/identity`, {
      nationalId: 'A123456789',
      ...authToken(t.server.origin, ch, t.pki.citizens.valid)
    })
    expectError(res, 409, 'NATIONAL_ID_ALREADY_REGISTERED')
  })

  it('SMS cool-down, code attempts, expiry and the password rule', async () => {
    let now = Date.now()
    const s = await startTestServer({ seed: { demoAccounts: false }, now: () => new Date(now) })
    try {
      const id = await verifiedRegistration(s)
      expectError(
        await s.api.post(`/registrations/${id}/complete`, {
          name: '王小明',
          nationalId: 'A123456789',
          account: 'wang',
          password: 'Secret123',
          email: 'w@example.tw',
          mobile: '0911222333',
          smsCode: '000000',
          privacyConsent: true,
          phone: '02-2345-6789',
          birthDate: '1990-05-17',
          address: '臺北市中正區重慶南路一段 122 號',
          category: '個人'
        }),
        409,
        'REGISTRATION_STATE'
      )
      expect((await s.api.post(`/registrations/${id}/sms`, { mobile: '0911222333' })).status).toBe(200)
      const cool = await s.api.post(`/registrations/${id}/sms`, { mobile: '0911222333' })
      expectError(cool, 429, 'SMS_COOLDOWN')
      expect(Number(cool.headers['retry-after'])).toBeGreaterThan(0)
      expectError(await s.api.post(`/registrations/${id}/sms`, { mobile: '0811222333' }), 400, 'VALIDATION_FAILED')
      const code = (await s.api.get('/dev/sms-outbox')).body.messages.at(-1).code as string
      const wrong = code === '000000' ? '111111' : '000000'
      const form = {
        name: '王小明',
        nationalId: 'A123456789',
        account: 'wang',
        password: 'Secret123',
        email: 'w@example.tw',
        mobile: '0911222333',
        smsCode: wrong,
        privacyConsent: true,
        phone: '02-2345-6789',
        birthDate: '1990-05-17',
        address: '臺北市中正區重慶南路一段 122 號',
        category: '個人'
      }
      expectError(
        await s.api.post(`/registrations/${id}/complete`, { ...form, password: 'secret123' }),
        400,
        'WEAK_PASSWORD'
      )
      expectError(
        await s.api.post(`/registrations/${id}/complete`, { ...form, password: 'Secretabc' }),
        400,
        'WEAK_PASSWORD'
      )
      expectError(await s.api.post(`/registrations/${id}/complete`, { ...form, password: 'Se1' }), 400, 'WEAK_PASSWORD')
      expectError(
        await s.api.post(`/registrations/${id}/complete`, { ...form, privacyConsent: false }),
        400,
        'PRIVACY_CONSENT_REQUIRED'
      )
      // 出生年月日, 聯絡電話, 聯絡地址 are required (* in the manual's form, seeds/003), also for a client skipping the form.
      for (const missing of ['birthDate', 'phone', 'address'] as const) {
        const { [missing]: _dropped, ...without } = form
        expectError(await s.api.post(`/registrations/${id}/complete`, without), 400, 'VALIDATION_FAILED')
      }
      expectError(
        await s.api.post(`/registrations/${id}/complete`, { ...form, address: '   ' }),
        400,
        'VALIDATION_FAILED'
      )
      expectError(await s.api.post(`/registrations/${id}/complete`, { ...form, name: '王大明' }), 422, 'NAME_MISMATCH')
      expectError(
        await s.api.post(`/registrations/${id}/complete`, { ...form, mobile: '0911222334' }),
        422,
        'MOBILE_MISMATCH'
      )
      for (let i = 0; i < 4; i++)
        expectError(await s.api.post(`/registrations/${id}/complete`, form), 422, 'SMS_CODE_INVALID')
      expectError(await s.api.post(`/registrations/${id}/complete`, form), 422, 'SMS_CODE_ATTEMPTS_EXCEEDED')
      expectError(
        await s.api.post(`/registrations/${id}/complete`, { ...form, smsCode: code }),
        422,
        'SMS_CODE_ATTEMPTS_EXCEEDED'
      )
      now += 61_000
      expect((await s.api.post(`/registrations/${id}/sms`, { mobile: '0911222333' })).status).toBe(200)
      const code2 = (await s.api.get('/dev/sms-outbox')).body.messages.at(-1).code as string
      now += 5 * 60_000
      expectError(
        await s.api.post(`/registrations/${id}/complete`, { ...form, smsCode: code2 }),
        422,
        'SMS_CODE_EXPIRED'
      )
      now += 61_000
      await s.api.post(`/registrations/${id}/sms`, { mobile: '0911222333' })
      const code3 = (await s.api.get('/dev/sms-outbox')).body.messages.at(-1).code as string
      expect((await s.api.post(`/registrations/${id}/complete`, { ...form, smsCode: code3 })).status).toBe(201)
      now += 31 * 60_000
      const late = await s.api.post('/registrations')
      now += 31 * 60_000
      expectError(await s.api.get(`/registrations/${late.body.registrationId}`), 410, 'REGISTRATION_EXPIRED')
      expect(s.server.responseViolations).toEqual([])
    } finally {
      await s.close()
    }
  })
})

describe('delegation decisions', () => {
  it('a phone-only (EZWay) account gets 403 CERTIFICATE_NOT_ENABLED', async () => {
    const ez = t.api.withToken(await loginPassword(t.api, 'ezway', 'Ezway1234'))
    const d = await pending('ezway')
    expectError(
      await ez.post('/challenges', { purpose: 'decision', delegationId: d.id }),
      403,
      'CERTIFICATE_NOT_ENABLED'
    )
    // Even with a challenge obtained some other way the decision endpoint refuses.
    const fake = {
      challengeId: 'ch_AAAAAAAAAAAAAAAAAAAAAA',
      nonce: 'A'.repeat(43) + '=',
      purpose: 'decision' as const,
      expiresAt: ''
    }
    expectError(
      await ez.post(
        `/delegations/${d.id}/decision`,
        decisionBody(t.server.origin, fake, t.pki.citizens.valid, d, 'MATCH', undefined, key())
      ),
      403,
      'CERTIFICATE_NOT_ENABLED'
    )
  })

  it('a second decision gets 409; the same idempotency key replays the first response', async () => {
    const d = await pending()
    const k = key()
    const ch = await getChallenge(api, 'decision', { delegationId: d.id })
    const body = decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MISMATCH', '非本人訂購', k)
    const first = await api.post(`/delegations/${d.id}/decision`, body)
    expect(first.status).toBe(200)
    const retry = await api.post(`/delegations/${d.id}/decision`, body)
    expect(retry.status).toBe(200)
    expect(retry.body).toEqual(first.body)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(t.server.db.prepare(`SELECT COUNT(*) AS n FROM confirmations WHERE delegation_id = ?`).get(d.id)).toEqual({
      n: 1
    })

    expectError(
      await api.post(`/delegations/${d.id}/decision`, { ...body, decision: 'MATCH', reason: undefined }),
      422,
      'IDEMPOTENCY_KEY_REUSED'
    )
    expectError(
      await api.post('/challenges', { purpose: 'decision', delegationId: d.id }),
      409,
      'DELEGATION_ALREADY_ANSWERED'
    )
    const again = decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MATCH', undefined, key())
    expectError(await api.post(`/delegations/${d.id}/decision`, again), 409, 'DELEGATION_ALREADY_ANSWERED')
  })

  it('reason rules', async () => {
    const d = await pending()
    const ch = await getChallenge(api, 'decision', { delegationId: d.id })
    expectError(
      await api.post(
        `/delegations/${d.id}/decision`,
        decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MISMATCH', undefined, key(), { reason: 'x' })
      ),
      400,
      'REASON_REQUIRED'
    )
    expectError(
      await api.post(
        `/delegations/${d.id}/decision`,
        decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MISMATCH', '   ', key(), { reason: 'x' })
      ),
      400,
      'REASON_REQUIRED'
    )
    expectError(
      await api.post(
        `/delegations/${d.id}/decision`,
        decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MATCH', '多餘', key(), { reason: '' })
      ),
      400,
      'REASON_NOT_ALLOWED'
    )
    expectError(
      await api.post(
        `/delegations/${d.id}/decision`,
        decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MISMATCH', '字'.repeat(201), key())
      ),
      400,
      'VALIDATION_FAILED'
    )
    expectError(
      await api.post(
        `/delegations/${d.id}/decision`,
        decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MISMATCH', 'a\u0007b', key())
      ),
      400,
      'VALIDATION_FAILED'
    )
    // None of these consumed the challenge: 200 characters is fine.
    expect(
      (
        await api.post(
          `/delegations/${d.id}/decision`,
          decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MISMATCH', '字'.repeat(200), key())
        )
      ).status
    ).toBe(200)
  })

  it('unknown delegations are 404', async () => {
    expectError(await api.get('/delegations/dlg_doesnotexist0'), 404, 'DELEGATION_NOT_FOUND')
    expectError(
      await api.post('/challenges', { purpose: 'decision', delegationId: 'dlg_doesnotexist0' }),
      404,
      'DELEGATION_NOT_FOUND'
    )
  })

  it('too many failed signature attempts are rate limited', async () => {
    const s = await startTestServer({ limits: { signatureFailuresMax: 3 } })
    try {
      const a = s.api.withToken(await loginPassword(s.api, 'demo', 'Demo1234'))
      const d = (await s.api.post('/dev/delegations', { account: 'demo' })).body.items[0]
      for (let i = 0; i < 3; i++) {
        const ch = await getChallenge(a, 'decision', { delegationId: d.id })
        expectError(
          await a.post(
            `/delegations/${d.id}/decision`,
            decisionBody(s.server.origin, ch, s.pki.citizens.valid, d, 'MATCH', undefined, key(), {
              houseBillNo: 'TAMPERED1'
            })
          ),
          422,
          'SIGNATURE_INVALID'
        )
      }
      const ch = await getChallenge(a, 'decision', { delegationId: d.id })
      const limited = await a.post(
        `/delegations/${d.id}/decision`,
        decisionBody(s.server.origin, ch, s.pki.citizens.valid, d, 'MATCH', undefined, key())
      )
      expectError(limited, 429, 'RATE_LIMITED')
      expect(limited.body.error.retriable).toBe(true)
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    } finally {
      await s.close()
    }
  })
})

describe('sessions and passwords', () => {
  it('5 wrong passwords make that client wait (back-off), not the account: another client still logs in', async () => {
    let now = Date.now()
    const s = await startTestServer({ now: () => new Date(now) })
    try {
      const attacker = { localAddress: '127.0.0.2' }
      for (let i = 0; i < 4; i++)
        expectError(
          await s.api.post('/sessions/password', { account: 'ezway', password: 'Wrong1234' }, attacker),
          401,
          'INVALID_CREDENTIALS'
        )
      const fifth = await s.api.post('/sessions/password', { account: 'ezway', password: 'Wrong1234' }, attacker)
      expectError(fifth, 423, 'ACCOUNT_LOCKED')
      expect(Number(fifth.headers['retry-after'])).toBe(30)
      // Even the right password waits on that client …
      expectError(
        await s.api.post('/sessions/password', { account: 'ezway', password: 'Ezway1234' }, attacker),
        423,
        'ACCOUNT_LOCKED'
      )
      // … while the owner on another client is not locked out by the attacker.
      await loginPassword(s.api, 'ezway', 'Ezway1234')
      // The back-off doubles with each further failure after the wait.
      now += 31_000
      expect(
        Number(
          (await s.api.post('/sessions/password', { account: 'ezway', password: 'Wrong1234' }, attacker)).headers[
            'retry-after'
          ]
        )
      ).toBe(60)
      now += 61_000
      const again = await s.api.post('/sessions/password', { account: 'ezway', password: 'Ezway1234' }, attacker)
      expect(again.status).toBe(201)
    } finally {
      await s.close()
    }
  })

  it('unknown account and wrong password: the same answer, the same back-off, the same work', async () => {
    const s = await startTestServer()
    try {
      const answers = async (account: string, from: string): Promise<string[]> => {
        const out: string[] = []
        for (let i = 0; i < 6; i++) {
          const r = await s.api.post('/sessions/password', { account, password: 'Wrong1234' }, { localAddress: from })
          out.push(`${r.status} ${r.headers['retry-after'] ?? '-'} ${JSON.stringify(r.body)}`)
        }
        return out
      }
      const known = await answers('ezway', '127.0.0.3')
      const unknown = await answers('nobody-here', '127.0.0.4')
      expect(unknown).toEqual(known)
      expect(known[0]).toContain('INVALID_CREDENTIALS')
      expect(known[5]).toContain('ACCOUNT_LOCKED')
      // Timing: both paths run one scrypt; medians over interleaved runs on fresh clients.
      const time = async (account: string, i: number): Promise<number> => {
        const t = process.hrtime.bigint()
        await s.api.post('/sessions/password', { account, password: 'Wrong1234' }, { localAddress: `127.0.1.${i}` })
        return Number(process.hrtime.bigint() - t) / 1e6
      }
      const k: number[] = []
      const u: number[] = []
      for (let i = 1; i <= 8; i++) {
        k.push(await time('ezway', i))
        u.push(await time('nobody-here', i))
      }
      const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1] ?? 0
      console.log(`login timing: known ${median(k).toFixed(1)} ms, unknown ${median(u).toFixed(1)} ms (median of 8)`)
      // Without the dummy scrypt the unknown path is ~50× faster; equal work keeps them within noise.
      expect(median(u) / median(k)).toBeGreaterThan(0.5)
      expect(median(u) / median(k)).toBeLessThan(2)
    } finally {
      await s.close()
    }
  })

  it('refuses unpaired surrogates in any JSON string before a handler sees it', async () => {
    const s = await startTestServer()
    try {
      const raw = '{"account":"ezway","password":"Ab1\\ud800xyz"}'
      const r = await s.api.post('/sessions/password', undefined, { raw })
      expectError(r, 400, 'VALIDATION_FAILED')
      expect(r.body.error.details).toEqual([{ path: '/body/password', message: 'must be well-formed Unicode text' }])
      const paired = await s.api.post('/sessions/password', undefined, {
        raw: '{"account":"ezway","password":"Ab1\\ud83d\\ude00x"}'
      })
      expectError(paired, 401, 'INVALID_CREDENTIALS')
    } finally {
      await s.close()
    }
  })

  it('sessions expire after 30 idle minutes', async () => {
    const token = await loginPassword(t.api, 'demo', 'Demo1234')
    const a = t.api.withToken(token)
    clock += 29 * 60_000
    expect((await a.get('/profile')).status).toBe(200)
    clock += 29 * 60_000
    expect((await a.get('/profile')).status).toBe(200)
    clock += 31 * 60_000
    try {
      expectError(await a.get('/profile'), 401, 'SESSION_EXPIRED')
    } finally {
      clock -= 89 * 60_000
    }
    expectError(await t.api.get('/profile', { token: 'not-a-token-but-long-enough' }), 401, 'UNAUTHENTICATED')
    expectError(
      await t.api.get('/profile', { headers: { authorization: 'Basic abc' }, token: null }),
      401,
      'UNAUTHENTICATED'
    )
    expectError(await t.api.get('/profile', { token: null }), 401, 'UNAUTHENTICATED')
  })

  it('wrong old password, weak and reused new passwords', async () => {
    const s = await startTestServer()
    try {
      const a = s.api.withToken(await loginPassword(s.api, 'demo', 'Demo1234'))
      expectError(
        await a.post('/profile/password', { oldPassword: 'Nope12345', newPassword: 'Newpass99' }),
        403,
        'INVALID_OLD_PASSWORD'
      )
      expectError(
        await a.post('/profile/password', { oldPassword: 'Demo1234', newPassword: 'short1A' }),
        400,
        'WEAK_PASSWORD'
      )
      expectError(
        await a.post('/profile/password', { oldPassword: 'Demo1234', newPassword: 'Demo1234' }),
        400,
        'PASSWORD_REUSED'
      )
    } finally {
      await s.close()
    }
  })
})

describe('malformed input', () => {
  it('oversize bodies get 413', async () => {
    const res = await t.api.post('/sessions/password', { account: 'demo', password: 'x'.repeat(70 * 1024) })
    expectError(res, 413, 'PAYLOAD_TOO_LARGE')
  })

  it('malformed JSON, wrong content type, unknown fields and bad query parameters get 400/415', async () => {
    expectError(
      await t.api.post('/sessions/password', undefined, { raw: '{"account": "demo",' }),
      400,
      'MALFORMED_JSON'
    )
    expectError(
      await t.api.post('/sessions/password', undefined, {
        raw: 'account=demo',
        contentType: 'application/x-www-form-urlencoded'
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE'
    )
    expectError(await t.api.post('/sessions/password', undefined, { raw: '"demo"' }), 400, 'VALIDATION_FAILED')
    const unknown = await t.api.post('/sessions/password', { account: 'demo', password: 'Demo1234', admin: true })
    expectError(unknown, 400, 'VALIDATION_FAILED')
    expect(unknown.body.error.details).toEqual([{ path: '/body/admin', message: 'is not allowed (unknown field)' }])
    expectError(await t.api.post('/sessions/password', { account: 'demo', password: 1234 }), 400, 'VALIDATION_FAILED')
    expectError(await t.api.post('/sessions/password', { account: 'demo' }), 400, 'VALIDATION_FAILED')
    expectError(await t.api.post('/sessions/password'), 400, 'VALIDATION_FAILED')
    expectError(await api.get('/delegations?pageSize=501'), 400, 'VALIDATION_FAILED')
    expectError(await api.get('/delegations?status=DONE'), 400, 'VALIDATION_FAILED')
    expectError(await api.get('/delegations?sort=id:asc'), 400, 'VALIDATION_FAILED')
    expectError(await api.get('/delegations?dateFrom=2024-02-30'), 400, 'VALIDATION_FAILED')
    expectError(await api.get('/delegations?dateFrom=2024-03-02&dateTo=2024-03-01'), 400, 'VALIDATION_FAILED')
    expectError(await api.get('/delegations?page=1&page=2'), 400, 'VALIDATION_FAILED')
    expectError(await api.get('/delegations?foo=1'), 400, 'VALIDATION_FAILED')
    expectError(await api.get('/sync?cursor=djEyMzQ1Njc4OTAxMjM0NTY3ODkw'), 400, 'INVALID_CURSOR')
    expectError(await api.patch('/profile', {}), 400, 'VALIDATION_FAILED')
    expectError(await api.patch('/profile', { name: '改名' }), 400, 'VALIDATION_FAILED')
    expectError(await api.patch('/profile', { email: 'not-an-email' }), 400, 'VALIDATION_FAILED')
    const d = await pending()
    const ch = await getChallenge(api, 'decision', { delegationId: d.id })
    const body = decisionBody(t.server.origin, ch, t.pki.citizens.valid, d, 'MATCH', undefined, key())
    expectError(await api.post(`/delegations/${d.id}/decision`, { ...body, decision: 'YES' }), 400, 'VALIDATION_FAILED')
    expectError(
      await api.post(`/delegations/${d.id}/decision`, { ...body, signature: 'not base64!' }),
      400,
      'VALIDATION_FAILED'
    )
    expectError(
      await api.post(`/delegations/${d.id}/decision`, { ...body, idempotencyKey: 'short' }),
      400,
      'VALIDATION_FAILED'
    )
    expectError(
      await api.post(`/delegations/${d.id}/decision`, { ...body, signature: nonCanonical(body.signature) }),
      400,
      'VALIDATION_FAILED'
    )
    // The challenge survived all of that.
    expect((await api.post(`/delegations/${d.id}/decision`, body)).status).toBe(200)
  })
})

describe('batch confirmation (prepareDecisions, decideDelegations)', () => {
  const citizen = () => t.pki.citizens.valid
  async function prepared(n: number, a: ApiClient = api, s: TestServer = t) {
    const ds = (await s.api.post('/dev/delegations', { account: 'demo', count: n })).body.items as {
      id: string
      houseBillNo: string
    }[]
    const res = await a.post('/decisions/prepare', { delegationIds: ds.map((d) => d.id) })
    expect(res.status).toBe(200)
    return res.body.items as {
      delegation: { id: string; houseBillNo: string }
      challenge: { challengeId: string; nonce: string; purpose: 'decision'; expiresAt: string }
    }[]
  }
  function row(
    p: {
      delegation: { id: string; houseBillNo: string }
      challenge: { challengeId: string; nonce: string; purpose: 'decision'; expiresAt: string }
    },
    k = key(),
    tamper?: { houseBillNo: string }
  ) {
    const b = decisionBody(t.server.origin, p.challenge, citizen(), p.delegation, 'MATCH', undefined, k, tamper)
    return {
      delegationId: p.delegation.id,
      decision: 'MATCH' as const,
      challengeId: b.challengeId,
      signature: b.signature,
      idempotencyKey: k
    }
  }
  const cert = () => citizen().signCertDer.toString('base64')
  const codes = (res: { body: { items: { ok: boolean; error?: { code: string } }[] } }) =>
    res.body.items.map((r) => (r.ok ? 'OK' : r.error?.code))

  it('needs a session; malformed, repeated and oversized requests fail whole', async () => {
    expectError(
      await t.api.post('/decisions/prepare', { delegationIds: ['dlg_doesnotexist0'] }),
      401,
      'UNAUTHENTICATED'
    )
    const fakeRow = {
      delegationId: 'dlg_doesnotexist0',
      decision: 'MATCH',
      challengeId: 'ch_AAAAAAAAAAAAAAAAAAAAAA',
      signature: 'A'.repeat(344),
      idempotencyKey: key()
    }
    expectError(await t.api.post('/decisions', { certificate: cert(), items: [fakeRow] }), 401, 'UNAUTHENTICATED')
    expectError(await api.post('/decisions', { certificate: cert(), items: [] }), 400, 'VALIDATION_FAILED')
    expectError(await api.post('/decisions/prepare', { delegationIds: [] }), 400, 'VALIDATION_FAILED')
    const many = Array.from({ length: 101 }, (_, i) => `dlg_many${String(i).padStart(8, '0')}`)
    expectError(await api.post('/decisions/prepare', { delegationIds: many }), 400, 'VALIDATION_FAILED')
    const dup = await api.post('/decisions/prepare', { delegationIds: ['dlg_doesnotexist0', 'dlg_doesnotexist0'] })
    expectError(dup, 400, 'VALIDATION_FAILED')
    expect(dup.body.error.details).toEqual([
      { path: '/body/delegationIds/1', message: 'repeats an earlier delegation id' }
    ])
    const [p1, p2] = await prepared(2)
    if (!p1 || !p2) throw new Error('prepare failed')
    const r1 = row(p1)
    const sameKey = await api.post('/decisions', {
      certificate: cert(),
      items: [r1, { ...row(p2), idempotencyKey: r1.idempotencyKey }]
    })
    expectError(sameKey, 400, 'VALIDATION_FAILED')
    expect(sameKey.body.error.details[0].path).toBe('/body/items/1/idempotencyKey')
    expectError(
      await api.post('/decisions', { certificate: cert(), items: [r1, { ...r1, idempotencyKey: key() }] }),
      400,
      'VALIDATION_FAILED'
    )
    expectError(
      await api.post('/decisions', { certificate: cert(), items: [{ ...r1, extra: 1 }] }),
      400,
      'VALIDATION_FAILED'
    )
    // The whole-request refusals consumed nothing: the rows still go through.
    expect(codes(await api.post('/decisions', { certificate: cert(), items: [r1, row(p2)] }))).toEqual(['OK', 'OK'])
    // 256 KiB, not 64 KiB, for decideDelegations; beyond it 413.
    expectError(
      await api.post('/decisions', { certificate: cert(), items: [{ ...r1, reason: 'x'.repeat(300 * 1024) }] }),
      413,
      'PAYLOAD_TOO_LARGE'
    )
  })

  it('a phone-only account cannot prepare (403 whole) nor decide (403 per row)', async () => {
    const ez = t.api.withToken(await loginPassword(t.api, 'ezway', 'Ezway1234'))
    const d = await pending('ezway')
    expectError(await ez.post('/decisions/prepare', { delegationIds: [d.id] }), 403, 'CERTIFICATE_NOT_ENABLED')
    const fake = {
      challengeId: 'ch_AAAAAAAAAAAAAAAAAAAAAA',
      nonce: 'A'.repeat(43) + '=',
      purpose: 'decision' as const,
      expiresAt: ''
    }
    const res = await ez.post('/decisions', { certificate: cert(), items: [row({ delegation: d, challenge: fake })] })
    expect(res.status).toBe(200)
    expect(res.body.items[0]).toMatchObject({
      ok: false,
      error: { code: 'CERTIFICATE_NOT_ENABLED', status: 403, retriable: false }
    })
  })

  it('per-row failures do not undo other rows: expired challenge, tampered statement, answered, unknown, reused key', async () => {
    const ps = await prepared(6)
    const [a, b, c, d, e, f] = ps
    if (!a || !b || !c || !d || !e || !f) throw new Error('prepare failed')
    // c is answered meanwhile through the single operation
    const chC = await getChallenge(api, 'decision', { delegationId: c.delegation.id })
    expect(
      (
        await api.post(
          `/delegations/${c.delegation.id}/decision`,
          decisionBody(t.server.origin, chC, citizen(), c.delegation, 'MATCH', undefined, key())
        )
      ).status
    ).toBe(200)
    // e's key was already used for another delegation
    const usedKey = row(f).idempotencyKey
    const fRes = await api.post('/decisions', { certificate: cert(), items: [{ ...row(f, usedKey) }] })
    expect(codes(fRes)).toEqual(['OK'])
    const items = [
      row(a),
      row(b, key(), { houseBillNo: 'TAMPERED1' }),
      row(c),
      { ...row(d), delegationId: 'dlg_doesnotexist0' },
      row(e, usedKey)
    ]
    const res = await api.post('/decisions', { certificate: cert(), algorithm: 'RS256', items })
    expect(res.status).toBe(200)
    expect(codes(res)).toEqual([
      'OK',
      'SIGNATURE_INVALID',
      'DELEGATION_ALREADY_ANSWERED',
      'DELEGATION_NOT_FOUND',
      'IDEMPOTENCY_KEY_REUSED'
    ])
    expect(res.body.items.map((r: { error?: { status: number } }) => r.error?.status)).toEqual([
      undefined,
      422,
      409,
      404,
      422
    ])
    expect(res.body.items.map((r: { delegationId: string }) => r.delegationId)).toEqual(
      items.map((i) => i.delegationId)
    )

    // expired: the row answers CHALLENGE_EXPIRED (retriable) and stays PENDING; a fresh prepare + signature succeeds.
    const [x, y] = await prepared(2)
    if (!x || !y) throw new Error('prepare failed')
    const early = await api.post('/decisions', { certificate: cert(), items: [row(y)] })
    expect(codes(early)).toEqual(['OK'])
    clock += 5 * 60_000 + 1
    try {
      const late = await api.post('/decisions', { certificate: cert(), items: [row(x)] })
      expect(late.body.items[0]).toMatchObject({
        ok: false,
        error: { code: 'CHALLENGE_EXPIRED', retriable: true, status: 400 }
      })
      expect((await api.get(`/delegations/${x.delegation.id}`)).body.status).toBe('PENDING')
      const again = await api.post('/decisions/prepare', { delegationIds: [x.delegation.id] })
      expect(codes(await api.post('/decisions', { certificate: cert(), items: [row(again.body.items[0])] }))).toEqual([
        'OK'
      ])
    } finally {
      clock -= 5 * 60_000 + 1
    }
  })

  it('a bad certificate fails every row that is not a replay, and counts once towards the limit', async () => {
    const s = await startTestServer({ limits: { signatureFailuresMax: 2 } })
    try {
      const a = s.api.withToken(await loginPassword(s.api, 'demo', 'Demo1234'))
      const ps = await prepared(3, a, s)
      const sign = (p: (typeof ps)[number], k = key()) => {
        const b = decisionBody(s.server.origin, p.challenge, s.pki.citizens.valid, p.delegation, 'MATCH', undefined, k)
        return {
          delegationId: p.delegation.id,
          decision: 'MATCH' as const,
          challengeId: b.challengeId,
          signature: b.signature,
          idempotencyKey: k
        }
      }
      const first = sign(ps[0] as (typeof ps)[number])
      const good = s.pki.citizens.valid.signCertDer.toString('base64')
      expect(codes(await a.post('/decisions', { certificate: good, items: [first] }))).toEqual(['OK'])
      const rows = [first, sign(ps[1] as (typeof ps)[number]), sign(ps[2] as (typeof ps)[number])]
      const bad = await a.post('/decisions', { certificate: Buffer.alloc(300, 7).toString('base64'), items: rows })
      expect(
        bad.body.items.map((r: { ok: boolean; replayed?: boolean; error?: { code: string } }) =>
          r.ok ? `OK replayed=${r.replayed}` : r.error?.code
        )
      ).toEqual(['OK replayed=true', 'CERTIFICATE_INVALID', 'CERTIFICATE_INVALID'])
      // one failure counted for the request (limit 2): the next request's rows still go through
      expect(codes(await a.post('/decisions', { certificate: good, items: rows.slice(1) }))).toEqual(['OK', 'OK'])
      const audit = s.server.db
        .prepare(`SELECT outcome FROM audit_log WHERE delegation_id = ? ORDER BY id`)
        .all(ps[1]?.delegation.id)
      expect(audit).toEqual([{ outcome: 'CERTIFICATE_INVALID' }, { outcome: 'OK' }])
    } finally {
      await s.close()
    }
  })

  it('prepareDecisions counts every challenge towards the per-address limit and refuses whole beyond it', async () => {
    const s = await startTestServer({ limits: { challengesPerIp: 5 } })
    try {
      const a = s.api.withToken(await loginPassword(s.api, 'demo', 'Demo1234'))
      const ds = (await s.api.post('/dev/delegations', { account: 'demo', count: 6 })).body.items as { id: string }[]
      expect((await a.post('/decisions/prepare', { delegationIds: ds.slice(0, 4).map((d) => d.id) })).status).toBe(200)
      const before = (s.server.db.prepare(`SELECT COUNT(*) AS n FROM challenges`).get() as { n: number }).n
      const refused = await a.post('/decisions/prepare', { delegationIds: ds.slice(4).map((d) => d.id) })
      expectError(refused, 429, 'RATE_LIMITED')
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
      expect((s.server.db.prepare(`SELECT COUNT(*) AS n FROM challenges`).get() as { n: number }).n).toBe(before)
    } finally {
      await s.close()
    }
  })
})
