import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { createDispatcher } from '../../src/main/ipc/dispatcher'
import {
  ACCOUNT_PATTERN,
  BILL_NUMBER_PATTERN,
  FIELD_LIMITS,
  isEmail,
  isMobile,
  isPin,
  isSmsCode,
  MOBILE_PATTERN,
  PHONE_PATTERN,
  PIN_PATTERN,
  SMS_CODE_PATTERN,
  withinLimit
} from '../../src/shared/form-rules'
import { Address, BillNumber, DateInput, Email, Mobile, PersonName, Pin, SmsCode } from '../../src/shared/forms'
import { RegistrationCompleteRequest, RegistrationIdentityRequest } from '../../src/shared/ipc-requests'
import { DelegationQuery } from '../../src/shared/delegation'

// Issue 13 item 3: every limit comes from where the value comes from, and one place holds it
// (src/shared/form-rules.ts); main's schemas and server-mock's openapi.yaml use the same numbers.

type Schema = Record<string, unknown>
const doc = parse(readFileSync(join(__dirname, '../../server-mock/openapi.yaml'), 'utf8')) as {
  components: { schemas: Record<string, Schema> }
}
const yamlSchema = (name: string): Schema => {
  const s = doc.components.schemas[name]
  if (!s) throw new Error(`no schema ${name}`)
  return s
}

describe('each limit and its source', () => {
  // The list a reviewer reads: field → limit → where it comes from.
  const expected: Record<keyof typeof FIELD_LIMITS, [number, number, RegExp]> = {
    name: [1, 64, /RFC 5280 Appendix A ub-common-name = 64/],
    identityNumber: [10, 10, /統一編號.*統一證號/],
    email: [3, 254, /RFC 5321 §4\.5\.3\.1\.3/],
    address: [1, 200, /own bound/],
    phone: [6, 25, /E\.164/],
    mobile: [10, 10, /NCC numbering plan/],
    account: [4, 30, /account rule/],
    password: [8, 128, /seed 003/],
    pin: [6, 8, /MOICA/],
    smsCode: [6, 6, /6 digits/],
    houseBillNo: [1, 35, /an\.\.35/],
    reason: [1, 200, /Reason/]
  }
  for (const [field, [min, max, source]] of Object.entries(expected) as [
    keyof typeof FIELD_LIMITS,
    [number, number, RegExp]
  ][]) {
    it(`${field}: ${min}–${max} (${FIELD_LIMITS[field].source})`, () => {
      expect(FIELD_LIMITS[field].min).toBe(min)
      expect(FIELD_LIMITS[field].max).toBe(max)
      expect(FIELD_LIMITS[field].source).toMatch(source)
    })
  }
  it('has no limit without a test above', () => {
    expect(Object.keys(FIELD_LIMITS).sort()).toEqual(Object.keys(expected).sort())
  })
})

describe('openapi.yaml uses the same limits and patterns', () => {
  it('lengths', () => {
    expect(yamlSchema('PersonName')).toMatchObject({
      minLength: FIELD_LIMITS.name.min,
      maxLength: FIELD_LIMITS.name.max,
      'x-normalize': 'text'
    })
    expect(yamlSchema('Email')).toMatchObject({ maxLength: FIELD_LIMITS.email.max, 'x-normalize': 'code' })
    expect(yamlSchema('Address')).toMatchObject({
      minLength: FIELD_LIMITS.address.min,
      maxLength: FIELD_LIMITS.address.max,
      'x-normalize': 'text'
    })
    expect(yamlSchema('BillNumber')).toMatchObject({
      minLength: FIELD_LIMITS.houseBillNo.min,
      maxLength: FIELD_LIMITS.houseBillNo.max,
      'x-normalize': 'bill-number'
    })
    expect(yamlSchema('Reason')).toMatchObject({ maxLength: FIELD_LIMITS.reason.max })
    expect(yamlSchema('NewPassword')).toMatchObject({ maxLength: FIELD_LIMITS.password.max })
  })
  it('patterns', () => {
    expect(yamlSchema('Mobile')).toMatchObject({ pattern: MOBILE_PATTERN, 'x-normalize': 'mobile' })
    expect(yamlSchema('Account')).toMatchObject({ pattern: ACCOUNT_PATTERN, 'x-normalize': 'code' })
    expect(yamlSchema('Phone')).toMatchObject({ pattern: PHONE_PATTERN, 'x-normalize': 'phone' })
    expect(yamlSchema('SmsCode')).toMatchObject({ pattern: SMS_CODE_PATTERN, 'x-normalize': 'digits' })
    expect(yamlSchema('BillNumber')).toMatchObject({ pattern: BILL_NUMBER_PATTERN })
  })
  it('the pattern lengths agree with the limits', () => {
    expect(PIN_PATTERN).toBe(`^[0-9]{${FIELD_LIMITS.pin.min},${FIELD_LIMITS.pin.max}}$`)
    expect(SMS_CODE_PATTERN).toBe(`^[0-9]{${FIELD_LIMITS.smsCode.max}}$`)
    expect(PHONE_PATTERN).toContain(`{${FIELD_LIMITS.phone.min},${FIELD_LIMITS.phone.max}}`)
    expect(BILL_NUMBER_PATTERN).toContain(`{${FIELD_LIMITS.houseBillNo.min},${FIELD_LIMITS.houseBillNo.max}}`)
  })
})

