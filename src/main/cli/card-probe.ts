import type { CardStatus } from '../../shared/card-status'
import { loadCardTable, withPolicyCards, type CardAtrEntry, type CardTable } from '../card/atr'
import { CardService } from '../card/card-service'
import { Pkcs11Client } from '../card/pkcs11-client'
import { ReaderMonitor } from '../card/reader-monitor'
import type { TokenContents } from '../card/token-reader'
import { loadTrustStore } from '../pki/trust-store'

// Runs the app's own detection state machine once, read-only (no PIN, no login), and waits for
// it to settle: the doctor reports exactly what the app would show in its status area.

export interface CardProbe {
  status: CardStatus
  table: CardTable
  /** What the token held, when it could be read (for the certificate's OCSP address). */
  contents: TokenContents | null
}

const BUSY = new Set(['starting', 'reading'])

export async function probeCard(opts: {
  resourcesDir: string
  devTrustDir: string | null
  modules: string[]
  /** Policy card entries and required certificate policies: the doctor sees what the app sees. */
  cardAtrs?: CardAtrEntry[]
  requiredPolicies?: string[]
  settleMs?: number
  timeoutMs?: number
}): Promise<CardProbe> {
  const table = withPolicyCards(loadCardTable(opts.resourcesDir), opts.cardAtrs ?? [])
  const client = new Pkcs11Client()
  let contents: TokenContents | null = null
  const service = new CardService({
    monitor: new ReaderMonitor({ backoffMs: [60_000] }), // one attempt: a doctor must not wait for pcscd
    table,
    trust: loadTrustStore(opts.resourcesDir, opts.devTrustDir),
    preferredModules: opts.modules,
    ...(opts.requiredPolicies?.length ? { requiredPolicies: opts.requiredPolicies } : {}),
    readToken: async (module) => {
      contents = await client.readToken(module)
      return contents
    }
  })
  const settleMs = opts.settleMs ?? 1500
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
  let lastChange = Date.now()
  service.on('status', () => (lastChange = Date.now()))
  service.start()
  try {
    // Readers and cards are announced asynchronously: wait until nothing has changed for a while.
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
      if (!BUSY.has(service.current().phase) && Date.now() - lastChange >= settleMs) break
    }
    return { status: service.current(), table, contents }
  } finally {
    service.stop()
    await client.close().catch(() => undefined)
  }
}
