// `npx tsx server-mock/cli.ts [--data DIR] [--port N] [--seed N] [--db FILE] [--dev] [--log]`
// Starts server-mock with the generated MOICA-like test PKI as trust anchors and CRL source.
import { resolve, join } from 'node:path'
import { parseArgs } from 'node:util'
import { identityRecordsOf, loadOrGenerateTestPki } from './test-pki'
import { startMockServer } from './server'

const REPO_ROOT = join(__dirname, '..')

const USAGE = `Usage: npx tsx server-mock/cli.ts [options]
  --data DIR   data directory (dev CA, SMS outbox, …); default .tmp/mock-data
  --port N     port on 127.0.0.1; default 48123, 0 = any free port
  --seed N     delegations per demo account; default 120 (up to 100000)
  --db FILE    SQLite file (default: in memory, fresh on every start)
  --dev        enable /api/v1/dev/* (SMS outbox, creating delegations/accounts)
  --log        request logging`

function intOption(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`--${name} must be an integer between 0 and ${max}`)
  return n
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      port: { type: 'string' },
      seed: { type: 'string' },
      db: { type: 'string' },
      dev: { type: 'boolean', default: false },
      log: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    },
    strict: true
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const dataDir = resolve(values.data ?? resolve(REPO_ROOT, '.tmp', 'mock-data'))
  const pki = await loadOrGenerateTestPki()
  const server = await startMockServer({
    dataDir,
    port: intOption(values.port, 'port', 48123, 65535),
    anchors: [pki.root.certPath],
    intermediates: [pki.moica.certPath],
    crls: [pki.crlPath],
    ocsp: { issuerCertPath: pki.moica.certPath, issuerKeyPath: pki.moica.keyPath },
    dbPath: values.db ? resolve(values.db) : ':memory:',
    seed: {
      delegationsPerAccount: intOption(values.seed, 'seed', 120, 100_000),
      demoCertificatePath: pki.citizens.valid.files.signCert
    },
    identityRecords: identityRecordsOf(pki),
    dev: values.dev,
    logger: values.log
  })

  const lines = [
    `API URL: ${server.url}`,
    `Endpoints under: ${server.apiBase}`,
    `Origin (signed by the client): ${server.origin}`,
    `Dev CA (trust this to connect): ${server.caCertPath}`,
    `SMS outbox (JSON lines): ${server.smsOutboxPath}`,
    `Test PKI: ${pki.dir}  (OCSP responder: POST ${server.apiBase}/ocsp)`,
    'Demo accounts:'
  ]
  for (const a of server.accounts) {
    const card =
      a.kind === 'certificate'
        ? `citizen certificate card ${a.cardSerial ?? '(unbound)'}, demo card PIN ${a.cardPin ?? '123456'}`
        : 'EZWay phone-registered, no certificate'
    lines.push(`  ${a.account} / ${a.password}  ${a.name} ${a.nationalId} — ${card}`)
  }
  if (values.dev)
    lines.push(
      `Dev endpoints: ${server.apiBase}/dev/sms-outbox, POST ${server.apiBase}/dev/delegations, POST ${server.apiBase}/dev/accounts`
    )
  lines.push('Press Ctrl+C to stop.')
  console.log(lines.join('\n'))

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal}: stopping server-mock…`)
    server
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        console.error(err)
        process.exit(1)
      })
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
