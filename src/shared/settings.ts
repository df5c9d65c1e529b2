import { z } from 'zod'

// What the settings screen sees and may change. The machine-policy vocabulary itself lives in
// src/main/policy/schema.ts (main only); this is its renderer-safe mirror, and
// src/main/core/settings-service.ts checks at compile time that the two agree.

import { LOG_LEVELS, REVOCATION_MODES, SETTING_NAMES, UPDATE_CHANNELS, type SettingName } from './setting-names'

export const SettingsValues = z.object({
  apiBaseUrl: z.string().nullable(),
  pkcs11Modules: z.array(z.string()),
  extraCaCertificates: z.array(z.string()),
  proxy: z.string(),
  proxyBypass: z.array(z.string()),
  proxyPacUrl: z.string().nullable(),
  revocationCheck: z.enum(REVOCATION_MODES),
  autoUpdate: z.boolean(),
  updateChannel: z.enum(UPDATE_CHANNELS),
  updateUrl: z.string().nullable(),
  cacheRetentionDays: z.number().int(),
  wipeCacheOnSignOut: z.boolean(),
  allowedReaders: z.array(z.string()),
  logLevel: z.enum(LOG_LEVELS),
  startAtLogin: z.boolean(),
  closeToTray: z.boolean(),
  updatePublicKey: z.string().nullable(),
  cardAtrs: z.array(
    z.object({ atr: z.string(), mask: z.string().optional(), name: z.string(), modules: z.array(z.string()) })
  ),
  requiredCertificatePolicies: z.array(z.string())
})
export type SettingsValues = z.infer<typeof SettingsValues>

// Compile-time: the zod-free name list and the schema name the same keys.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const _namesMatch: Same<SettingName, keyof SettingsValues> = true
void _namesMatch
const SettingNameEnum = z.enum(SETTING_NAMES)

export const SettingSource = z.enum(['policy', 'environment', 'user', 'default'])
export type SettingSource = z.infer<typeof SettingSource>

export const SettingsView = z.object({
  /** Effective values; `proxy` never holds a password (main removes it, see proxyHasPassword). */
  values: SettingsValues,
  /** True when the stored proxy URL holds a password, which the page is never sent. */
  proxyHasPassword: z.boolean(),
  sources: z.record(SettingNameEnum, SettingSource),
  /** Shown read-only: the machine policy sets them (all of them while the policy is invalid). */
  locked: z.array(SettingNameEnum),
  policy: z.object({
    status: z.enum(['absent', 'valid', 'invalid']),
    path: z.string(),
    issues: z.array(z.object({ key: z.string(), message: z.string() }))
  }),
  /** Keys dropped from the user's settings.json (invalid), for the screen to mention. */
  userWarnings: z.array(z.object({ key: z.string(), message: z.string() })),
  userSettingsPath: z.string(),
  /** True once a change was saved that the running app only picks up after a restart. */
  restartRequired: z.boolean()
})
export type SettingsView = z.infer<typeof SettingsView>

/**
 * The settings a user may change on the screen (scalars; lists and URLs are IT's job through
 * policy or settings.json). `null` returns a key to its default.
 * `proxy` sent without a password keeps the stored password of the same proxy and user name;
 * `proxyPassword` replaces it (a string, never trimmed or normalised) or removes it (null).
 */
export const SettingsChange = z
  .strictObject({
    proxy: z.string().trim().min(1).max(300).nullable().optional(),
    proxyPassword: z.string().min(1).max(256).nullable().optional(),
    revocationCheck: z.enum(REVOCATION_MODES).nullable().optional(),
    autoUpdate: z.boolean().nullable().optional(),
    updateChannel: z.enum(UPDATE_CHANNELS).nullable().optional(),
    cacheRetentionDays: z.number().int().min(0).max(3650).nullable().optional(),
    wipeCacheOnSignOut: z.boolean().nullable().optional(),
    logLevel: z.enum(LOG_LEVELS).nullable().optional(),
    startAtLogin: z.boolean().nullable().optional(),
    closeToTray: z.boolean().nullable().optional()
  })
  .refine((c) => Object.keys(c).length > 0, { message: 'nothing to change' })
export type SettingsChange = z.infer<typeof SettingsChange>
