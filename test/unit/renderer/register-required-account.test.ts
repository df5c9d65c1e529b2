// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Component } from 'vue'
import type { IpcChannel, IpcRequest, IpcResponse } from '../../../src/shared/ipc-contract'
import { AppError } from '../../../src/shared/errors'
import { createAppI18n } from '../../../src/renderer/i18n'
import { contractBridge, READY_STATUS, type ContractBridge } from './contract-bridge'

// Issue 15, item 8, seed 003's 資料填寫: *出生年月日, *聯絡電話 and *聯絡地址 are required (marked, and
// 送出 names the empty ones), and [檢核是否存在] next to 帳號 asks the platform whether the account
// name is free, answering in plain words beside the field. Requests go through the real dispatcher.

type Handlers = Partial<{ [C in IpcChannel]: (r: IpcRequest<C>) => Promise<IpcResponse<C>> }>
const handlers: Handlers = {}
let cb: ContractBridge
let RegisterView: Component

const REG = {
  registrationId: 'reg_AAAAAAAAAAAAAAAAAAAAAA',
  state: 'STARTED' as const,
  expiresAt: '2030-01-01T00:00:00.000Z',
  identity: null,
  mobile: null
}
const VERIFIED = {
  ...REG,
  state: 'IDENTITY_VERIFIED' as const,
  identity: {
    name: '王小明',
    nationalIdMasked: 'A12****789',
    cardSerial: 'TP1',
    certificateNotAfter: '2030-01-01T00:00:00.000Z'
  }
}

beforeAll(async () => {
  cb = contractBridge(handlers)
  ;(window as unknown as { eccs: unknown }).eccs = cb.bridge
  RegisterView = (await import('../../../src/renderer/views/RegisterView.vue')).default
})

beforeEach(() => {
  for (const k of Object.keys(handlers)) delete handlers[k as IpcChannel]
  cb.calls.length = 0
  handlers['card:getStatus'] = async () => READY_STATUS
  handlers['card:pinPrompt'] = async ({ operation }) => ({
    ticket: 'A'.repeat(43),
    operation,
    card: { reader: READY_STATUS.reader, subjectName: '王小明', cardSerial: READY_STATUS.certificate.cardSerial },
    tries: 'ok',
    triesLeft: null,
    confirmRequired: false,
    expiresAt: '2030-01-01T00:00:00.000Z'
  })
  handlers['app:getInfo'] = async () => ({
    version: 't',
    demo: false,
    host: 'web',
    apiBaseUrl: null,
    platform: 'linux-x64'
  })
  handlers['registration:start'] = async () => REG
  handlers['registration:verifyIdentity'] = async () => VERIFIED
  handlers['registration:sendSms'] = async () => ({
    sentAt: '2030-01-01T00:00:00.000Z',
    expiresAt: '2030-01-01T00:05:00.000Z',
    resendAfter: '2030-01-01T00:01:00.000Z',
    mobileMasked: '0911***333'
  })
  setActivePinia(createPinia())
})

const callsTo = (channel: IpcChannel) => cb.calls.filter((c) => c.channel === channel)
const byText = (w: VueWrapper, tag: string, text: string) => {
  const found = w.findAll(tag).find((b) => b.text().trim() === text)
  if (!found) throw new Error(`no <${tag}> "${text}"`)
  return found
}

/** Mounts 註冊 in `lang` and walks to 資料填寫 with a verified identity. */
async function toDataStep(lang: 'zh-TW' | 'en' = 'zh-TW'): Promise<VueWrapper> {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: ['/', '/login'].map((path) => ({ path, component: { template: '<div />' } }))
  })
  await router.push('/')
  const w = mount(RegisterView, { attachTo: document.body, global: { plugins: [createAppI18n(lang), router] } })
  const { useCardStore } = await import('../../../src/renderer/stores/card')
  await useCardStore().init()
  await flushPromises()
  await w.get('.panel button.primary').trigger('click')
  await flushPromises()
  await w.get('#reg-id').setValue('A123456789')
  await w.get('#reg-pin').setValue('123456')
  await w.get('form').trigger('submit')
  await flushPromises()
  expect(w.find('#reg-account').exists()).toBe(true)
  return w
}

/** 傳送簡訊碼 (送出 and its reason appear once a code was sent). */
async function sendSms(w: VueWrapper): Promise<void> {
  await w.get('#reg-mobile').setValue('0911222333')
  await w.get('.form .actions button:not(.primary):not([data-testid])').trigger('click')
  await flushPromises()
  expect(w.find('#reg-sms').exists()).toBe(true)
}

