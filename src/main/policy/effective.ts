import type { AppErrorPayload } from '../../shared/errors'
import type { PolicyIssue } from './issues'
import { resolveCaEntries, type PolicyState } from './load-policy'
import { DEFAULT_SETTINGS, SETTING_KEYS, type Policy, type SettingKey, type Settings } from './schema'
import type { UserSettingsState } from './user-settings'

// Precedence: machine policy > launcher environment (ECCS_API_URL, ECCS_PKCS11_MODULE: dev and
// demo set these) > user settings > defaults. The policy wins over the environment on purpose: a
// user who can set environment variables must not be able to undo the administrator's lock.

export type SettingSource = 'policy' | 'environment' | 'user' | 'default'

export interface EffectiveSettings {
  values: Settings
  sources: Record<SettingKey, SettingSource>
  /** Keys the settings screen must show read-only. All keys while the policy is invalid. */
  locked: SettingKey[]
  policy: { status: PolicyState['status']; path: string; issues: PolicyIssue[] }
  /** Dropped user-setting keys, for diagnostics. */
  userWarnings: PolicyIssue[]
  /** Extra CA certificates in effect, as PEM text. */
  caPems: string[]
  /** Null when the app may use the network; POLICY_INVALID (fail closed) otherwise. */
  networkBlocked: AppErrorPayload | null
}

function listFromEnv(value: string | undefined, platform: NodeJS.Platform): string[] | undefined {
  if (!value) return undefined
  return value.split(platform === 'win32' ? ';' : ':').filter(Boolean)
}

export function environmentLayer(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Policy {
  const layer: Policy = {}
  if (env.ECCS_API_URL) layer.apiBaseUrl = env.ECCS_API_URL
  const modules = listFromEnv(env.ECCS_PKCS11_MODULE, platform)
  if (modules) layer.pkcs11Modules = modules
  return layer
}

export function resolveSettings(input: {
  policy: PolicyState
  user: UserSettingsState
  env: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
}): EffectiveSettings {
  const { policy, user } = input
  const policyValues: Policy = policy.status === 'valid' ? policy.policy : {}
  const layers: [SettingSource, Policy][] = [
    ['policy', policyValues],
    ['environment', environmentLayer(input.env, input.platform)],
    ['user', user.values]
  ]
  const values = { ...DEFAULT_SETTINGS } as Record<SettingKey, unknown>
  const sources = {} as Record<SettingKey, SettingSource>
  for (const key of SETTING_KEYS) {
    const hit = layers.find(([, layer]) => layer[key] !== undefined)
    sources[key] = hit ? hit[0] : 'default'
    if (hit) values[key] = hit[1][key]
  }

  const userWarnings = [...user.warnings]
  let caPems: string[] = []
  if (sources.extraCaCertificates === 'policy' && policy.status === 'valid') caPems = policy.caPems
  else if (sources.extraCaCertificates === 'user') {
    const ca = resolveCaEntries(user.values.extraCaCertificates ?? [], 'extraCaCertificates')
    caPems = ca.pems
    userWarnings.push(...ca.issues)
  }

  const invalid = policy.status === 'invalid'
  return {
    values: values as unknown as Settings,
    sources,
    locked: invalid ? [...SETTING_KEYS] : SETTING_KEYS.filter((k) => policyValues[k] !== undefined),
    policy: { status: policy.status, path: policy.path, issues: policy.status === 'invalid' ? policy.issues : [] },
    userWarnings,
    caPems,
    networkBlocked: invalid ? policy.error.toPayload() : null
  }
}
