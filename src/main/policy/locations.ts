import { homedir } from 'node:os'
import { join, win32, posix } from 'node:path'
import { devTrustAllowed } from './build-flags'

// OS-standard places for the machine policy, the user's settings and the log files. Overrides
// by environment exist for tests and IT staging; the policy override is honoured only in
// development builds so that a user cannot point a packaged app away from the machine policy.

type Env = NodeJS.ProcessEnv

export function machinePolicyPath(platform: NodeJS.Platform = process.platform, env: Env = process.env): string {
  if (platform === 'win32')
    return win32.join(env.ProgramData || env.PROGRAMDATA || 'C:\\ProgramData', 'ECCS', 'policy.json')
  if (platform === 'darwin') return posix.join('/Library/Application Support/ECCS/policy.json')
  return posix.join('/etc/eccs/policy.json')
}

/** The policy file in effect: ECCS_POLICY_FILE (development builds only), else the OS location. */
export function policyFilePath(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.ECCS_POLICY_FILE && devTrustAllowed()) return env.ECCS_POLICY_FILE
  return machinePolicyPath(platform, env)
}

/** Same folder Electron's app.getPath('userData') uses is preferred; this is the plain-Node fallback. */
export function defaultUserDataDir(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir()
): string {
  if (env.ECCS_USER_DATA_DIR) return env.ECCS_USER_DATA_DIR
  if (platform === 'win32') return win32.join(env.APPDATA || win32.join(home, 'AppData', 'Roaming'), 'ECCS')
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', 'ECCS')
  return posix.join(env.XDG_CONFIG_HOME || posix.join(home, '.config'), 'eccs')
}

export function userSettingsPath(userDataDir: string): string {
  return join(userDataDir, 'settings.json')
}

export function defaultLogDir(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir()
): string {
  if (env.ECCS_LOG_DIR) return env.ECCS_LOG_DIR
  if (platform === 'win32') return win32.join(env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local'), 'ECCS', 'logs')
  if (platform === 'darwin') return posix.join(home, 'Library', 'Logs', 'ECCS')
  return posix.join(env.XDG_STATE_HOME || posix.join(home, '.local', 'state'), 'eccs', 'logs')
}
