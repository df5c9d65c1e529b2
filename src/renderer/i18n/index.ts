import { createI18n } from 'vue-i18n'
import en from './en'
import zhTW from './zh-TW'

export type Locale = 'zh-TW' | 'en'

export function createAppI18n(locale: Locale = 'zh-TW') {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'zh-TW',
    messages: { 'zh-TW': zhTW, en },
    // d(date, 'short') in the status area (card validity): a date without time.
    datetimeFormats: {
      'zh-TW': { short: { year: 'numeric', month: '2-digit', day: '2-digit' } },
      en: { short: { year: 'numeric', month: 'short', day: 'numeric' } }
    }
  })
}
