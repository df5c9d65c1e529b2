// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import type { Component } from 'vue'
import type { IpcChannel, IpcRequest, IpcResponse } from '../../../src/shared/ipc-contract'
import type { CardStatus } from '../../../src/shared/card-status'
import { AppError } from '../../../src/shared/errors'
import { createAppI18n } from '../../../src/renderer/i18n'
import { contractBridge, PROFILE, READY_STATUS, type ContractBridge } from './contract-bridge'

// The forms, mounted: login (一般用戶 + 憑證登入), the PIN dialog, the registration data form's
// live password rules, and 申報不符's required 原因. Requests go through the real IPC dispatcher
// (contract validation); the handlers are the test's.

type Handlers = Partial<{ [C in IpcChannel]: (r: IpcRequest<C>) => Promise<IpcResponse<C>> }>
const handlers: Handlers = {}
let cb: ContractBridge
let views: {
  StatusArea: Component
  LoginView: Component
  PinDialog: Component
  RegisterView: Component
  DelegationsView: Component
}

beforeAll(async () => {
  cb = contractBridge(handlers)
  ;(window as unknown as { eccs: unknown }).eccs = cb.bridge // before the renderer's bridge module loads
  views = {
    StatusArea: (await import('../../../src/renderer/components/StatusArea.vue')).default,
    LoginView: (await import('../../../src/renderer/views/LoginView.vue')).default,
    PinDialog: (await import('../../../src/renderer/components/PinDialog.vue')).default,
    RegisterView: (await import('../../../src/renderer/views/RegisterView.vue')).default,
    DelegationsView: (await import('../../../src/renderer/views/DelegationsView.vue')).default
  }
})

beforeEach(() => {
  for (const k of Object.keys(handlers)) delete handlers[k as IpcChannel]
  cb.calls.length = 0
  handlers['card:getStatus'] = async () => READY_STATUS
  let n = 0
  handlers['card:pinPrompt'] = async ({ operation }) => promptFor(operation, 'ok', `${TICKET.slice(0, -1)}${n++ % 10}`)
  handlers['app:getInfo'] = async () => ({
    version: 't',
    demo: false,
    host: 'web',
    apiBaseUrl: null,
    platform: 'linux-x64'
  })
  setActivePinia(createPinia())
})

