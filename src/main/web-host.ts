import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { findResourcesDir, loadCoreConfig } from './config'
import { createAppCore } from './core'
import { startAppLogging } from './logging'
import { installProcessErrorHandlers } from './shell/crash-handlers'
import { startWebHost } from './webhost/server'

// Entry point of `npm run start:web` (and `npm start` where no Electron binary exists): the
// main-process core under plain Node, serving the built renderer on 127.0.0.1.

function appVersion(resourcesDir: string): string {
  try {
    return (
      (JSON.parse(readFileSync(join(resourcesDir, '..', 'package.json'), 'utf8')) as { version?: string }).version ??
      '0.0.0'
    )
  } catch {
    return '0.0.0'
  }
}

async function main(): Promise<void> {
  const resourcesDir = findResourcesDir(__dirname)
  const config = loadCoreConfig(process.env, { version: appVersion(resourcesDir), resourcesDir })
  const log = startAppLogging(config, { tee: true })
  // As in the Electron shell: errors of this process go to the log (and support bundle), not to an exit.
  installProcessErrorHandlers(process, {
    error: (m, e) => log.logger.error({ err: e }, m),
    warn: (m) => log.logger.warn(m)
  })
  const core = createAppCore(config, 'web')
  core.start()
  const port = process.env.ECCS_WEB_PORT ? Number(process.env.ECCS_WEB_PORT) : 0
  // Written directly (not through the captured console) so the launcher always sees it. Each
  // App URL opens one page; after it is used the next one is printed (for another tab).
  const printUrl = (url: string): void => void process.stdout.write(`App URL: ${url}\n`)
  const host = await startWebHost({ core, rendererDir: join(__dirname, '../renderer'), port, onAppUrl: printUrl })
  printUrl(host.appUrl)
  let stopping = false
  const shutdown = (): void => {
    if (stopping) return
    stopping = true
    void Promise.allSettled([core.stop(), host.close()])
      .then(() => {
        log.restoreConsole()
        return log.close()
      })
      .finally(() => process.exit(0))
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

main().catch((err: unknown) => {
  console.error(`web host failed to start: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
