import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { AppError } from '../../shared/errors'
import { issuesFromZod, type PolicyIssue } from './issues'
import { PolicySchema, SETTING_KEYS, type Policy, type SettingKey } from './schema'

// The user's own settings (settings.json in the user-data folder). Unlike the machine policy, a
// bad user file must not lock the user out: invalid keys are dropped one by one and reported as
// warnings, and the rest is used. Keys locked by policy cannot be saved here.

export interface UserSettingsState {
  path: string
  values: Policy
  /** Keys that were present but invalid (dropped), for diagnostics. */
  warnings: PolicyIssue[]
}

export function loadUserSettings(path: string): UserSettingsState {
  let text: string
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return {
      path,
      values: {},
      warnings: code === 'ENOENT' ? [] : [{ key: '', message: `cannot be read (${code ?? 'error'})` }]
    }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    return { path, values: {}, warnings: [{ key: '', message: `not valid JSON: ${(err as Error).message}` }] }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { path, values: {}, warnings: [{ key: '', message: 'must be a JSON object' }] }
  }
  const values: Record<string, unknown> = {}
  const warnings: PolicyIssue[] = []
  for (const [key, value] of Object.entries(json)) {
    if (!(SETTING_KEYS as string[]).includes(key)) {
      warnings.push({ key, message: 'unknown key (ignored)' })
      continue
    }
    const one = PolicySchema.safeParse({ [key]: value })
    if (one.success) values[key] = (one.data as Record<string, unknown>)[key]
    else warnings.push(...issuesFromZod(one.error))
  }
  return { path, values: values as Policy, warnings }
}

/**
 * Writes the user's settings, refusing keys the machine policy locks (the settings screen shows
 * them read-only; this is the backstop). `null` removes a key so the default applies again.
 */
export function saveUserSettings(
  path: string,
  changes: Partial<Record<SettingKey, unknown>>,
  locked: readonly SettingKey[]
): Policy {
  const lockedChanged = Object.keys(changes).filter((k) => locked.includes(k as SettingKey))
  if (lockedChanged.length > 0)
    throw new AppError('VALIDATION_FAILED', `locked by machine policy: ${lockedChanged.join(', ')}`)
  const current = loadUserSettings(path).values as Record<string, unknown>
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined) delete current[key]
    else current[key] = value
  }
  const parsed = PolicySchema.safeParse(current)
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error)
    throw new AppError('VALIDATION_FAILED', issues.map((i) => `${i.key}: ${i.message}`).join('; '))
  }
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(parsed.data, null, 2)}\n`, { mode: 0o600 })
  renameSync(tmp, path) // atomic: a crash never leaves half a settings file
  return parsed.data
}