function makeRouter(): Router {
  const blank = { template: '<div />' }
  return createRouter({
    history: createMemoryHistory(),
    routes: ['/', '/login', '/register', '/delegations', '/profile', '/records'].map((path) => ({
      path,
      component: blank
    }))
  })
}
async function mountView(component: Component, props: Record<string, unknown> = {}): Promise<VueWrapper> {
  const router = makeRouter()
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
/** A ticket as main issues it (32 random bytes, base64url); the test's handler numbers them. */
const TICKET = 'A'.repeat(43)
const ticketN = (i: number) => `${TICKET.slice(0, -1)}${i}`
function promptFor(
  operation: IpcRequest<'card:pinPrompt'>['operation'],
  tries: 'ok' | 'count-low' | 'final-try',
  ticket: string
): IpcResponse<'card:pinPrompt'> {
  return {
    ticket,
    operation,
    card: {
      reader: READY_STATUS.reader,
      subjectName: READY_STATUS.certificate.subjectName,
      cardSerial: READY_STATUS.certificate.cardSerial
    },
    tries,
    triesLeft: tries === 'final-try' ? 1 : null,
    confirmRequired: tries !== 'ok',
    expiresAt: '2030-01-01T00:00:00.000Z'
  }
}
/** The card store as the app has it (App.vue inits it), ready with READY_STATUS's card. */
async function readyCardStore() {
  const { useCardStore } = await import('../../../src/renderer/stores/card')
  const store = useCardStore()
  await store.init()
  return store
}
/** A card status event from main, `n` seconds after READY_STATUS (the store keeps the newest). */
function cardStatus(status: Omit<CardStatus, 'updatedAt'>, n: number) {
  cb.emit('card:status', {
    ...status,
    updatedAt: new Date(Date.parse(READY_STATUS.updatedAt) + n * 1000).toISOString()
  } satisfies CardStatus)
}
const OTHER_CARD = {
  ...READY_STATUS,
  certificate: { ...READY_STATUS.certificate, subjectName: '陳大文', cardSerial: 'TP03000002' }
}
const session = (via: 'password' | 'certificate') => ({ via, expiresAt: '2030-01-01T00:00:00.000Z', profile: PROFILE })

describe('LoginView — 一般用戶', () => {
  it('needs both fields, sends them once, clears the password and shows a typed error', async () => {
    handlers['session:loginPassword'] = async () => {
      throw new AppError('LOGIN_FAILED')
    }
    const w = await mountView(views.LoginView)
    const submit = byText(w, 'button', '登入')
    expect(submit.attributes('disabled')).toBeDefined()
    await w.get('#login-account').setValue('xiaoming')
    expect(submit.attributes('disabled')).toBeDefined()
    await w.get('#login-password').setValue('Secret123')
    expect(submit.attributes('disabled')).toBeUndefined()
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(callsTo('session:loginPassword')).toEqual([
      { channel: 'session:loginPassword', request: { account: 'xiaoming', password: 'Secret123' } }
    ])
    expect((w.get('#login-password').element as HTMLInputElement).value).toBe('')
    expect(w.get('[data-testid="error"]').attributes('data-code')).toBe('LOGIN_FAILED')
    expect(w.get('[data-testid="error"] .error-text').text()).toBe('帳號或密碼錯誤。')
    // Beside the password field, with the code only in the support disclosure.
    expect(w.get('#login-password').attributes('aria-invalid')).toBe('true')
    expect(w.get('[data-testid="error-code"]').text()).toBe('LOGIN_FAILED')
    w.unmount()
  })
})

describe('LoginView — 憑證登入', () => {
  it('PIN format gates 載入自然人憑證, which checks the PIN (sent once, cleared); 憑證載入完成 → 確定 → 送出 enters', async () => {
    handlers['session:loginCertificate'] = async () => session('certificate')
    const { useCardStore } = await import('../../../src/renderer/stores/card')
    const w = await mountView(views.LoginView)
    await byText(w, 'button', '憑證登入').trigger('click')
    await w.get('#login-pin').setValue('123456')
    await byText(w, 'button', '載入自然人憑證').trigger('click')
    // No card ready yet: the typed reason, and no 憑證載入完成.
    expect(w.get('[data-testid="error"]').attributes('data-code')).toBe('NOT_READY')
    expect(w.text()).not.toContain('憑證載入完成。')
    await useCardStore().init()
    await flushPromises()
    const load = byText(w, 'button', '載入自然人憑證')
    for (const bad of ['12345', '12ab56', '123456789']) {
      await w.get('#login-pin').setValue(bad)
      expect(load.attributes('disabled'), bad).toBeDefined()
    }
    await w.get('#login-pin').setValue('123456')
    expect(load.attributes('disabled')).toBeUndefined()
    expect(byText(w, 'button', '送出').attributes('disabled')).toBeDefined() // not before 憑證載入完成 → 確定
    await load.trigger('click')
    await flushPromises()
    // The ticket was taken at 載入自然人憑證 (when the card was shown) and goes with the PIN, which the
    // card checked there: sent once, the field cleared.
    expect(callsTo('card:pinPrompt')).toEqual([{ channel: 'card:pinPrompt', request: { operation: 'login' } }])
    expect(callsTo('session:loginCertificate')).toEqual([
      { channel: 'session:loginCertificate', request: { pin: '123456', ticket: ticketN(0) } }
    ])
    expect((w.get('#login-pin').element as HTMLInputElement).value).toBe('')
    expect(w.text()).toContain('憑證載入完成。')
    const { useSessionStore } = await import('../../../src/renderer/stores/session')
    expect(useSessionStore().loggedIn).toBe(false) // not before 送出
    await byText(w, 'button', '確定').trigger('click')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(useSessionStore().loggedIn).toBe(true)
    // Submitting again does nothing: the PIN is gone and is never re-sent by the app.
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(callsTo('session:loginCertificate')).toHaveLength(1)
    w.unmount()
  })
})

describe('LoginView — 憑證登入: the card leaves after the PIN was typed', () => {
  it('clears the PIN and drops the held ticket with a notice; the next press asks main for a new ticket', async () => {
    let n = 0
    handlers['card:pinPrompt'] = async ({ operation }) => {
      const p = promptFor(operation, 'count-low', ticketN(n))
      // main answers for the card in the reader: the first one, then the other card
      return n++ === 0 ? p : { ...p, card: { ...p.card, subjectName: '陳大文', cardSerial: 'TP03000002' } }
    }
    handlers['session:loginCertificate'] = async () => session('certificate')
    const store = await readyCardStore()
    const w = await mountView(views.LoginView)
    await byText(w, 'button', '憑證登入').trigger('click')
    await w.get('#login-pin').setValue('123456')
    await byText(w, 'button', '載入自然人憑證').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="pin-tries"]').exists()).toBe(true) // ticket held until the warning is ticked
    cardStatus(OTHER_CARD, 1)
    await flushPromises()
    expect((w.get('#login-pin').element as HTMLInputElement).value).toBe('')
    expect(w.get('[data-testid="pin-cleared"]').text()).toBe(
      '卡片已取出或更換，已清除剛才輸入的 PIN碼。請確認插入的是您的自然人憑證，再重新輸入 PIN碼。'
    )
    expect(w.find('[data-testid="pin-tries"]').exists()).toBe(false)
    await w.get('#login-pin').setValue('654321')
    expect(w.find('[data-testid="pin-cleared"]').exists()).toBe(false)
    await byText(w, 'button', '載入自然人憑證').trigger('click')
    await flushPromises()
    await w.get('[data-testid="pin-acknowledge"]').setValue(true)
    await byText(w, 'button', '載入自然人憑證').trigger('click')
    await flushPromises()
    expect(callsTo('card:pinPrompt')).toHaveLength(2)
    expect(callsTo('session:loginCertificate').map((c) => c.request)).toEqual([
      { pin: '654321', ticket: ticketN(1), acknowledgedTries: 'count-low' }
    ])
    w.unmount()
    store.dispose()
  })
})

describe('LoginView — 憑證登入: main’s ticket names another card than the one shown when the PIN was typed', () => {
  it('sends nothing, clears the PIN and says why (the swap was not heard yet)', async () => {
    handlers['card:pinPrompt'] = async ({ operation }) => {
      const p = promptFor(operation, 'ok', ticketN(0))
      return { ...p, card: { ...p.card, subjectName: '陳大文', cardSerial: 'TP03000002' } }
    }
    handlers['session:loginCertificate'] = async () => session('certificate')
    const store = await readyCardStore()
    const w = await mountView(views.LoginView)
    await byText(w, 'button', '憑證登入').trigger('click')
    await w.get('#login-pin').setValue('123456')
    await byText(w, 'button', '載入自然人憑證').trigger('click')
    await flushPromises()
    expect(callsTo('card:pinPrompt')).toHaveLength(1)
    expect(callsTo('session:loginCertificate')).toHaveLength(0)
    expect((w.get('#login-pin').element as HTMLInputElement).value).toBe('')
    expect(w.find('[data-testid="pin-cleared"]').exists()).toBe(true)
    w.unmount()
    store.dispose()
  })
})

