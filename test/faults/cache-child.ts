import { signInAndQuery } from './cache-scenario'

// Runs one sign-in + query (cache-scenario.ts) and prints `RESULT <json>`. cache-faults.test.ts
// starts it inside a private mount namespace whose cache folder is a small or read-only tmpfs.
// argv: baseUrl caFile userDataDir settleMs

const [baseUrl, caFile, userDataDir, settle] = process.argv.slice(2)
if (!baseUrl || !caFile || !userDataDir) {
  console.error('usage: cache-child.ts BASE_URL CA_FILE USER_DATA_DIR [SETTLE_MS]')
  process.exit(2)
}
signInAndQuery({ baseUrl, caFile, userDataDir, settleMs: Number(settle ?? 0) })
  .then((r) => {
    console.log(`RESULT ${JSON.stringify(r)}`)
    process.exit(0)
  })
  .catch((e: unknown) => {
    console.error(e)
    process.exit(1)
  })
