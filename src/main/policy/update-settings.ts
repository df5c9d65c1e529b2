import type { EffectiveSettings } from './effective'

// What electron-updater should do, decided from the effective settings. Pure so it is testable
// without Electron; src/main/index.ts applies it (see docs/deployment.md § Updates).

export interface UpdateDecision {
  enabled: boolean
  channel: 'latest' | 'beta'
  /** A generic feed URL replacing the publish configuration baked into the app, or null. */
  url: string | null
  /** Why updates are off, for the log and the settings screen. */
  reason: string | null
}

export function updateSettings(settings: EffectiveSettings, opts: { packaged: boolean }): UpdateDecision {
  const { autoUpdate, updateChannel, updateUrl } = settings.values
  const base = { channel: updateChannel, url: updateUrl }
  if (settings.networkBlocked)
    return { ...base, enabled: false, reason: 'machine policy is invalid (network disabled)' }
  if (!opts.packaged) return { ...base, enabled: false, reason: 'not a packaged build' }
  if (!autoUpdate)
    return {
      ...base,
      enabled: false,
      reason: settings.sources.autoUpdate === 'policy' ? 'turned off by machine policy' : 'turned off in settings'
    }
  return { ...base, enabled: true, reason: null }
}