describe('PinDialog', () => {
  it('accepts only 6–8 digits, emits the PIN once, clears it, and never resubmits after an error', async () => {
    const w = await mountView(views.PinDialog, { operation: 'decision', error: null, busy: false })
    const input = w.get('#pin-input')
    const ok = byText(w, 'button', '確定')
    for (const bad of ['', '12345', 'abcdef', '12 456']) {
      await input.setValue(bad)
      expect(ok.attributes('disabled'), JSON.stringify(bad)).toBeDefined()
      await w.get('form').trigger('submit')
    }
    expect(w.emitted('submit')).toBeUndefined()
    await input.setValue('12345678')
    expect(ok.attributes('disabled')).toBeUndefined()
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.emitted('submit')).toEqual([[{ pin: '12345678', ticket: ticketN(0) }]])
    expect((input.element as HTMLInputElement).value).toBe('')
    // The caller reports a wrong PIN: shown, and nothing is submitted on the user's behalf.
    await w.setProps({ error: { code: 'PIN_INCORRECT', retriable: false }, busy: false })
    expect(w.get('[data-testid="error"] .error-text').text()).toBe('PIN碼錯誤。')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.emitted('submit')).toHaveLength(1)
    w.unmount()
  })

  it('says 正在讀取卡片… where the card line goes until main names the card (the dialog does not grow after opening)', async () => {
    let answer: () => void = () => undefined
    handlers['card:pinPrompt'] = ({ operation }) =>
      new Promise((resolve) => (answer = () => resolve(promptFor(operation, 'ok', ticketN(3)))))
    const w = await mountView(views.PinDialog, { operation: 'decision', error: null, busy: false })
    expect(w.get('[data-testid="pin-card-loading"]').text()).toBe('正在讀取卡片…')
    expect(w.find('[data-testid="pin-card-name"]').exists()).toBe(false)
    answer()
    await flushPromises()
    expect(w.find('[data-testid="pin-card-loading"]').exists()).toBe(false)
    expect(w.get('[data-testid="pin-card-name"]').text()).toBe('卡片：王小明（Virtual PCD 00 00）')
    w.unmount()
  })

  it('names the card; at FINAL_TRY OK stays disabled until the 1-try warning is acknowledged, which is sent along', async () => {
    handlers['card:pinPrompt'] = async ({ operation }) => promptFor(operation, 'final-try', ticketN(7))
    const w = await mountView(views.PinDialog, { operation: 'login', error: null, busy: false })
    expect(w.get('[data-testid="pin-card-name"]').text()).toBe('卡片：王小明（Virtual PCD 00 00）')
    expect(w.get('[data-testid="pin-tries"]').text()).toContain('只剩 1 次')
    expect(w.get('[data-testid="pin-dialog"]').attributes('data-pin-state')).toBe('confirm')
    await w.get('#pin-input').setValue('123456')
    const ok = byText(w, 'button', '確定')
    expect(ok.attributes('disabled')).toBeDefined()
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.emitted('submit')).toBeUndefined()
    await w.get('[data-testid="pin-acknowledge"]').setValue(true)
    expect(ok.attributes('disabled')).toBeUndefined()
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.emitted('submit')).toEqual([[{ pin: '123456', ticket: ticketN(7), acknowledgedTries: 'final-try' }]])
    w.unmount()
  })

  it('after CARD_CHANGED the dialog names the other card and continues only with a NEW ticket for it', async () => {
    const store = await readyCardStore()
    const w = await mountView(views.PinDialog, { operation: 'decision', error: null, busy: false })
    await w.get('#pin-input').setValue('123456')
    await w.get('form').trigger('submit')
    await flushPromises()
    // Main refused the ticket (another card in the reader); the store already shows that card.
    cardStatus(OTHER_CARD, 1)
    await w.setProps({ error: { code: 'CARD_CHANGED', retriable: true } })
    await flushPromises()
    expect(w.get('[data-testid="pin-card-gone"]').attributes('data-presence')).toBe('returned')
    expect(w.get('[data-testid="pin-other-card"]').text()).toBe(
      '插入的是另一張卡片：陳大文（卡號 TP03000002），不是剛才的卡片。若繼續，PIN碼只會送到這張卡片，請輸入這張卡片的 PIN碼。'
    )
    expect(w.find('[data-testid="error"]').exists()).toBe(false) // the notice explains it, once
    expect(byText(w, 'button', '確定').attributes('disabled')).toBeDefined()
    expect(callsTo('card:pinPrompt')).toHaveLength(1)
    await w.get('[data-testid="pin-continue"]').trigger('click')
    await flushPromises()
    expect(callsTo('card:pinPrompt')).toHaveLength(2)
    expect(w.find('[data-testid="pin-card-gone"]').exists()).toBe(false)
    await w.get('#pin-input').setValue('654321')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.emitted('submit')).toEqual([
      [{ pin: '123456', ticket: ticketN(0) }],
      [{ pin: '654321', ticket: ticketN(1) }]
    ])
    w.unmount()
    store.dispose()
  })

  it('a new ticket for another card than the PIN was typed for (its status event not here yet) sends nothing', async () => {
    // After a wrong PIN the ticket is used; OK asks main for a new one. If main answers for another
    // card before the page heard the swap (web host: events and answers come on separate
    // connections), the PIN typed for the first card must not go with it.
    let n = 0
    handlers['card:pinPrompt'] = async ({ operation }) => {
      const p = promptFor(operation, 'ok', ticketN(n))
      return n++ === 0
        ? p
        : { ...p, card: { ...p.card, subjectName: '陳大文', cardSerial: OTHER_CARD.certificate.cardSerial } }
    }
    const store = await readyCardStore()
    const w = await mountView(views.PinDialog, { operation: 'decision', error: null, busy: false })
    await w.get('#pin-input').setValue('123456')
    await w.get('form').trigger('submit')
    await flushPromises()
    await w.setProps({ error: { code: 'PIN_INCORRECT', retriable: false }, busy: false })
    await w.get('#pin-input').setValue('654321')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(callsTo('card:pinPrompt')).toHaveLength(2)
    expect(w.emitted('submit')).toEqual([[{ pin: '123456', ticket: ticketN(0) }]]) // not the second PIN
    expect((w.get('#pin-input').element as HTMLInputElement).value).toBe('')
    expect(w.find('[data-testid="pin-card-gone"]').exists()).toBe(true)
    w.unmount()
    store.dispose()
  })

  it('card pulled while open: says so, clears the PIN, disables OK; re-inserted: offers a new ticket, never the old one', async () => {
    const store = await readyCardStore()
    const w = await mountView(views.PinDialog, { operation: 'decision', error: null, busy: false })
    const input = w.get('#pin-input')
    await input.setValue('123456')
    cardStatus({ phase: 'no-card', readers: [{ name: READY_STATUS.reader, cardPresent: false }] }, 1)
    await flushPromises()
    const notice = w.get('[data-testid="pin-card-gone"]')
    expect(notice.attributes('data-presence')).toBe('removed')
    expect(notice.attributes('role')).toBe('alert')
    expect(notice.text()).toBe(
      '卡片已被取出。PIN碼沒有送出，已輸入的 PIN碼也已清除。請插回您的自然人憑證，或按「取消」。'
    )
    expect((input.element as HTMLInputElement).value).toBe('')
    expect(input.attributes('disabled')).toBeDefined()
    expect(byText(w, 'button', '確定').attributes('disabled')).toBeDefined()
    expect(w.find('[data-testid="pin-card-name"]').exists()).toBe(false) // the old ticket is dropped
    expect(document.activeElement).toBe(byText(w, 'button', '取消').element) // focus stays in the dialog
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.emitted('submit')).toBeUndefined()
    // Reading the card again is not "ready": still removed. Then the same card is ready again.
    cardStatus({ ...READY_STATUS, phase: 'reading', certificate: undefined }, 2)
    await flushPromises()
    expect(w.get('[data-testid="pin-card-gone"]').attributes('data-presence')).toBe('removed')
    cardStatus(READY_STATUS, 3)
    await flushPromises()
    expect(w.get('[data-testid="pin-card-gone"]').attributes('data-presence')).toBe('returned')
    expect(w.get('[data-testid="pin-card-gone"]').text()).toContain(
      '卡片已重新插入並可使用。請按「以這張卡片繼續」，再輸入一次 PIN碼。'
    )
    expect(w.find('[data-testid="pin-other-card"]').exists()).toBe(false)
    expect(document.activeElement).toBe(w.get('[data-testid="pin-continue"]').element)
    expect(callsTo('card:pinPrompt')).toHaveLength(1) // nothing asked for the user
    expect(w.emitted('submit')).toBeUndefined()
    await w.get('[data-testid="pin-continue"]').trigger('click')
    await flushPromises()
    expect(callsTo('card:pinPrompt')).toHaveLength(2)
    expect(w.get('[data-testid="pin-card-name"]').text()).toBe('卡片：王小明（Virtual PCD 00 00）')
    expect((input.element as HTMLInputElement).value).toBe('')
    expect(document.activeElement).toBe(input.element)
    await input.setValue('123456')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.emitted('submit')).toEqual([[{ pin: '123456', ticket: ticketN(1) }]])
    w.unmount()
    store.dispose()
  })

  it('another card inserted after the pull is named as a different card (other certificate / card serial)', async () => {
    const store = await readyCardStore()
    const w = await mountView(views.PinDialog, { operation: 'login', error: null, busy: false })
    await w.get('#pin-input').setValue('123456')
    cardStatus({ phase: 'no-card', readers: [{ name: READY_STATUS.reader, cardPresent: false }] }, 1)
    cardStatus(OTHER_CARD, 2)
    await flushPromises()
    expect(w.get('[data-testid="pin-card-gone"]').attributes('data-presence')).toBe('returned')
    expect(w.get('[data-testid="pin-other-card"]').text()).toContain('另一張卡片：陳大文（卡號 TP03000002）')
    expect((w.get('#pin-input').element as HTMLInputElement).value).toBe('')
    // A status update about the same card while it stays in (e.g. a revocation re-check) is no removal.
    w.unmount()
    store.dispose()
    const store2 = await readyCardStore()
    const w2 = await mountView(views.PinDialog, { operation: 'login', error: null, busy: false })
    await w2.get('#pin-input').setValue('123456')
    cardStatus({ ...READY_STATUS, chain: 'revocation-unknown' }, 3)
    await flushPromises()
    expect(w2.find('[data-testid="pin-card-gone"]').exists()).toBe(false)
    expect((w2.get('#pin-input').element as HTMLInputElement).value).toBe('123456')
    w2.unmount()
    store2.dispose()
  })

  it('a decision with a card other than the one bound to the account says so before the PIN is typed', async () => {
    const { useSessionStore } = await import('../../../src/renderer/stores/session')
    const cert = (cardSerial: string) => ({
      cardSerial,
      serialNumber: '01',
      subject: 'CN=王小明',
      issuer: 'CN=MOICA',
      notBefore: '2024-01-01T00:00:00.000Z',
      notAfter: '2028-12-01T00:00:00.000Z'
    })
    const store = useSessionStore()
    store.adopt({ ...session('password'), profile: { ...PROFILE, certificate: cert('TP09999999') } })
    const w = await mountView(views.PinDialog, { operation: 'decision', error: null, busy: false })
    const card = READY_STATUS.certificate.cardSerial
    expect(w.get('[data-testid="pin-other-card"]').text()).toContain(`卡號 ${card}`)
    expect(w.get('[data-testid="pin-other-card"]').text()).toContain('卡號 TP09999999')
    expect(w.get('[data-testid="pin-other-card"]').text()).toContain('重新啟用憑證')
    w.unmount()
    // The bound card: no warning; nor for logging in (any of the holder's cards may log in).
    store.adopt({ ...session('password'), profile: { ...PROFILE, certificate: cert(card) } })
    const same = await mountView(views.PinDialog, { operation: 'decision', error: null, busy: false })
    expect(same.find('[data-testid="pin-other-card"]').exists()).toBe(false)
    same.unmount()
    store.adopt({ ...session('password'), profile: { ...PROFILE, certificate: cert('TP09999999') } })
    const login = await mountView(views.PinDialog, { operation: 'login', error: null, busy: false })
    expect(login.find('[data-testid="pin-other-card"]').exists()).toBe(false)
    login.unmount()
  })

  it('shows card progress while busy, and 取消 then cancels the card operation', async () => {
    handlers['card:cancel'] = async () => ({})
    const w = await mountView(views.PinDialog, { operation: 'decision', error: null, busy: true })
    cb.emit('card:progress', { operation: 'decision', stage: 'signing', done: 1, total: 3 })
    await flushPromises()
    expect(w.get('[data-testid="pin-progress"]').text()).toContain('卡片簽章中（1/3）')
    expect(w.get('#pin-input').attributes('disabled')).toBeDefined()
    // The progress takes the PIN field's place (the dialog does not grow; it fits 800×600), and
    // focus, which was in the field, stays in the dialog on 取消.
    expect(w.get('[data-testid="pin-entry"]').isVisible()).toBe(false)
    expect(document.activeElement?.textContent?.trim()).toBe('取消')
    expect(w.find('[data-testid="pin-counts"]').exists()).toBe(false) // one stage, no batch counts
    // A batch's stages overlap: the counts of all three are shown with the stage it is in.
    cb.emit('card:progress', {
      operation: 'decision',
      stage: 'signing',
      done: 40,
      total: 200,
      counts: { prepared: 200, signed: 40, submitted: 16, total: 200 }
    })
    await flushPromises()
    // The stage's own (done/total) is left out then: it counts signatures in flight, not 已簽章, and
    // the two numbers side by side read as a contradiction (seen: 卡片簽章中（12/200） with 已簽章 0 筆).
    expect(w.get('[data-testid="pin-stage"]').text()).toBe('卡片簽章中…')
    expect(w.get('[data-testid="pin-counts"]').text()).toBe('已準備 200 筆，已簽章 40 筆，已送出 16 筆（共 200 筆）')
    // The bar is all three counts together (it does not restart at 0 when the stage changes).
    const bar = w.get('progress').element as HTMLProgressElement
    expect([bar.value, bar.max]).toEqual([256, 600])
    cb.emit('card:progress', {
      operation: 'decision',
      stage: 'submitting',
      done: 1,
      total: 200,
      counts: { prepared: 200, signed: 200, submitted: 1, total: 200 }
    })
    await flushPromises()
    expect(w.get('[data-testid="pin-stage"]').text()).toBe('送出中…')
    expect([bar.value, bar.max]).toEqual([401, 600])
    // main's closing 'done' has no counts: the line keeps the last ones instead of vanishing.
    cb.emit('card:progress', {
      operation: 'decision',
      stage: 'submitting',
      done: 200,
      total: 200,
      counts: { prepared: 200, signed: 200, submitted: 200, total: 200 }
    })
    cb.emit('card:progress', { operation: 'decision', stage: 'done', done: 200, total: 200 })
    await flushPromises()
    expect(w.get('[data-testid="pin-stage"]').text()).toBe('完成')
    expect(w.get('[data-testid="pin-counts"]').text()).toBe('已準備 200 筆，已簽章 200 筆，已送出 200 筆（共 200 筆）')
    // A batch of one has no count line, and its stage keeps its own numbers.
    cb.emit('card:progress', {
      operation: 'decision',
      stage: 'signing',
      done: 0,
      total: 1,
      counts: { prepared: 1, signed: 0, submitted: 0, total: 1 }
    })
    await flushPromises()
    expect(w.get('[data-testid="pin-stage"]').text()).toBe('卡片簽章中（0/1）…')
    expect(w.find('[data-testid="pin-counts"]').exists()).toBe(false)
    await byText(w, 'button', '取消').trigger('click')
    await flushPromises()
    expect(callsTo('card:cancel')).toHaveLength(1)
    expect(w.emitted('cancel')).toHaveLength(1)
    w.unmount()
  })
})

