// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Component } from 'vue'
import type { IpcChannel, IpcRequest, IpcResponse } from '../../../src/shared/ipc-contract'
import { AppError } from '../../../src/shared/errors'
import { createAppI18n } from '../../../src/renderer/i18n'
import { contractBridge, PROFILE, READY_STATUS, type ContractBridge } from './contract-bridge'

// Issue 13 in the forms: what people type (IME full-width, written mobile numbers) is shown and
// sent normalised; no button is disabled without its reason next to it; the platform's identity
// answer is said in plain words. Requests go through the real dispatcher (contract validation).

type Handlers = Partial<{ [C in IpcChannel]: (r: IpcRequest<C>) => Promise<IpcResponse<C>> }>
const handlers: Handlers = {}
let cb: ContractBridge
let views: { RegisterView: Component; PinDialog: Component; LoginView: Component; DelegationsView: Component }

beforeAll(async () => {
  cb = contractBridge(handlers)
  ;(window as unknown as { eccs: unknown }).eccs = cb.bridge
  views = {
    RegisterView: (await import('../../../src/renderer/views/RegisterView.vue')).default,
    PinDialog: (await import('../../../src/renderer/components/PinDialog.vue')).default,
    LoginView: (await import('../../../src/renderer/views/LoginView.vue')).default,
    DelegationsView: (await import('../../../src/renderer/views/DelegationsView.vue')).default
  }
})

/** The card's PIN ticket as main issues it when a PIN field is shown (issue 14). */
const TICKET = 'A'.repeat(43)
const PROMPT = (operation: IpcRequest<'card:pinPrompt'>['operation']): IpcResponse<'card:pinPrompt'> => ({
  ticket: TICKET,
  operation,
  // the card the status shows (the page sends a PIN only with a ticket for the card it was typed for)
  card: { reader: READY_STATUS.reader, subjectName: '王小明', cardSerial: READY_STATUS.certificate.cardSerial },
  tries: 'ok',
  triesLeft: null,
  confirmRequired: false,
  expiresAt: '2030-01-01T00:00:00.000Z'
})
const REG = {
  registrationId: 'reg_AAAAAAAAAAAAAAAAAAAAAA',
  state: 'STARTED' as const,
  expiresAt: '2030-01-01T00:00:00.000Z',
  identity: null,
  mobile: null
}
const LONG_CN = 'MARIA GUADALUPE DE LOS SANTOS FERNANDEZ RODRIGUEZ Y VILLANUEVA X'

beforeEach(() => {
  for (const k of Object.keys(handlers)) delete handlers[k as IpcChannel]
  cb.calls.length = 0
  handlers['card:getStatus'] = async () => READY_STATUS
  handlers['app:getInfo'] = async () => ({
    version: 't',
    demo: false,
    host: 'web',
    apiBaseUrl: null,
    platform: 'linux-x64'
  })
  handlers['registration:start'] = async () => REG
  handlers['card:pinPrompt'] = async ({ operation }) => PROMPT(operation)
  setActivePinia(createPinia())
})

async function mountView(component: Component, props: Record<string, unknown> = {}): Promise<VueWrapper> {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: ['/', '/login', '/register', '/delegations'].map((path) => ({ path, component: { template: '<div />' } }))
  })
  await router.push('/')
  const w = mount(component, { props, attachTo: document.body, global: { plugins: [createAppI18n('zh-TW'), router] } })
  await flushPromises()
  return w
}
const callsTo = (channel: IpcChannel) => cb.calls.filter((c) => c.channel === channel)
const byText = (w: VueWrapper, tag: string, text: string) => {
  const found = w.findAll(tag).find((b) => b.text().trim() === text)
  if (!found) throw new Error(`no <${tag}> "${text}"`)
  return found
}
const value = (w: VueWrapper, sel: string) => (w.get(sel).element as HTMLInputElement).value

async function toIdentityStep(): Promise<VueWrapper> {
  const w = await mountView(views.RegisterView)
  const { useCardStore } = await import('../../../src/renderer/stores/card')
  await useCardStore().init()
  await flushPromises()
  await byText(w, 'button', '下一步').trigger('click')
  await flushPromises()
  return w
}

