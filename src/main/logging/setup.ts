import type { EffectiveSettings } from '../policy'
import { captureConsole, createAppLogger, type AppLogger } from './logger'

// What a host (Electron shell, web host) calls once at start: the log file at the configured
// level, console output routed into it, and one line recording the policy in effect — so a
// support bundle always shows why the app was offline or which keys were locked.

export interface RunningLog extends AppLogger {
  restoreConsole(): void
}

export function startAppLogging(
  config: { logDir: string; settings: EffectiveSettings; version: string },
  opts: { tee?: boolean } = {}
): RunningLog {
  const log = createAppLogger({ dir: config.logDir, level: config.settings.values.logLevel, tee: opts.tee ?? false })
  const restoreConsole = captureConsole(log.logger)
  const { policy, locked, userWarnings, networkBlocked } = config.settings
  log.logger.info(
    {
      version: config.version,
      platform: `${process.platform}-${process.arch}`,
      policy: { status: policy.status, path: policy.path },
      locked
    },
    'started'
  )
  if (networkBlocked)
    log.logger.error({ code: networkBlocked.code, issues: policy.issues }, 'machine policy invalid: network disabled')
  if (userWarnings.length > 0) log.logger.warn({ userWarnings }, 'user settings: invalid keys ignored')
  return { ...log, restoreConsole }
}