describe('RegisterView — 資料填寫', () => {
  it('ticks the password rules live and enables 確定 only when everything is valid', async () => {
    const reg = {
      registrationId: 'reg_AAAAAAAAAAAAAAAAAAAAAA',
      state: 'STARTED' as const,
      expiresAt: '2030-01-01T00:00:00.000Z',
      identity: null,
      mobile: null
    }
    handlers['registration:start'] = async () => reg
    handlers['registration:verifyIdentity'] = async () => ({
      ...reg,
      state: 'IDENTITY_VERIFIED',
      identity: {
        name: '王小明',
        nationalIdMasked: 'A12****789',
        cardSerial: 'TP1',
        certificateNotAfter: '2030-01-01T00:00:00.000Z'
      }
    })
    handlers['registration:sendSms'] = async () => ({
      sentAt: '2025-01-01T00:00:00.000Z',
      expiresAt: '2025-01-01T00:05:00.000Z',
      resendAfter: '2025-01-01T00:01:00.000Z',
      mobileMasked: '0911***333'
    })
    const w = await mountView(views.RegisterView)
    const { useCardStore } = await import('../../../src/renderer/stores/card')
    await useCardStore().init()
    await flushPromises()
    await byText(w, 'button', '下一步').trigger('click')
    await flushPromises()
    await w.get('#reg-id').setValue('A123456789')
    await w.get('#reg-pin').setValue('123456')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(callsTo('registration:verifyIdentity')[0]?.request).toEqual({
      registrationId: reg.registrationId,
      nationalId: 'A123456789',
      pin: '123456',
      ticket: ticketN(0)
    })
    expect(w.text()).toContain('身分驗證完成：王小明')

    const failing = () =>
      w
        .findAll('[data-testid="password-rules"] li')
        .filter((li) => li.attributes('data-ok') === 'false')
        .map((li) => li.text())
    await w.get('#reg-password').setValue('secret')
    expect(failing()).toEqual(['✗ 長度至少8碼', '✗ 數字至少1碼', '✗ 大寫英文至少1碼'])
    await w.get('#reg-password').setValue('Secret12')
    expect(failing()).toEqual([])
    await w.get('#reg-password2').setValue('Secret13')
    expect(w.text()).toContain('兩次輸入的密碼不一致')
    await w.get('#reg-password2').setValue('Secret12')
    expect(w.text()).not.toContain('兩次輸入的密碼不一致')

    await w.get('#reg-birth').setValue('1990/01/02')
    await w.get('#reg-phone').setValue('02-2345-6789')
    await w.get('#reg-address').setValue('臺北市中正區')
    await w.get('#reg-account').setValue('xiaoming')
    await w.get('#reg-email').setValue('xm@example.tw')
    await w.get('#reg-mobile').setValue('0911222333')
    await byText(w, 'button', '傳送簡訊碼').trigger('click')
    await flushPromises()
    const submit = byText(w, 'button', '送出')
    await w.get('#reg-sms').setValue('123456')
    expect(submit.attributes('disabled')).toBeDefined() // 個資閱讀宣告 not yet checked
    await w.get('#reg-privacy').setValue(true)
    expect(submit.attributes('disabled')).toBeUndefined()
    await w.get('#reg-password').setValue('secret12') // a rule fails again → 確定 disabled again
    expect(submit.attributes('disabled')).toBeDefined()
    w.unmount()
  })
})