describe('身分驗證: 身分證號或統一編號 typed as people type it', () => {
  it('labels the field per seed 003 and says why 執行身分驗證 is disabled, step by step', async () => {
    const w = await toIdentityStep()
    expect(w.get('label[for="reg-id"]').text()).toBe('身分證號或統一編號')
    const verify = byText(w, 'button', '執行身分驗證')
    expect(verify.attributes('disabled')).toBeDefined()
    expect(w.get('[data-testid="verify-reason"]').text()).toBe('請輸入身分證號或統一證號。')
    await w.get('#reg-id').setValue('A123456788')
    expect(w.get('[data-testid="verify-reason"]').text()).toBe('身分證號或統一證號的檢查碼不正確，請核對證件。')
    await w.get('#reg-id').setValue('A323456789')
    expect(w.get('[data-testid="verify-reason"]').text()).toContain('第 2 碼為 1、2、8、9 或 A–D')
    await w.get('#reg-id').setValue('A123456789')
    expect(w.get('[data-testid="verify-reason"]').text()).toBe('請輸入 6 至 8 位數字的 PIN碼。')
    expect(verify.attributes('disabled')).toBeDefined()
    await w.get('#reg-pin').setValue('123456')
    expect(w.find('[data-testid="verify-reason"]').exists()).toBe(false)
    expect(verify.attributes('disabled')).toBeUndefined()
    w.unmount()
  })

  it('field case: Ａ１２３４５６７８９ / PIN １２３４５６ are shown folded and sent as A123456789 / 123456', async () => {
    handlers['registration:verifyIdentity'] = async () => ({
      ...REG,
      state: 'IDENTITY_VERIFIED',
      identity: {
        name: '王小明',
        nationalIdMasked: 'A12****789',
        cardSerial: 'TP1',
        certificateNotAfter: '2030-01-01T00:00:00.000Z'
      }
    })
    const w = await toIdentityStep()
    await w.get('#reg-id').setValue('Ａ１２３４５６７８９')
    expect(value(w, '#reg-id')).toBe('A123456789')
    expect(w.get('[data-testid="id-kind"]').text()).toBe('國民身分證統一編號')
    await w.get('#reg-pin').setValue('１２３４５６')
    expect(value(w, '#reg-pin')).toBe('123456')
    expect(w.find('.field-error').exists()).toBe(false)
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(callsTo('registration:verifyIdentity')[0]?.request).toEqual({
      registrationId: REG.registrationId,
      nationalId: 'A123456789',
      pin: '123456',
      ticket: TICKET
    })
    w.unmount()
  })

  it('field case: new-format 統一證號 A800000014 (lower-case full width) is accepted as a resident number', async () => {
    const w = await toIdentityStep()
    await w.get('#reg-id').setValue('ａ８００００００１４')
    expect(value(w, '#reg-id')).toBe('A800000014')
    expect(w.get('[data-testid="id-kind"]').text()).toBe('外來人口統一證號（新式）')
    await w.get('#reg-id').setValue('ac01234567')
    expect(value(w, '#reg-id')).toBe('AC01234567')
    expect(w.get('[data-testid="id-kind"]').text()).toBe('外來人口統一證號（舊式）')
    w.unmount()
  })

  it('shows the platform’s identity answer in plain words (IDENTITY_NOT_PROVEN)', async () => {
    handlers['registration:verifyIdentity'] = async () => {
      throw new AppError('IDENTITY_NOT_PROVEN', 'IDENTITY_NOT_MATCHED')
    }
    const w = await toIdentityStep()
    await w.get('#reg-id').setValue('B100126789')
    await w.get('#reg-pin').setValue('123456')
    await w.get('form').trigger('submit')
    await flushPromises()
    const err = w.get('[data-testid="error"]')
    expect(err.attributes('data-code')).toBe('IDENTITY_NOT_PROVEN')
    expect(err.text()).toContain(
      '身分查驗未通過：此身分證號或統一證號不屬於插入的自然人憑證持有人。請輸入您本人的號碼，並使用本人的憑證。'
    )
    // The codes only in the "details for support" disclosure, never as the message.
    expect(err.text()).toContain('IDENTITY_NOT_PROVEN · IDENTITY_NOT_MATCHED')
    expect(err.text().indexOf('IDENTITY_NOT_PROVEN')).toBeGreaterThan(err.text().indexOf('本人的憑證'))
    w.unmount()
  })
})

