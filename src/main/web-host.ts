import { join } from 'node:path'
import { configFromEnv, findResourcesDir } from './config'
import { createAppCore } from './core/app-core'
import { startWebHost } from './webhost/server'

// Entry point of `npm run start:web` (and `npm start` where no Electron binary exists): the
// main-process core under plain Node, serving the built renderer on 127.0.0.1.

async function main(): Promise<void> {
  const resourcesDir = findResourcesDir(__dirname)
  const config = configFromEnv(process.env, { version: process.env.npm_package_version ?? '0.0.0', resourcesDir })
  const core = createAppCore(config, 'web')
  core.start()
  const port = process.env.ECCS_WEB_PORT ? Number(process.env.ECCS_WEB_PORT) : 0
  const host = await startWebHost({ core, rendererDir: join(__dirname, '../renderer'), port })
  console.log(`App URL: ${host.appUrl}`)
  const shutdown = (): void => {
    core.stop()
    void host.close().then(() => process.exit(0))
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

main().catch((err: unknown) => {
  console.error(`web host failed to start: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