describe('DelegationsView — 申報不符', () => {
  const pending = {
    id: 'dlg_aaaaaaaa',
    declarationDate: '2025-01-02',
    houseBillNo: 'SF100',
    masterBillNo: 'M1',
    direction: 'IMPORT' as const,
    carrier: 'DHL',
    goodsDescription: 'cup',
    quantity: 1,
    declaredValue: 10,
    currency: 'TWD',
    status: 'PENDING' as const,
    reason: null,
    confirmedAt: null,
    confirmedVia: null,
    updatedAt: '2025-01-02T00:00:00.000Z'
  }
  /** Session, 查詢 answering `rows`, delegations:decideBatch answering every row OK; 查詢 pressed. */
  async function queried(rows: (typeof pending)[]): Promise<VueWrapper> {
    handlers['session:get'] = async () => session('password')
    handlers['api:getStatus'] = async () => ({ state: 'online', checkedAt: new Date().toISOString() })
    handlers['delegations:query'] = async () => ({
      items: rows,
      page: 1,
      pageSize: 500,
      total: rows.length,
      source: 'online' as const,
      lastSyncedAt: null
    })
    handlers['delegations:decideBatch'] = async ({ items }) => ({
      results: items.map((i) => ({
        id: i.id,
        ok: true as const,
        delegation: {
          ...(rows.find((r) => r.id === i.id) ?? pending),
          status: i.decision,
          reason: i.reason,
          confirmedAt: '2025-01-03T00:00:00.000Z',
          confirmedVia: 'certificate' as const
        }
      }))
    })
    handlers['delegations:pendingCount'] = async () => ({ count: 0 })
    const { useSessionStore } = await import('../../../src/renderer/stores/session')
    await useSessionStore().init()
    const w = await mountView(views.DelegationsView)
    await w.get('form').trigger('submit')
    await flushPromises()
    return w
  }

  it('requires 原因 before asking for the PIN, then sends it with the decision', async () => {
    const w = await queried([pending])
    // The virtualised table renders rows only with a measured scroller; open the detail directly.
    const { useDelegationsStore } = await import('../../../src/renderer/stores/delegations')
    expect(useDelegationsStore().rows).toHaveLength(1)
    w.findComponent({ name: 'DelegationTable' }).vm.$emit('open', pending.id)
    await flushPromises()
    const detail = w.get('[data-testid="detail"]')
    await byText(w, 'button', '申報不符').trigger('click')
    expect(detail.text()).toContain('申報不符須輸入原因')
    expect(w.find('[data-testid="pin-dialog"]').exists()).toBe(false)
    expect(w.get('#d-reason').attributes('aria-invalid')).toBe('true')
    await w.get('#d-reason').setValue('   ')
    await byText(w, 'button', '申報不符').trigger('click')
    expect(w.find('[data-testid="pin-dialog"]').exists()).toBe(false) // blank is not a reason
    await w.get('#d-reason').setValue('非本人訂購')
    await byText(w, 'button', '申報不符').trigger('click')
    expect(w.find('[data-testid="pin-dialog"]').exists()).toBe(true)
    // The PIN dialog states what will be signed before asking.
    expect(w.get('[data-testid="pin-signing-item"]').text()).toContain('SF100')
    expect(w.get('[data-testid="pin-signing-item"]').text()).toContain('原因：非本人訂購')
    await w.get('#pin-input').setValue('123456')
    await w.get('[data-testid="pin-dialog"] form').trigger('submit')
    await flushPromises()
    expect(callsTo('delegations:decideBatch')).toEqual([
      {
        channel: 'delegations:decideBatch',
        request: {
          items: [{ id: pending.id, houseBillNo: 'SF100', decision: 'MISMATCH', reason: '非本人訂購' }],
          pin: '123456',
          ticket: ticketN(0)
        }
      }
    ])
    expect(w.get('[data-testid="detail-status"]').text()).toBe('申報不符')
    expect(w.find('[data-testid="pin-dialog"]').exists()).toBe(false)
    w.unmount()
  })

  it('跳到批次確認 reaches the batch panel; after a batch, focus goes to its summary (out of sight below a long list)', async () => {
    const two = [pending, { ...pending, id: 'dlg_bbbbbbbb', houseBillNo: 'SF200' }]
    const w = await queried(two)
    // 跳到批次確認 (beside the result count) reaches the batch panel below the table in one key press.
    await w.get('[data-testid="to-batch"]').trigger('click')
    expect(document.activeElement?.textContent?.trim()).toBe('選取全部尚未確認')
    await byText(w, 'button', '選取全部尚未確認').trigger('click')
    const batchButton = byText(w, 'button', '批次申報相符（2 筆）')
    ;(batchButton.element as HTMLButtonElement).focus() // as a keyboard user reaches it
    await batchButton.trigger('click')
    await w.get('#pin-input').setValue('123456')
    await w.get('[data-testid="pin-dialog"] form').trigger('submit')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 60)) // the view moves focus once the rows re-rendered
    const summary = w.get('[data-testid="decision-summary"]')
    expect(summary.text()).toBe('已完成：2 筆成功，0 筆失敗')
    expect(document.activeElement).toBe(summary.element)
    expect(w.find('[data-testid="to-batch"]').exists()).toBe(false) // nothing left to answer
    w.unmount()
  })

  it('a batch with failed rows says why and what to do, keeps them selected, and takes focus from the batch button', async () => {
    const two = [pending, { ...pending, id: 'dlg_bbbbbbbb', houseBillNo: 'SF200' }]
    const w = await queried(two)
    // The card was pulled after the first row was signed: the second row failed with CARD_REMOVED.
    handlers['delegations:decideBatch'] = async ({ items }) => ({
      results: items.map((i, n) =>
        n === 0
          ? { id: i.id, ok: true as const, delegation: { ...pending, status: 'MATCH' as const, reason: null } }
          : { id: i.id, ok: false as const, error: new AppError('CARD_REMOVED').toPayload() }
      )
    })
    await w.get('[data-testid="to-batch"]').trigger('click')
    await byText(w, 'button', '選取全部尚未確認').trigger('click')
    const batchButton = byText(w, 'button', '批次申報相符（2 筆）')
    ;(batchButton.element as HTMLButtonElement).focus()
    await batchButton.trigger('click')
    await w.get('#pin-input').setValue('123456')
    await w.get('[data-testid="pin-dialog"] form').trigger('submit')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 60))
    const summary = w.get('[data-testid="decision-summary"]')
    expect(summary.text()).toContain('已完成：1 筆成功，1 筆失敗')
    expect(summary.get('[data-testid="error"]').attributes('data-code')).toBe('CARD_REMOVED')
    // One live region: the summary is announced as a whole, its error box is not a second alert inside it.
    expect(summary.attributes('role')).toBe('status')
    expect(summary.find('[role="alert"]').exists()).toBe(false)
    expect(summary.text()).toContain('作業中卡片被移除，請重新插入後再試。')
    expect(summary.text()).toContain('失敗的 1 筆仍為已選取')
    expect(byText(w, 'button', '批次申報相符（1 筆）').exists()).toBe(true)
    expect(document.activeElement).toBe(summary.element)
    w.unmount()
  })
})