describe('the limits bite at their edges, counted in characters', () => {
  const longCn = 'MARIA GUADALUPE DE LOS SANTOS FERNANDEZ RODRIGUEZ Y VILLANUEVA X' // field case, 64
  it('a 64-character certificate name is accepted, 65 is not', () => {
    expect(longCn).toHaveLength(64)
    expect(PersonName.parse(longCn)).toBe(longCn)
    expect(PersonName.safeParse(`${longCn}Y`).success).toBe(false)
  })
  it('a name of 64 characters outside the BMP (128 UTF-16 units) is 64 characters', () => {
    const name = '𠮷'.repeat(64)
    expect(name.length).toBe(128)
    expect(withinLimit('name', name)).toBe(true)
    expect(PersonName.parse(name)).toBe(name)
    expect(PersonName.safeParse(`${name}𠮷`).success).toBe(false)
  })
  it('e-mail: 254 accepted, 255 refused', () => {
    const at254 = `${'a'.repeat(64)}@${'b'.repeat(61)}.${'c'.repeat(61)}.${'d'.repeat(62)}.tw` // DNS labels ≤ 63
    expect(at254).toHaveLength(254)
    expect(Email.parse(at254)).toBe(at254)
    expect(isEmail(at254)).toBe(true)
    expect(Email.safeParse(`a${at254}`).success).toBe(false)
    expect(isEmail(`a${at254}`)).toBe(false)
  })
  it('address: 200 accepted, 201 refused', () => {
    expect(Address.parse('臺'.repeat(200))).toHaveLength(200)
    expect(Address.safeParse('臺'.repeat(201)).success).toBe(false)
  })
  it('bill numbers as carriers issue them fit; 36 characters do not', () => {
    for (const b of [
      '1Z999AA10123456784',
      'SF1234567890123',
      'EE123456789TW',
      '1234567890',
      '123456789012',
      '297-12345678'
    ])
      expect(BillNumber.parse(b)).toBe(b)
    expect(BillNumber.safeParse('A'.repeat(36)).success).toBe(false)
  })
})

/** A well-formed PIN ticket (the card layer, not the schema, decides whether it is valid). */
const TICKET = 'T'.repeat(43)

