import { defineStore } from 'pinia'
import { ref, watchEffect } from 'vue'
import { formatTaipeiDate, formatTaipeiDateTime } from '../../shared/taipei-time'

// The person's own display preferences (外觀, 民國年): kept in this renderer's storage like the UI
// language (locale.ts), never machine policy, never sent anywhere.

export type Theme = 'system' | 'light' | 'dark'
const THEME_KEY = 'eccs.theme'
const ROC_KEY = 'eccs.rocYears'

function read(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null
  } catch {
    return null
  }
}
function write(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value)
  } catch {
    // storage unavailable: the choice lasts for this window only
  }
}

export const usePreferencesStore = defineStore('preferences', () => {
  const stored = read(THEME_KEY)
  const theme = ref<Theme>(stored === 'light' || stored === 'dark' ? stored : 'system')
  const rocYears = ref(read(ROC_KEY) === '1')

  // html[data-theme] overrides the OS choice; 'system' leaves it to prefers-color-scheme.
  watchEffect(() => {
    const root = globalThis.document?.documentElement
    if (!root) return
    if (theme.value === 'system') root.removeAttribute('data-theme')
    else root.setAttribute('data-theme', theme.value)
  })

  function setTheme(next: Theme): void {
    theme.value = next
    write(THEME_KEY, next)
  }
  function setRocYears(on: boolean): void {
    rocYears.value = on
    write(ROC_KEY, on ? '1' : '0')
  }
  /** An instant as Taipei `YYYY/MM/DD HH:mm` (ROC years when chosen). */
  function dateTime(value: string | null | undefined): string {
    return formatTaipeiDateTime(value, { roc: rocYears.value })
  }
  /** A calendar date as `YYYY/MM/DD` (ROC years when chosen). */
  function date(value: string | null | undefined): string {
    return formatTaipeiDate(value, { roc: rocYears.value })
  }

  return { theme, rocYears, setTheme, setRocYears, dateTime, date }
})