describe('資料填寫: seed 003 required fields', () => {
  it('marks 出生年月日, 聯絡電話 and 聯絡地址 with * and 送出 names those still empty', async () => {
    const w = await toDataStep()
    for (const id of ['reg-birth', 'reg-phone', 'reg-address', 'reg-account', 'reg-email']) {
      expect(w.get(`label[for="${id}"]`).classes()).toContain('required')
    }
    expect(w.get('label[for="reg-email2"]').classes()).not.toContain('required') // Email2 has no * in seed 003
    await w.get('#reg-account').setValue('xiaoming')
    await w.get('#reg-password').setValue('Secret123')
    await w.get('#reg-password2').setValue('Secret123')
    await w.get('#reg-email').setValue('xm@example.tw')
    await w.get('#reg-mobile').setValue('0911222333')
    await byText(w, 'button', '傳送簡訊碼').trigger('click')
    await flushPromises()
    await w.get('#reg-sms').setValue('123456')
    await w.get('#reg-privacy').setValue(true)
    const submit = byText(w, 'button', '送出')
    const reason = () => w.get('[data-testid="submit-reason"]').text()
    expect(submit.attributes('disabled')).toBeDefined()
    expect(reason()).toBe('請填寫必填欄位：出生年月日、聯絡電話、聯絡地址。')
    await w.get('#reg-birth').setValue('79/01/02')
    expect(reason()).toBe('請填寫必填欄位：聯絡電話、聯絡地址。')
    await w.get('#reg-address').setValue('臺北市中正區')
    expect(reason()).toBe('請填寫必填欄位：聯絡電話。')
    await w.get('#reg-phone').setValue('tel: none')
    expect(reason()).toBe('聯絡電話格式不正確，例如 02-2345-6789 或 0911-222-333。')
    expect(w.get('#reg-phone').attributes('aria-invalid')).toBe('true')
    await w.get('#reg-phone').setValue('02-2345-6789')
    expect(w.find('[data-testid="submit-reason"]').exists()).toBe(false)
    expect(submit.attributes('disabled')).toBeUndefined()
    w.unmount()
  })

  it('says the same in English', async () => {
    const w = await toDataStep('en')
    await sendSms(w)
    await w.get('#reg-phone').setValue('02-2345-6789')
    await w.get('#reg-name').setValue('王小明')
    expect(w.get('[data-testid="submit-reason"]').text()).toBe('Fill in the required fields: Date of birth, Address.')
    w.unmount()
  })
})

describe('[檢核是否存在] next to 帳號', () => {
  it('asks only for a well-formed name, inside the registration, and answers beside the field; a new name clears the answer', async () => {
    const taken = new Set(['demo'])
    handlers['registration:checkAccount'] = async ({ account }) => ({ account, available: !taken.has(account) })
    const w = await toDataStep()
    const button = w.get('[data-testid="account-check"]')
    const result = () => w.get('[data-testid="account-check-result"]').text()
    expect(button.text()).toBe('檢核是否存在')
    expect(button.attributes('disabled')).toBeDefined()
    expect(result()).toBe('帳號須為 4 至 30 碼英數字（可含 _ . -），以英數字開頭。')

    await w.get('#reg-account').setValue('ｄｅｍｏ') // full width, as an IME gives it
    expect(button.attributes('disabled')).toBeUndefined()
    await button.trigger('click')
    await flushPromises()
    expect(callsTo('registration:checkAccount').map((c) => c.request)).toEqual([
      { registrationId: REG.registrationId, account: 'demo' }
    ])
    expect(result()).toBe('帳號 demo 已有人使用，請換一個帳號。')
    expect(w.get('[data-testid="account-check-result"]').attributes('role')).toBe('status')
    // A taken name also blocks 送出, with the reason.
    await w.get('#reg-birth').setValue('1990/01/02')
    await w.get('#reg-phone').setValue('02-2345-6789')
    await w.get('#reg-address').setValue('臺北市中正區')
    await sendSms(w)
    expect(w.get('[data-testid="submit-reason"]').text()).toBe('這個帳號已有人使用，請換一個帳號。')

    await w.get('#reg-account').setValue('xiaoming')
    expect(result()).toBe('') // the answer was for "demo"
    await button.trigger('click')
    await flushPromises()
    expect(result()).toBe('帳號 xiaoming 目前沒有人使用，可以使用。（送出時才會保留）')
    expect(callsTo('registration:checkAccount')).toHaveLength(2)
    w.unmount()
  })

  it('a refused check (too many) is said in plain words next to the field, with the code only under support details', async () => {
    handlers['registration:checkAccount'] = async () => {
      throw new AppError('RATE_LIMITED', 'too many account-name checks for this registration')
    }
    const w = await toDataStep('en')
    await w.get('#reg-account').setValue('xiaoming')
    await w.get('[data-testid="account-check"]').trigger('click')
    await flushPromises()
    const err = w.get('[data-testid="error"]')
    expect(err.attributes('data-code')).toBe('RATE_LIMITED')
    expect(err.get('.error-text').text()).not.toContain('RATE_LIMITED')
    expect(w.get('[data-testid="account-check-result"]').text()).toBe('')
    await w.get('#reg-account').setValue('xiaoming2')
    expect(w.find('[data-testid="error"]').exists()).toBe(false)
    w.unmount()
  })
})
