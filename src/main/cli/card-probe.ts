import type { CardStatus } from '../../shared/card-status'
import type { CardAtrEntry, CardTable, TokenContents } from '../card'
import { createCardLayer } from '../card'

// Runs the app's own card layer once, read-only (no PIN, no login), and waits for its detection
// to settle: the doctor reports exactly what the app would show in its status area.

export interface CardProbe {
  status: CardStatus
  table: CardTable
  /** What the token held, when it could be read (for the certificate's OCSP address). */
  contents: TokenContents | null
}

const BUSY = new Set(['starting', 'reading'])

/**
 * Detects the card the way the app does and returns the settled status. Waits until nothing has
 * changed for `settleMs` (default 1500 ms), at most `timeoutMs` (default 20 s). Never throws for
 * a card condition: those are phases of the returned status.
 */
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
  const layer = createCardLayer({
    resourcesDir: opts.resourcesDir,
    devTrustDir: opts.devTrustDir,
    preferredModules: opts.modules,
    ...(opts.cardAtrs ? { cardAtrs: opts.cardAtrs } : {}),
    ...(opts.requiredPolicies ? { requiredPolicies: opts.requiredPolicies } : {}),
    monitor: { backoffMs: [60_000] } // one attempt: a doctor must not wait for pcscd
  })
  const service = layer.service
  const settleMs = opts.settleMs ?? 1500
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
  let lastChange = Date.now()
  service.on('status', () => (lastChange = Date.now()))
  layer.start()
  try {
    // Readers and cards are announced asynchronously: wait until nothing has changed for a while.
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
      if (!BUSY.has(service.current().phase) && Date.now() - lastChange >= settleMs) break
    }
    return { status: service.current(), table: layer.table, contents: layer.lastTokenRead() }
  } finally {
    await layer.stop().catch(() => undefined)
  }
}
