// server-mock in its own process for bench/batch (the platform is not in the client's process):
// reads MockServerOptions as JSON from argv[2], prints one line `MOCK {"url",…}`, runs until killed.
import { startMockServer, type MockServerOptions } from '../../server-mock/server'

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as MockServerOptions
  const server = await startMockServer(opts)
  process.stdout.write(
    `MOCK ${JSON.stringify({ url: server.url, apiBase: server.apiBase, caCertPath: server.caCertPath })}\n`
  )
  const stop = (): void => void server.close().finally(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
