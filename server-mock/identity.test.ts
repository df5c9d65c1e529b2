// Issue 13: identities as real people have them, and a full identity proof before an account is
// bound to an ID number. The resident card (new-format 統一證號 A800000014, 64-character CN) goes
// through registration typed the way people type; the attack — registering (or enabling the
// certificate) under ANOTHER person's ID that shares the card's last four digits — is refused by
// the issuing authority's identity check.
import { X509Certificate } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withCheckDigit } from '../src/shared/identity-number'
import { IdentityRegistry } from './identity-registry'
import {
  authToken,
  getChallenge,
  loginPassword,
  startTestServer,
  type ApiResponse,
  type TestServer
} from './test-helpers'

function expectError(res: ApiResponse, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code })
}

/** Another person's valid ID number that ends in `last4` (as the attacker would pick it). */
function otherIdEndingIn(last4: string, not: string): string {
  for (let n = 0; n < 10_000; n++) {
    const prefix = `B1${String(n).padStart(4, '0')}${last4.slice(0, 3)}`
    const id = withCheckDigit(prefix)
    if (id.endsWith(last4) && id !== not) return id
  }
  throw new Error('no such ID')
}

let t: TestServer
beforeAll(async () => {
  t = await startTestServer({ seed: { demoAccounts: false } })
}, 120_000)
afterAll(async () => {
  await t?.close()
})

async function startRegistration(): Promise<string> {
  const reg = await t.api.post('/registrations')
  expect(reg.status).toBe(201)
  return reg.body.registrationId as string
}

describe('IdentityRegistry (the issuing authority’s identity-verification service)', () => {
  const r = new IdentityRegistry([{ certificateSerial: '00AB12', cardSerial: 'CARD1', nationalId: 'A800000014' }])
  it('answers match only for the holder’s own number (serial compared without case or leading zeros)', () => {
    expect(r.verify({ certificateSerial: 'ab12', cardSerial: 'x', nationalId: 'A800000014' })).toEqual({
      answer: 'match'
    })
    expect(r.verify({ certificateSerial: 'AB12', cardSerial: 'x', nationalId: 'B100126789' })).toEqual({
      answer: 'no-match',
      reason: 'number-differs'
    })
  })
  it('falls back to the card serial, and knows nothing of other certificates', () => {
    expect(r.verify({ certificateSerial: 'ffff', cardSerial: 'CARD1', nationalId: 'A800000014' })).toEqual({
      answer: 'match'
    })
    expect(r.verify({ certificateSerial: 'ffff', cardSerial: 'CARD2', nationalId: 'A800000014' })).toEqual({
      answer: 'no-match',
      reason: 'unknown-certificate'
    })
  })
  it('throws IDENTITY_SERVICE_UNAVAILABLE (503, retriable) when down', () => {
    const down = new IdentityRegistry()
    down.available = false
    expect(() => down.verify({ certificateSerial: '1', cardSerial: '1', nationalId: 'A123456789' })).toThrow(
      expect.objectContaining({ code: 'IDENTITY_SERVICE_UNAVAILABLE', status: 503, retriable: true })
    )
  })
  it('is seeded with the test cards: each signing certificate → its holder', () => {
    const resident = t.pki.citizens.resident
    const serial = new X509Certificate(resident.signCertPem).serialNumber
    expect(
      t.server.identity.verify({ certificateSerial: serial, cardSerial: resident.cardSerial, nationalId: 'A800000014' })
    ).toEqual({ answer: 'match' })
  })
})