describe('資料填寫: mobile numbers as written, the 64-character certificate name', () => {
  it('0911-222-333 is shown as 0911222333 and 傳送簡訊碼 says why it waits; the 64-character name completes', async () => {
    handlers['registration:verifyIdentity'] = async () => ({
      ...REG,
      state: 'IDENTITY_VERIFIED',
      identity: {
        name: LONG_CN,
        nationalIdMasked: 'A80****014',
        cardSerial: 'TP7',
        certificateNotAfter: '2030-01-01T00:00:00.000Z'
      }
    })
    handlers['registration:sendSms'] = async () => ({
      sentAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-01T00:05:00.000Z',
      resendAfter: '2030-01-01T00:01:00.000Z',
      mobileMasked: '0911***333'
    })
    handlers['registration:complete'] = async (r) => {
      const { PROFILE } = await import('./contract-bridge')
      return { ...PROFILE, name: r.name, account: r.account }
    }
    const w = await toIdentityStep()
    await w.get('#reg-id').setValue('Ａ８００００００１４')
    await w.get('#reg-pin').setValue('123456')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(value(w, '#reg-name')).toBe(LONG_CN)

    const send = byText(w, 'button', '傳送簡訊碼')
    expect(send.attributes('disabled')).toBeDefined()
    expect(w.get('[data-testid="sms-reason"]').text()).toBe('請輸入手機號碼，例如 0911-222-333 或 +886 911 222 333。')
    await w.get('#reg-mobile').setValue('0911-222-333') // field case: the field no longer cuts at 10 characters
    expect(value(w, '#reg-mobile')).toBe('0911222333')
    expect(send.attributes('disabled')).toBeUndefined()
    expect(w.find('[data-testid="sms-reason"]').exists()).toBe(false)
    await w.get('#reg-mobile').setValue('+886 911 222 333')
    expect(value(w, '#reg-mobile')).toBe('0911222333')
    await send.trigger('click')
    await flushPromises()
    expect(callsTo('registration:sendSms')[0]?.request).toEqual({
      registrationId: REG.registrationId,
      mobile: '0911222333'
    })

    const submit = byText(w, 'button', '送出')
    // Seed 003's required *出生年月日, *聯絡電話, *聯絡地址 come first in the form.
    expect(w.get('[data-testid="submit-reason"]').text()).toBe('請填寫必填欄位：出生年月日、聯絡電話、聯絡地址。')
    await w.get('#reg-birth').setValue('74/03/14')
    await w.get('#reg-phone').setValue('02-2345-6789')
    await w.get('#reg-address').setValue('臺北市中正區')
    expect(w.get('[data-testid="submit-reason"]').text()).toContain('帳號須為 4 至 30 碼')
    await w.get('#reg-account').setValue('ｍａｒｉａ64')
    expect(value(w, '#reg-account')).toBe('maria64')
    await w.get('#reg-password').setValue('Secret123')
    await w.get('#reg-password2').setValue('Secret123')
    await w.get('#reg-email').setValue('ｍａｒｉａ＠example.tw')
    await w.get('#reg-email').trigger('change')
    expect(value(w, '#reg-email')).toBe('maria@example.tw')
    await w.get('#reg-sms').setValue('１２３４５６')
    expect(value(w, '#reg-sms')).toBe('123456')
    expect(w.get('[data-testid="submit-reason"]').text()).toBe('請勾選個資閱讀宣告。')
    await w.get('#reg-privacy').setValue(true)
    expect(w.find('[data-testid="submit-reason"]').exists()).toBe(false)
    expect(submit.attributes('disabled')).toBeUndefined()
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(callsTo('registration:complete')[0]?.request).toMatchObject({
      name: LONG_CN,
      nationalId: 'A800000014',
      account: 'maria64',
      email: 'maria@example.tw',
      mobile: '0911222333',
      smsCode: '123456'
    })
    expect(w.get('[data-testid="reg-success"]').text()).toBe('註冊成功')
    w.unmount()
  })

  it('a name longer than 64 characters is flagged next to the field and blocks 送出 with the reason', async () => {
    handlers['registration:verifyIdentity'] = async () => ({
      ...REG,
      state: 'IDENTITY_VERIFIED',
      identity: {
        name: LONG_CN,
        nationalIdMasked: 'A80****014',
        cardSerial: 'TP7',
        certificateNotAfter: '2030-01-01T00:00:00.000Z'
      }
    })
    const w = await toIdentityStep()
    await w.get('#reg-id').setValue('A800000014')
    await w.get('#reg-pin').setValue('123456')
    await w.get('form').trigger('submit')
    await flushPromises()
    await w.get('#reg-name').setValue(`${LONG_CN}Y`)
    expect(w.get('#reg-name').attributes('aria-invalid')).toBe('true')
    expect(w.text()).toContain('最多 64 字')
    await w.get('#reg-name').setValue('𠮷'.repeat(64)) // 128 UTF-16 units, 64 characters
    expect(w.get('#reg-name').attributes('aria-invalid')).toBeUndefined()
    w.unmount()
  })
})

