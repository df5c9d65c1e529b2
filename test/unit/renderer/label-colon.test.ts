// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import StatusArea from '../../../src/renderer/components/StatusArea.vue'
import { createAppI18n } from '../../../src/renderer/i18n'
import { useCardStore } from '../../../src/renderer/stores/card'
import { READY_STATUS } from './contract-bridge'

// Eyes-user finding: the English status area read "Card holder：王小明 · Valid until：Jan 1, 2030" —
// a full-width Chinese colon in English text. The label–value separator is a message (app.colon).

beforeEach(() => setActivePinia(createPinia()))

function statusDetail(locale: 'zh-TW' | 'en'): string {
  useCardStore().status = READY_STATUS
  const w = mount(StatusArea, { global: { plugins: [createAppI18n(locale)] } })
  const text = w.get('.status-detail').text().replace(/\s+/g, ' ')
  w.unmount()
  return text
}

describe('label–value separator per language', () => {
  it('English: "Card holder: 王小明 · Valid until: …", no full-width colon', () => {
    const text = statusDetail('en')
    expect(text).toMatch(/^Card holder: 王小明 · Valid until: \S/)
    expect(text).not.toContain('：')
  })
  it('Chinese keeps the full-width colon: 持卡人：王小明', () => {
    expect(statusDetail('zh-TW')).toMatch(/^持卡人：王小明 · 有效期限：\S/)
  })
})
