// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Component } from 'vue'
import type { Profile } from '../../../src/shared/api-types'
import type { IpcChannel, IpcRequest, IpcResponse } from '../../../src/shared/ipc-contract'
import { createAppI18n } from '../../../src/renderer/i18n'
import type { useSessionStore as UseSessionStoreFn } from '../../../src/renderer/stores/session'
import { contractBridge, PROFILE, type ContractBridge } from './contract-bridge'

// 個人帳號資料維護: unsaved edits of 聯絡電話 / E-mail / 地址 survive a reload (unmount + mount with the
// same sessionStorage), with a notice and 捨棄修改; never a password; gone after save, discard, logout.

type Handlers = Partial<{ [C in IpcChannel]: (r: IpcRequest<C>) => Promise<IpcResponse<C>> }>
const handlers: Handlers = {}
let cb: ContractBridge
let ProfileView: Component
let useSessionStore: UseSessionStore
type UseSessionStore = typeof UseSessionStoreFn
const KEY = 'eccs.profileDraft'

beforeAll(async () => {
  cb = contractBridge(handlers)
  ;(window as unknown as { eccs: unknown }).eccs = cb.bridge
  ProfileView = (await import('../../../src/renderer/views/ProfileView.vue')).default
  useSessionStore = (await import('../../../src/renderer/stores/session')).useSessionStore
})

let profile: Profile = { ...PROFILE }
beforeEach(() => {
  sessionStorage.clear()
  profile = { ...PROFILE }
  cb.calls.length = 0
  handlers['profile:get'] = async () => profile
  handlers['profile:update'] = async (u) => (profile = { ...profile, ...u })
  handlers['profile:changePassword'] = async () => ({})
  handlers['session:logout'] = async () => ({})
  setActivePinia(createPinia())
})

async function open(locale: 'zh-TW' | 'en' = 'zh-TW'): Promise<VueWrapper> {
  const w = mount(ProfileView, { attachTo: document.body, global: { plugins: [createAppI18n(locale)] } })
  await flushPromises()
  return w
}
const value = (w: VueWrapper, id: string) => (w.get(id).element as HTMLInputElement).value

describe('ProfileView — unsaved draft', () => {
  it('restores typed contact fields after a reload with a notice; never stores the passwords', async () => {
    const w = await open()
    expect(w.find('[data-testid="profile-draft-restored"]').exists()).toBe(false)
    await w.get('#p-phone').setValue('02-2345-6789')
    await w.get('#p-address').setValue('臺北市中正區重慶南路一段122號')
    await w.get('#p-old').setValue('OldSecret1!')
    await w.get('#p-new').setValue('NewSecret2@x')
    await flushPromises()
    const stored = sessionStorage.getItem(KEY) ?? ''
    expect(JSON.parse(stored)).toEqual({
      account: 'xiaoming',
      fields: { phone: '02-2345-6789', email: 'xm@example.tw', address: '臺北市中正區重慶南路一段122號' }
    })
    expect(stored).not.toContain('Secret')
    w.unmount() // the reload

    const again = await open()
    expect(value(again, '#p-phone')).toBe('02-2345-6789')
    expect(value(again, '#p-address')).toBe('臺北市中正區重慶南路一段122號')
    expect(value(again, '#p-email')).toBe('xm@example.tw')
    expect(value(again, '#p-old')).toBe('')
    expect(value(again, '#p-new')).toBe('')
    const notice = again.get('[data-testid="profile-draft-restored"]')
    expect(notice.attributes('role')).toBe('status')
    expect(notice.text()).toContain('已還原未儲存的修改（聯絡電話、地址）') // the fields that changed, not E-mail
    again.unmount()
    const en = await open('en')
    expect(en.get('[data-testid="profile-draft-restored"]').text()).toContain(
      'Restored unsaved changes (Phone, Address)'
    )
    en.unmount()
  })

  it('捨棄修改 returns to the saved data and forgets the draft', async () => {
    const w = await open()
    await w.get('#p-email').setValue('new@example.tw')
    w.unmount()
    const again = await open()
    expect(value(again, '#p-email')).toBe('new@example.tw')
    await again.get('[data-testid="profile-draft-discard"]').trigger('click')
    await flushPromises()
    expect(value(again, '#p-email')).toBe('xm@example.tw')
    expect(again.find('[data-testid="profile-draft-restored"]').exists()).toBe(false)
    expect(document.activeElement).toBe(again.get('#p-phone').element) // not <body>: the button is gone
    expect(sessionStorage.getItem(KEY)).toBeNull()
    again.unmount()
    expect(value(await open(), '#p-email')).toBe('xm@example.tw')
  })

  it('saving clears the draft; so does typing the saved values back', async () => {
    const w = await open()
    await w.get('#p-phone').setValue('02-2345-6789')
    await flushPromises()
    expect(sessionStorage.getItem(KEY)).not.toBeNull()
    await w.get('#p-phone').setValue('')
    await flushPromises()
    expect(sessionStorage.getItem(KEY)).toBeNull()
    await w.get('#p-phone').setValue('02-2345-6789')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(cb.calls.find((c) => c.channel === 'profile:update')?.request).toEqual({
      phone: '02-2345-6789',
      email: 'xm@example.tw'
    })
    expect(sessionStorage.getItem(KEY)).toBeNull()
    w.unmount()
    const again = await open()
    expect(again.find('[data-testid="profile-draft-restored"]').exists()).toBe(false)
    expect(value(again, '#p-phone')).toBe('02-2345-6789')
  })

  it('logout clears it; another account never gets it; a damaged draft is dropped', async () => {
    const w = await open()
    await w.get('#p-address').setValue('高雄市')
    await flushPromises()
    w.unmount()
    await useSessionStore().logout()
    expect(sessionStorage.getItem(KEY)).toBeNull()

    sessionStorage.setItem(
      KEY,
      JSON.stringify({ account: 'someone-else', fields: { phone: '1', email: 'x', address: 'y' } })
    )
    const other = await open()
    expect(value(other, '#p-address')).toBe('')
    expect(other.find('[data-testid="profile-draft-restored"]').exists()).toBe(false)
    other.unmount()

    for (const bad of [
      '{',
      JSON.stringify({ account: 'xiaoming', fields: { phone: 1 } }),
      JSON.stringify({ account: 'xiaoming', fields: { phone: '', email: '', address: '', password: 'x' } })
    ]) {
      sessionStorage.setItem(KEY, bad)
      const d = await open()
      expect(d.find('[data-testid="profile-draft-restored"]').exists(), bad).toBe(false)
      expect(sessionStorage.getItem(KEY), bad).toBeNull()
      d.unmount()
    }
  })
})