describe('a resident (new-format 統一證號) with a 64-character certificate name registers', () => {
  it('typed in full-width with a written mobile number, the platform normalises on receipt and completes', async () => {
    const citizen = t.pki.citizens.resident
    expect(citizen.nationalId).toBe('A800000014')
    expect([...citizen.name]).toHaveLength(64)
    const id = await startRegistration()
    const ch = await getChallenge(t.api, 'registration', { registrationId: id })
    const identity = await t.api.post(`/registrations/${id}/identity`, {
      nationalId: 'ａ８００００００１４',
      ...authToken(t.server.origin, ch, citizen)
    })
    expect(identity.status).toBe(200)
    expect(identity.body).toMatchObject({
      state: 'IDENTITY_VERIFIED',
      identity: { name: citizen.name, nationalIdMasked: 'A80****014' }
    })

    const sms = await t.api.post(`/registrations/${id}/sms`, { mobile: '+886 911 222 333' })
    expect(sms.status).toBe(200)
    const code = (await t.api.get('/dev/sms-outbox')).body.messages.at(-1)
    expect(code).toMatchObject({ mobile: '0911222333', registrationId: id })

    const complete = await t.api.post(`/registrations/${id}/complete`, {
      name: ` ${citizen.name} `,
      nationalId: 'Ａ８００００００１４',
      account: 'ｍａｒｉａ64',
      password: 'Secret123',
      email: 'ｍａｒｉａ＠example.tw',
      mobile: '0911-222-333',
      smsCode: [...String(code.code)].map((d) => String.fromCharCode(0xff10 + Number(d))).join(''),
      privacyConsent: true,
      phone: '02-2345-6789',
      address: '臺北市中正區重慶南路一段 122 號',
      category: '個人',
      birthDate: '74/03/14'
    })
    expect(complete.status).toBe(201)
    expect(complete.body).toMatchObject({
      account: 'maria64',
      name: citizen.name,
      nationalIdMasked: 'A80****014',
      email: 'maria@example.tw',
      mobile: '0911222333',
      birthDate: '1985-03-14',
      certificateEnabled: true,
      certificate: { cardSerial: citizen.cardSerial }
    })
    expect(t.server.responseViolations).toEqual([])
  })

  it('a 65-character name is refused as too long; a different name as not the certificate’s', async () => {
    const s = await startTestServer({ seed: { demoAccounts: false } })
    try {
      const citizen = s.pki.citizens.resident
      const reg = await s.api.post('/registrations')
      const id = reg.body.registrationId as string
      const ch = await getChallenge(s.api, 'registration', { registrationId: id })
      expect(
        (
          await s.api.post(`/registrations/${id}/identity`, {
            nationalId: citizen.nationalId,
            ...authToken(s.server.origin, ch, citizen)
          })
        ).status
      ).toBe(200)
      expect((await s.api.post(`/registrations/${id}/sms`, { mobile: '0911222333' })).status).toBe(200)
      const smsCode = (await s.api.get('/dev/sms-outbox')).body.messages.at(-1).code as string
      const body = {
        nationalId: citizen.nationalId,
        account: 'maria65',
        password: 'Secret123',
        email: 'm@example.tw',
        mobile: '0911222333',
        smsCode,
        privacyConsent: true,
        phone: '02-2345-6789',
        birthDate: '1990-05-17',
        address: '臺北市中正區重慶南路一段 122 號',
        category: '個人'
      }
      expectError(
        await s.api.post(`/registrations/${id}/complete`, { ...body, name: `${citizen.name}Y` }),
        400,
        'VALIDATION_FAILED'
      )
      expectError(
        await s.api.post(`/registrations/${id}/complete`, { ...body, name: citizen.name.slice(0, 60) }),
        422,
        'NAME_MISMATCH'
      )
    } finally {
      await s.close()
    }
  })
})

