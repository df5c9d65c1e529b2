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
    return {
      values: s.values,
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
      // The screen shows locked keys read-only; this refuses them even if a caller tries.
      const locked = Object.keys(change).filter((k) => (current.locked as string[]).includes(k))
      if (locked.length > 0) throw new AppError('VALIDATION_FAILED', `locked by machine policy: ${locked.join(', ')}`)
      saveUserSettings(userPath, change, current.locked)
      restartRequired = true
      return view()
    }
  }
}