describe('StatusArea — PC/SC hint', () => {
  it('says install when pcscd is not installed, and start when it is installed but not running', async () => {
    const down = { phase: 'pcsc-unavailable' as const, readers: [], updatedAt: '2026-01-01T00:00:00.000Z' }
    for (const [problem, hint] of [
      ['PCSC_NOT_INSTALLED', '請安裝智慧卡服務 (pcscd)'],
      ['PCSC_UNAVAILABLE', '請啟動智慧卡服務後稍候']
    ] as const) {
      handlers['card:getStatus'] = async () => ({ ...down, problem })
      setActivePinia(createPinia())
      const w = await mountView(views.StatusArea)
      const { useCardStore } = await import('../../../src/renderer/stores/card')
      await useCardStore().init()
      await flushPromises()
      expect(w.get('[data-testid="card-hint"]').text()).toContain(hint)
      w.unmount()
    }
  })
})

describe('delegations store — the confirmation flow (one result type)', () => {
  const pending = {
    id: 'dlg_bbbbbbbb',
    declarationDate: '2025-01-02',
    houseBillNo: 'SF200',
    masterBillNo: 'M1',
    direction: 'IMPORT' as const,
    carrier: 'DHL',
    goodsDescription: 'cup',
    quantity: 1,
    declaredValue: 10,
    currency: 'TWD',
    status: 'PENDING' as const,
    reason: null,
    confirmedAt: null,
    confirmedVia: null,
    updatedAt: '2025-01-02T00:00:00.000Z'
  }
  it('a batch lists the selected rows in the table’s order, whatever the order they were ticked in', async () => {
    const older = { ...pending, id: 'dlg_older000', houseBillNo: 'SF301', declarationDate: '2025-01-01' }
    const newer = { ...pending, id: 'dlg_newer000', houseBillNo: 'SF302', declarationDate: '2025-03-01' }
    handlers['delegations:query'] = async () => ({
      items: [older, newer], // the platform's order; the table sorts by 報關日期, newest first
      page: 1,
      pageSize: 500,
      total: 2,
      source: 'online' as const,
      lastSyncedAt: null
    })
    handlers['delegations:pendingCount'] = async () => ({ count: 2 })
    const { useDelegationsStore } = await import('../../../src/renderer/stores/delegations')
    const store = useDelegationsStore()
    await store.search()
    expect(store.sorted.map((r) => r.id)).toEqual([newer.id, older.id])
    store.toggle(older.id)
    store.toggle(newer.id)
    expect(store.selectedPending.map((r) => r.houseBillNo)).toEqual(['SF302', 'SF301'])
  })

  it('answered: rows replaced, dialog closed; stopped: nothing changes and the dialog keeps the error', async () => {
    handlers['delegations:query'] = async () => ({
      items: [pending],
      page: 1,
      pageSize: 500,
      total: 1,
      source: 'online' as const,
      lastSyncedAt: null
    })
    handlers['delegations:pendingCount'] = async () => ({ count: 0 })
    handlers['delegations:prepareBatch'] = async ({ ids }) => ({ prepared: ids.length })
    let pinOk = false
    handlers['delegations:decideBatch'] = async ({ items }) => {
      if (!pinOk) throw new AppError('PIN_INCORRECT')
      return {
        results: items.map((i) => ({
          id: i.id,
          ok: true as const,
          delegation: {
            ...pending,
            status: i.decision,
            confirmedAt: '2025-01-03T06:36:00.000Z',
            confirmedVia: 'certificate' as const
          }
        }))
      }
    }
    const { useDelegationsStore } = await import('../../../src/renderer/stores/delegations')
    const store = useDelegationsStore()
    await store.search()
    store.askToConfirm([{ id: pending.id, houseBillNo: 'SF200', decision: 'MATCH', reason: '' }])
    expect(store.confirmation?.items).toEqual([{ id: pending.id, houseBillNo: 'SF200', decision: 'MATCH', reason: '' }])
    // The rows are prepared in main while the PIN is typed (nothing signed, no PIN involved).
    expect(callsTo('delegations:prepareBatch').map((c) => c.request)).toEqual([{ ids: [pending.id] }])

    const stopped = await store.submitPin({ pin: '000000', ticket: ticketN(1) })
    expect(stopped).toEqual({ kind: 'stopped', error: { code: 'PIN_INCORRECT', retriable: false } })
    expect(store.confirmation?.error?.code).toBe('PIN_INCORRECT')
    expect(store.rows[0]?.status).toBe('PENDING')

    pinOk = true
    const answered = await store.submitPin({ pin: '123456', ticket: ticketN(2) })
    expect(answered?.kind).toBe('answered')
    expect(answered && answered.kind === 'answered' ? [answered.ok, answered.failed] : null).toEqual([1, 0])
    expect(store.confirmation).toBeNull()
    expect(store.rows[0]?.status).toBe('MATCH')
    expect(store.outcomes.get(pending.id)?.ok).toBe(true)
    // The PIN was sent once per user submission, never again on its own.
    expect(callsTo('delegations:decideBatch').map((c) => (c.request as { pin: string }).pin)).toEqual([
      '000000',
      '123456'
    ])
  })

  it('a query failure or an end date before the start clears the previous results', async () => {
    let fail = false
    handlers['delegations:query'] = async () => {
      if (fail) throw new AppError('NETWORK_UNREACHABLE')
      return { items: [pending], page: 1, pageSize: 500, total: 1, source: 'online' as const, lastSyncedAt: null }
    }
    const { useDelegationsStore } = await import('../../../src/renderer/stores/delegations')
    const store = useDelegationsStore()
    await store.search()
    expect(store.rows).toHaveLength(1)
    store.form.dateFrom = '2026/11/30'
    store.form.dateTo = '115/11/01'
    await store.search()
    expect(store.fieldError).toEqual({ field: 'dateTo', problem: 'endBeforeStart' })
    expect(store.rows).toHaveLength(0)
    expect(callsTo('delegations:query')).toHaveLength(1) // nothing sent
    store.form.dateTo = ''
    await store.search()
    expect(store.rows).toHaveLength(1)
    fail = true
    await store.search()
    expect(store.error?.code).toBe('NETWORK_UNREACHABLE')
    expect(store.rows).toHaveLength(0)
    expect(store.searched).toBe(false)
  })
})