describe('ATTACK: an account under another person’s ID that shares the card’s last four digits', () => {
  it('registration with the attacker’s own card and the victim’s ID is REFUSED by the identity proof (422 IDENTITY_NOT_MATCHED)', async () => {
    const attacker = t.pki.citizens.valid // 王小明, A123456789: the certificate carries only "6789"
    const victimId = otherIdEndingIn('6789', attacker.nationalId)
    expect(victimId.slice(-4)).toBe(attacker.nationalId.slice(-4))
    expect(victimId).not.toBe(attacker.nationalId)
    const id = await startRegistration()
    const ch = await getChallenge(t.api, 'registration', { registrationId: id })
    const res = await t.api.post(`/registrations/${id}/identity`, {
      nationalId: victimId,
      ...authToken(t.server.origin, ch, attacker)
    })
    // Before issue 13 this answered 200 IDENTITY_VERIFIED (only the last four digits were compared).
    expectError(res, 422, 'IDENTITY_NOT_MATCHED')
    expect(res.body.error.message).toMatch(/does not belong to the certificate holder/)
    expect((await t.api.get(`/registrations/${id}`)).body).toMatchObject({ state: 'STARTED', identity: null })
    expect(t.server.db.prepare(`SELECT COUNT(*) AS n FROM accounts WHERE national_id = ?`).get(victimId)).toEqual({
      n: 0
    })
    const audit = t.server.db.prepare(`SELECT outcome FROM audit_log WHERE challenge_id = ?`).get(ch.challengeId)
    expect(audit).toEqual({ outcome: 'IDENTITY_NOT_MATCHED' })
    // The authority was asked about the victim's number with the attacker's certificate, and said no.
    expect(t.server.identity.log.at(-1)).toMatchObject({
      query: { nationalId: victimId, cardSerial: attacker.cardSerial },
      answer: 'no-match'
    })
  })

  it('the same card with its holder’s own number is verified (the proof is not a blanket refusal)', async () => {
    const holder = t.pki.citizens.valid
    const id = await startRegistration()
    const ch = await getChallenge(t.api, 'registration', { registrationId: id })
    const res = await t.api.post(`/registrations/${id}/identity`, {
      nationalId: holder.nationalId,
      ...authToken(t.server.origin, ch, holder)
    })
    expect(res.status).toBe(200)
    expect(res.body.state).toBe('IDENTITY_VERIFIED')
  })

  it('enabling certificate authentication on an EZWay account under the victim’s ID is REFUSED (422 IDENTITY_NOT_MATCHED)', async () => {
    const attacker = t.pki.citizens.valid
    const victimId = otherIdEndingIn('6789', attacker.nationalId)
    // A phone-registered (EZWay) account carries the victim's ID; the attacker owns its password.
    const created = await t.api.post('/dev/accounts', {
      account: 'ezvictim',
      password: 'Victim1234',
      name: '受害人',
      nationalId: victimId,
      mobile: '0922333444',
      email: 'v@example.tw'
    })
    expect(created.status).toBe(201)
    const api = t.api.withToken(await loginPassword(t.api, 'ezvictim', 'Victim1234'))
    const ch = await getChallenge(api, 'enable-certificate')
    const res = await api.post('/profile/certificate', authToken(t.server.origin, ch, attacker))
    // Before issue 13 this bound the attacker's card and let it confirm the victim's delegations.
    expectError(res, 422, 'IDENTITY_NOT_MATCHED')
    expect((await api.get('/profile')).body).toMatchObject({ certificateEnabled: false, certificate: null })
  })

  it('when the authority cannot answer, binding waits: 503 IDENTITY_SERVICE_UNAVAILABLE, retriable', async () => {
    const holder = t.pki.citizens.valid
    t.server.identity.available = false
    try {
      const id = await startRegistration()
      const ch = await getChallenge(t.api, 'registration', { registrationId: id })
      const res = await t.api.post(`/registrations/${id}/identity`, {
        nationalId: holder.nationalId,
        ...authToken(t.server.origin, ch, holder)
      })
      expectError(res, 503, 'IDENTITY_SERVICE_UNAVAILABLE')
      expect(res.body.error.retriable).toBe(true)
    } finally {
      t.server.identity.available = true
    }
  })
})

describe('normalisation on receipt', () => {
  it('finds a 分提單號碼 typed in lower case / full width', async () => {
    const s = await startTestServer()
    try {
      const api = s.api.withToken(await loginPassword(s.api, 'ｄｅｍｏ', 'Demo1234'))
      const made = await s.api.post('/dev/delegations', { account: 'demo', count: 1, houseBillNo: 'SF1234567890123' })
      expect(made.status).toBe(201)
      const found = await api.get(`/delegations?houseBillNo=${encodeURIComponent('ｓｆ１２３４５６７８９０１２３')}`)
      expect(found.status).toBe(200)
      expect(found.body.items.map((d: { houseBillNo: string }) => d.houseBillNo)).toEqual(['SF1234567890123'])
      const roc = await api.get(`/delegations?dateFrom=${encodeURIComponent('115/01/01')}&pageSize=1`)
      expect(roc.status).toBe(200)
    } finally {
      await s.close()
    }
  })
})
