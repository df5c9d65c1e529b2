import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  devTrustAllowed,
  loadPolicyFile,
  defaultLogDir,
  defaultUserDataDir,
  policyFilePath,
  userSettingsPath,
  loadUserSettings
} from './policy'
import { resolveSettings, type EffectiveSettings } from './policy'

export { devTrustAllowed }

// Runtime configuration of the main-process core: machine policy > launcher environment > user
// settings > defaults (src/main/policy/effective.ts). `loadCoreConfig` is what the hosts call;
// `configFromEnv` remains for callers that have no user-data folder and want no policy (tests).
export interface CoreConfig {
  version: string
  demo: boolean
  resourcesDir: string
  /** Platform API base URL, or null when none is configured (or the network is blocked). */
  apiBaseUrl: string | null
  /** Extra CA certificate (PEM path) trusted for the API's TLS, e.g. server-mock's dev CA. */
  apiCaFile: string | null
  /** PKCS#11 modules tried before the card table's candidates (settings/policy/dev). */
  pkcs11Modules: string[]
  /** Dev/test-only trust material (anchors + intermediates); ignored in release builds. */
  devTrustDir: string | null
  /** Effective settings with their sources and locked keys; absent only from configFromEnv. */
  settings?: EffectiveSettings
  /** Where the user's settings.json and the log files live. */
  userDataDir?: string
  logDir?: string
}

export function findResourcesDir(start: string): string {
  // Packaged Electron keeps resources next to app.asar; dev and web host find the repo's folder.
  const candidates = [
    process.env.ECCS_RESOURCES_DIR,
    (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath
      ? join((process as NodeJS.Process & { resourcesPath?: string }).resourcesPath ?? '', 'resources')
      : undefined,
    resolve(start, '../../resources'),
    resolve(start, '../resources'),
    resolve(process.cwd(), 'resources')
  ]
  for (const dir of candidates) {
    if (dir && existsSync(join(dir, 'cards', 'card-table.json'))) return dir
  }
  throw new Error(`resources folder not found (looked in: ${candidates.filter(Boolean).join(', ')})`)
}

export function configFromEnv(env: NodeJS.ProcessEnv, opts: { version: string; resourcesDir: string }): CoreConfig {
  const list = (v: string | undefined): string[] =>
    v ? v.split(process.platform === 'win32' ? ';' : ':').filter(Boolean) : []
  return {
    version: opts.version,
    demo: env.ECCS_DEMO === '1',
    resourcesDir: opts.resourcesDir,
    apiBaseUrl: env.ECCS_API_URL || null,
    apiCaFile: env.ECCS_API_CA || null,
    pkcs11Modules: list(env.ECCS_PKCS11_MODULE),
    devTrustDir: devTrustAllowed() ? env.ECCS_DEV_TRUST_DIR || null : null
  }
}

/**
 * The configuration the hosts should use: reads the machine policy (ECCS_POLICY_FILE in dev
 * builds, else the OS location) and the user's settings.json. With an invalid policy the
 * result has `settings.networkBlocked` set and `apiBaseUrl: null` (fail closed).
 */
export function loadCoreConfig(
  env: NodeJS.ProcessEnv,
  opts: { version: string; resourcesDir: string; userDataDir?: string; policyPath?: string }
): CoreConfig & { settings: EffectiveSettings; userDataDir: string; logDir: string } {
  const userDataDir = opts.userDataDir ?? defaultUserDataDir(env)
  const settings = resolveSettings({
    policy: loadPolicyFile(opts.policyPath ?? policyFilePath(env)),
    user: loadUserSettings(userSettingsPath(userDataDir)),
    env
  })
  // The dev API CA comes from the launcher only; a policy uses extraCaCertificates instead.
  const devApiCa = devTrustAllowed() ? env.ECCS_API_CA || null : null
  return {
    version: opts.version,
    demo: env.ECCS_DEMO === '1',
    resourcesDir: opts.resourcesDir,
    apiBaseUrl: settings.networkBlocked ? null : settings.values.apiBaseUrl,
    apiCaFile: devApiCa,
    pkcs11Modules: settings.values.pkcs11Modules,
    devTrustDir: devTrustAllowed() ? env.ECCS_DEV_TRUST_DIR || null : null,
    settings,
    userDataDir,
    logDir: defaultLogDir(env)
  }
}