describe('main normalises before validating (IPC schemas)', () => {
  it('the live checks and the zod schemas agree on normalised values', () => {
    expect(isPin('123456') && isPin('12345678') && !isPin('12345') && !isPin('123456789')).toBe(true)
    expect(Pin.parse('１２３４５６')).toBe('123456')
    expect(isMobile('0911222333') && !isMobile('0211222333')).toBe(true)
    expect(Mobile.parse('+886 911 222 333')).toBe('0911222333')
    expect(isSmsCode('012345')).toBe(true)
    expect(SmsCode.parse('０１２ ３４５')).toBe('012345')
    expect(DateInput.parse('115/11/30')).toBe('2026-11-30')
    expect(DateInput.safeParse('115/02/30').success).toBe(false)
  })

  it('a registration request typed with an IME reaches the handler normalised', async () => {
    const seen: unknown[] = []
    const reg = {
      registrationId: 'reg_AAAAAAAAAAAAAAAAAAAAAA',
      state: 'IDENTITY_VERIFIED' as const,
      expiresAt: '2030-01-01T00:00:00.000Z',
      identity: null,
      mobile: null
    }
    const dispatch = createDispatcher({
      'registration:verifyIdentity': async (r) => (seen.push(r), reg),
      'registration:sendSms': async (r) => (
        seen.push(r),
        {
          sentAt: '2030-01-01T00:00:00.000Z',
          expiresAt: '2030-01-01T00:00:00.000Z',
          resendAfter: '2030-01-01T00:00:00.000Z',
          mobileMasked: '0911***333'
        }
      ),
      'delegations:query': async (r) => (
        seen.push(r),
        { items: [], page: 1, pageSize: 50, total: 0, source: 'online' as const, lastSyncedAt: null }
      )
    })
    const id = await dispatch('registration:verifyIdentity', {
      registrationId: reg.registrationId,
      nationalId: 'ａ８００００００１４',
      pin: '１２３４５６',
      ticket: TICKET
    })
    expect(id.ok).toBe(true)
    const sms = await dispatch('registration:sendSms', { registrationId: reg.registrationId, mobile: '0911-222-333' })
    expect(sms.ok).toBe(true)
    const q = await dispatch('delegations:query', {
      houseBillNo: ' sf１２３ ',
      dateFrom: '115/11/01',
      dateTo: '2026/11/30'
    })
    expect(q.ok).toBe(true)
    expect(seen).toEqual([
      { registrationId: reg.registrationId, nationalId: 'A800000014', pin: '123456', ticket: TICKET },
      { registrationId: reg.registrationId, mobile: '0911222333' },
      {
        houseBillNo: 'SF123',
        dateFrom: '2026-11-01',
        dateTo: '2026-11-30',
        page: 1,
        pageSize: 50,
        sort: 'declarationDate:desc'
      }
    ])
  })

  it('refuses what is still wrong after normalising, naming the field (never its value)', async () => {
    const dispatch = createDispatcher({
      'registration:verifyIdentity': async () => {
        throw new Error('not reached')
      }
    })
    const r = await dispatch('registration:verifyIdentity', {
      registrationId: 'reg_AAAAAAAAAAAAAAAAAAAAAA',
      nationalId: 'A800000015',
      pin: '123456',
      ticket: TICKET
    })
    expect(r).toEqual({ ok: false, error: { code: 'INVALID_REQUEST', retriable: false, detail: 'nationalId' } })
    expect(
      RegistrationIdentityRequest.safeParse({
        registrationId: 'reg_AAAAAAAAAAAAAAAAAAAAAA',
        nationalId: 'A800000014',
        pin: '12345',
        ticket: TICKET
      }).success
    ).toBe(false)
  })

  it('completes a registration whose name is the 64-character certificate CN', () => {
    const form = {
      registrationId: 'reg_AAAAAAAAAAAAAAAAAAAAAA',
      name: ' MARIA GUADALUPE DE LOS SANTOS FERNANDEZ RODRIGUEZ Y VILLANUEVA X ',
      nationalId: 'Ａ８００００００１４',
      account: 'maria64',
      password: 'Secret123',
      email: 'ｍａｒｉａ＠example.tw',
      mobile: '+886911222333',
      smsCode: '１２３４５６',
      privacyConsent: true,
      phone: '02-2345-6789',
      address: '臺北市中正區重慶南路一段 122 號',
      category: '個人',
      birthDate: '74/03/14'
    }
    const parsed = RegistrationCompleteRequest.parse(form)
    // 出生年月日, 聯絡電話, 聯絡地址 are required (* on the manual's form, seeds/003).
    for (const missing of ['birthDate', 'phone', 'address'] as const) {
      const { [missing]: _dropped, ...without } = form
      expect(RegistrationCompleteRequest.safeParse(without).success).toBe(false)
    }
    expect(RegistrationCompleteRequest.safeParse({ ...form, address: ' \u3000 ' }).success).toBe(false)
    expect(parsed).toMatchObject({
      name: 'MARIA GUADALUPE DE LOS SANTOS FERNANDEZ RODRIGUEZ Y VILLANUEVA X',
      nationalId: 'A800000014',
      email: 'maria@example.tw',
      mobile: '0911222333',
      smsCode: '123456',
      birthDate: '1985-03-14'
    })
  })

  it('DelegationQuery refuses a bill number that no carrier issues', () => {
    expect(DelegationQuery.safeParse({ houseBillNo: 'SF 123 ✓' }).success).toBe(false)
  })
})
