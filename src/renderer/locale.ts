import type { Locale } from './i18n'

// The UI language is a per-user, per-computer preference kept in the renderer's storage; it is
// not a machine-policy setting and never leaves this computer.
const KEY = 'eccs.locale'

export function savedLocale(): Locale {
  try {
    return globalThis.localStorage?.getItem(KEY) === 'en' ? 'en' : 'zh-TW'
  } catch {
    return 'zh-TW'
  }
}

export function saveLocale(locale: Locale): void {
  try {
    globalThis.localStorage?.setItem(KEY, locale)
  } catch {
    // storage unavailable (private mode): the choice lasts for this window only
  }
}
