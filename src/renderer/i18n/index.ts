import { createI18n } from 'vue-i18n'
import en from './en'
import zhTW from './zh-TW'

export type Locale = 'zh-TW' | 'en'

export function createAppI18n(locale: Locale = 'zh-TW') {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'zh-TW',
    messages: { 'zh-TW': zhTW, en }
  })
}