describe('PIN entry (one PIN rule): full-width digits fold, and the reason stands next to 確定', () => {
  it('PinDialog', async () => {
    handlers['card:cancel'] = async () => ({})
    const w = await mountView(views.PinDialog, { operation: 'decision' })
    const ok = byText(w, 'button', '確定')
    expect(ok.attributes('disabled')).toBeDefined()
    expect(w.get('[data-testid="pin-reason"]').text()).toBe('請輸入 6 至 8 位數字的 PIN碼。')
    await w.get('#pin-input').setValue('１２３４５６')
    expect(value(w, '#pin-input')).toBe('123456')
    expect(ok.attributes('disabled')).toBeUndefined()
    expect(w.find('[data-testid="pin-reason"]').exists()).toBe(false)
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.emitted('submit')).toEqual([[{ pin: '123456', ticket: TICKET }]])
    w.unmount()
  })

  it('LoginView 憑證登入', async () => {
    const w = await mountView(views.LoginView)
    await byText(w, 'button', '憑證登入').trigger('click')
    expect(w.get('[data-testid="login-pin-reason"]').text()).toBe('請輸入 6 至 8 位數字的 PIN碼。')
    await w.get('#login-pin').setValue('１２３４５６７８')
    expect(value(w, '#login-pin')).toBe('12345678')
    expect(w.find('[data-testid="login-pin-reason"]').exists()).toBe(false)
    expect(byText(w, 'button', '載入自然人憑證').attributes('disabled')).toBeUndefined()
    w.unmount()
  })
})

describe('海關實名委任確認 query: 報關日期 typed as people write it, 分提單號碼 upper-cased', () => {
  it('ROC 115/11/01 and 2026-11-30 are shown as 2026/11/01 / 2026/11/30 and sent as ISO; sf… becomes SF…; a non-date is refused beside its field', async () => {
    handlers['session:get'] = async () => ({ via: 'password', expiresAt: '2030-01-01T00:00:00.000Z', profile: PROFILE })
    handlers['api:getStatus'] = async () => ({ state: 'online', checkedAt: new Date().toISOString() })
    handlers['delegations:query'] = async () => ({
      items: [],
      page: 1,
      pageSize: 500,
      total: 0,
      source: 'online' as const,
      lastSyncedAt: null
    })
    handlers['delegations:pendingCount'] = async () => ({ count: 0 })
    const { useSessionStore } = await import('../../../src/renderer/stores/session')
    await useSessionStore().init()
    const w = await mountView(views.DelegationsView)
    await w.get('#q-from').setValue('115/02/30')
    await w.get('#q-from').trigger('change')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('#q-from').attributes('aria-invalid')).toBe('true')
    expect(w.get('[data-testid="date-from-error"]').text()).toBe('看不懂這個日期。請輸入例如 2026/11/30 或 115/11/30。')
    expect(callsTo('delegations:query')).toHaveLength(0) // nothing sent
    await w.get('#q-from').setValue('１１５／１１／０１')
    await w.get('#q-from').trigger('change')
    expect(value(w, '#q-from')).toBe('2026/11/01') // the hint's and the table's format, not ISO
    await w.get('#q-to').setValue('2026-11-30')
    await w.get('#q-to').trigger('change')
    expect(value(w, '#q-to')).toBe('2026/11/30')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="date-from-error"]').text()).toBe('')
    expect(callsTo('delegations:query').at(-1)?.request).toMatchObject({ dateFrom: '2026-11-01', dateTo: '2026-11-30' })
    await w.get('#q-hbl').setValue('ｓｆ１２３ ４５')
    expect(value(w, '#q-hbl')).toBe('SF12345')
    w.unmount()
  })
})

describe('委任確認紀錄查詢: dates shown as typed in the hint; the hint speaks of this form only', () => {
  it('１１５／１１／０１ is shown as 2026/11/01 and sent as 2026-11-01; no 分提單號碼 in the hint', async () => {
    handlers['confirmations:query'] = async () => ({ items: [], page: 1, pageSize: 500, total: 0 })
    const w = await mountView((await import('../../../src/renderer/views/ConfirmationsView.vue')).default)
    expect(w.get('#r-date-hint').text()).toBe('日期格式：2026/11/30，或民國年 115/11/30。')
    expect(w.get('#r-date-hint').text()).not.toContain('分提單號碼') // this form has no such field
    const from = w.get<HTMLInputElement>('#r-from')
    await from.setValue('１１５／１１／０１')
    await from.trigger('change')
    expect(from.element.value).toBe('2026/11/01')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(callsTo('confirmations:query').at(-1)?.request).toMatchObject({ dateFrom: '2026-11-01' })
    w.unmount()
  })
})
