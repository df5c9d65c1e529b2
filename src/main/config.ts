import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

// Runtime configuration of the main-process core. Machine policy and user settings (issue #8)
// will layer over this; for now the environment is the only source, as the launcher sets it.
export interface CoreConfig {
  version: string
  demo: boolean
  resourcesDir: string
  /** Platform API base URL, or null when none is configured. */
  apiBaseUrl: string | null
  /** Extra CA certificate (PEM path) trusted for the API's TLS, e.g. server-mock's dev CA. */
  apiCaFile: string | null
  /** PKCS#11 modules tried before the card table's candidates (settings/policy/dev). */
  pkcs11Modules: string[]
  /** Dev/test-only trust material (anchors + intermediates); ignored in release builds. */
  devTrustDir: string | null
}

declare const __ECCS_DEV_TRUST__: boolean

/** True unless the bundle was built with ECCS_RELEASE=1 (packaging). Plain Node/vitest: true. */
export function devTrustAllowed(): boolean {
  return typeof __ECCS_DEV_TRUST__ === 'undefined' ? true : __ECCS_DEV_TRUST__
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
  const list = (v: string | undefined): string[] => (v ? v.split(process.platform === 'win32' ? ';' : ':').filter(Boolean) : [])
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
