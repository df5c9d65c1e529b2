// Names and choices of the settings, free of zod so the renderer bundle can use them without the
// schema library; settings.ts builds the IPC schemas on top and checks the two agree.

export const REVOCATION_MODES = ['off', 'soft-fail', 'hard-fail'] as const
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export const UPDATE_CHANNELS = ['latest', 'beta'] as const

export const SETTING_NAMES = [
  'apiBaseUrl',
  'pkcs11Modules',
  'extraCaCertificates',
  'proxy',
  'proxyBypass',
  'proxyPacUrl',
  'revocationCheck',
  'autoUpdate',
  'updateChannel',
  'updateUrl',
  'cacheRetentionDays',
  'wipeCacheOnSignOut',
  'allowedReaders',
  'logLevel',
  // desktop shell (issue 16)
  'startAtLogin',
  'closeToTray',
  'updatePublicKey',
  'cardAtrs',
  'requiredCertificatePolicies'
] as const
export type SettingName = (typeof SETTING_NAMES)[number]

/** What the settings screen lets a user change (scalars; lists and URLs are IT's, via policy). */
export const EDITABLE_SETTINGS = [
  'proxy',
  'revocationCheck',
  'autoUpdate',
  'updateChannel',
  'cacheRetentionDays',
  'wipeCacheOnSignOut',
  'logLevel',
  'startAtLogin',
  'closeToTray'
] as const satisfies readonly SettingName[]
