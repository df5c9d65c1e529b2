// Child process for cache-kill.test.ts: opens the cache in <userDataDir> and syncs the first
// <prefix> entries of the shared change log, printing "ready" and "applied N" so the parent can
// SIGKILL it at any moment. The fetch yields to the event loop like a network call would.
import { DelegationCache } from '../../src/main/cache'
import { FakeFeed, changeLog } from './cache-fixtures'

async function main(): Promise<void> {
  const [userDataDir, prefix, pageSize] = process.argv.slice(2)
  if (!userDataDir || !prefix || !pageSize) throw new Error('usage: cache-kill-child <userDataDir> <prefix> <pageSize>')
  const feed = new FakeFeed(changeLog(12_000, 4_000).slice(0, Number(prefix)), Number(pageSize))
  const cache = DelegationCache.open({ userDataDir, accountId: 'kill-test' })
  process.stdout.write('ready\n')
  await cache.sync(
    async (cursor) => {
      await new Promise((r) => setImmediate(r))
      return feed.page(cursor)
    },
    (n) => process.stdout.write(`applied ${n}\n`)
  )
  cache.close()
  process.stdout.write('done\n')
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`)
  process.exit(1)
})
