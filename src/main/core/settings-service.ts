import { AppError } from '../../shared/errors'
import type { SettingsChange, SettingsValues, SettingsView } from '../../shared/settings'
import {
  resolveSettings,
  loadPolicyFile,
  defaultUserDataDir,
  policyFilePath,
  userSettingsPath,
  loadUserSettings,
  saveUserSettings
} from '../policy'
import type { Settings, EffectiveSettings } from '../policy'
import { mergeProxyChange, redactProxy } from './proxy-secret'

// settings:get / settings:update over helper deploy's policy module. The files are re-read on
// every call, so the screen shows what the next start will use; the running core keeps the
// configuration it started with, hence `restartRequired` after a saved change.

// Compile-time: the renderer's mirror of the settings must stay the policy module's shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const _settingsMirrorMatches: Same<SettingsValues, Settings> = true
void _settingsMirrorMatches

export interface SettingsServiceOptions {
  env: NodeJS.ProcessEnv
  /** Defaults to the OS user-data folder (ECCS_USER_DATA_DIR overrides). */
  userDataDir?: string
  /** Defaults to the machine policy location (ECCS_POLICY_FILE in development builds). */
  policyPath?: string
}

export interface SettingsService {
  effective(): EffectiveSettings
  view(): SettingsView
  update(change: SettingsChange): SettingsView
}

export function createSettingsService(opts: SettingsServiceOptions): SettingsService {
  const userPath = userSettingsPath(opts.userDataDir ?? defaultUserDataDir(opts.env))
  const policyPath = opts.policyPath ?? policyFilePath(opts.env)
  let restartRequired = false

  const effective = (): EffectiveSettings =>
    resolveSettings({ policy: loadPolicyFile(policyPath), user: loadUserSettings(userPath), env: opts.env })

  const view = (): SettingsView => {
    const s = effective()
    // The page never receives the proxy password (proxy-secret.ts); it sees that one is stored.
    const { proxy, hasPassword } = redactProxy(s.values.proxy)
    return {
      values: { ...s.values, proxy },
      proxyHasPassword: hasPassword,
      sources: s.sources,
      locked: s.locked,
      policy: s.policy,
      userWarnings: s.userWarnings,
      userSettingsPath: userPath,
      restartRequired
    }
  }

  return {
    effective,
    view,
    update(change) {
      const current = effective()
      const { proxyPassword, ...settings } = change
      // The password is part of the proxy setting: changing it is changing `proxy`.
      const keys = Object.keys(settings).concat(proxyPassword === undefined ? [] : ['proxy'])
      // The screen shows locked keys read-only; this refuses them even if a caller tries.
      const locked = [...new Set(keys.filter((k) => (current.locked as string[]).includes(k)))]
      if (locked.length > 0) throw new AppError('VALIDATION_FAILED', `locked by machine policy: ${locked.join(', ')}`)
      const proxy = mergeProxyChange(current.values.proxy, { proxy: settings.proxy, proxyPassword })
      saveUserSettings(userPath, proxy === undefined ? settings : { ...settings, proxy }, current.locked)
      restartRequired = true
      return view()
    }
  }
}
