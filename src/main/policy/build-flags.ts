// Build-time switches compiled in by electron-vite (electron.vite.config.ts `define`).

declare const __ECCS_DEV_TRUST__: boolean

/** True unless the bundle was built with ECCS_RELEASE=1 (packaging). Plain Node/vitest/tsx: true. */
export function devTrustAllowed(): boolean {
  return typeof __ECCS_DEV_TRUST__ === 'undefined' ? true : __ECCS_DEV_TRUST__
}
