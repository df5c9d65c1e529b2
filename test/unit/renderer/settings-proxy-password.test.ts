// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Component } from 'vue'
import type { IpcChannel, IpcRequest, IpcResponse } from '../../../src/shared/ipc-contract'
import { SETTING_NAMES } from '../../../src/shared/setting-names'
import type { SettingsView } from '../../../src/shared/settings'
import { createAppI18n } from '../../../src/renderer/i18n'
import { contractBridge, type ContractBridge } from './contract-bridge'

// The settings screen and the proxy password it never sees (main: test/unit/settings-proxy-secret.test.ts):
// saving other settings sends no proxy key at all; typing a password sends it once as
// proxyPassword; the checkbox sends proxyPassword: null; the field is emptied after saving.

type Handlers = Partial<{ [C in IpcChannel]: (r: IpcRequest<C>) => Promise<IpcResponse<C>> }>
const handlers: Handlers = {}
let cb: ContractBridge
let Settings: Component

function viewWith(hasPassword: boolean): SettingsView {
  return {
    values: {
      apiBaseUrl: null,
      pkcs11Modules: [],
      extraCaCertificates: [],
      proxy: 'http://alice@proxy.corp.example:3128/',
      proxyBypass: [],
      proxyPacUrl: null,
      revocationCheck: 'soft-fail',
      autoUpdate: true,
      updateChannel: 'latest',
      updateUrl: null,
      cacheRetentionDays: 90,
      wipeCacheOnSignOut: false,
      allowedReaders: [],
      logLevel: 'info',
      startAtLogin: false,
      closeToTray: false,
      updatePublicKey: null,
      cardAtrs: [],
      requiredCertificatePolicies: []
    },
    proxyHasPassword: hasPassword,
    sources: Object.fromEntries(SETTING_NAMES.map((k) => [k, 'user'])) as SettingsView['sources'],
    locked: [],
    policy: { status: 'absent', path: '/etc/eccs/policy.json', issues: [] },
    userWarnings: [],
    userSettingsPath: '/home/u/.config/eccs/settings.json',
    restartRequired: false
  }
}

beforeAll(async () => {
  cb = contractBridge(handlers)
  ;(window as unknown as { eccs: unknown }).eccs = cb.bridge
  Settings = (await import('../../../src/renderer/views/SettingsView.vue')).default
})

let hasPassword = true
beforeEach(() => {
  hasPassword = true
  cb.calls.length = 0
  handlers['settings:get'] = async () => viewWith(hasPassword)
  handlers['settings:update'] = async (change) => {
    if (change.proxyPassword === null) hasPassword = false
    if (typeof change.proxyPassword === 'string') hasPassword = true
    return viewWith(hasPassword)
  }
  setActivePinia(createPinia())
})

async function mountSettings(): Promise<VueWrapper> {
  const w = mount(Settings, { attachTo: document.body, global: { plugins: [createAppI18n('en')] } })
  await flushPromises()
  return w
}
const updates = () => cb.calls.filter((c) => c.channel === 'settings:update').map((c) => c.request)
async function save(w: VueWrapper): Promise<void> {
  await w.get('form').trigger('submit')
  await flushPromises()
}

describe('settings screen: proxy password', () => {
  it('says a password is stored without showing one, and saving another setting sends no proxy key', async () => {
    const w = await mountSettings()
    expect((w.get('#set-proxy').element as HTMLInputElement).value).toBe('http://alice@proxy.corp.example:3128/')
    const pw = w.get('[data-testid=proxy-password]').element as HTMLInputElement
    expect(pw.type).toBe('password')
    expect(pw.value).toBe('')
    expect(pw.placeholder).toBe('Saved (not shown)')
    expect(w.get('[data-testid=proxy-password-state]').text()).toContain('A password is saved and never shown')
    await w.get('#set-logLevel').setValue('debug')
    await save(w)
    expect(updates()).toEqual([{ logLevel: 'debug' }])
    w.unmount()
  })

  it('replaces the password once, then clears the field; the checkbox removes it', async () => {
    const w = await mountSettings()
    await w.get('[data-testid=proxy-password]').setValue('n3w secret')
    await save(w)
    expect(updates()).toEqual([{ proxyPassword: 'n3w secret' }])
    expect((w.get('[data-testid=proxy-password]').element as HTMLInputElement).value).toBe('')
    await w.get('[data-testid=proxy-password-clear]').setValue(true)
    expect(w.get('[data-testid=proxy-password]').attributes('disabled')).toBeDefined()
    await save(w)
    expect(updates()).toEqual([{ proxyPassword: 'n3w secret' }, { proxyPassword: null }])
    expect(w.find('[data-testid=proxy-password-clear]').exists()).toBe(false)
    expect(w.get('[data-testid=proxy-password-state]').text()).toContain('No password saved')
    w.unmount()
  })
})
