import type { RevocationChecker } from '../pki'
import { loadTrustStore } from '../pki'
import { loadCardTable, withPolicyCards, type CardAtrEntry, type CardTable } from './atr'
import { CardService } from './card-service'
import { CardSigner, type CardSignerDeps } from './card-signer'
import { Pkcs11Client, type Pkcs11ClientOptions } from './pkcs11-client'
import { ReaderMonitor, type ReaderMonitorOptions } from './reader-monitor'
import type { TokenContents } from './token-reader'

// The one place the card layer is put together — by the app core, the CLI's doctor, the rig tests
// and the card bench alike: reader monitor → detection state machine, one PKCS#11 worker client
// shared by detection reads and signing, and the card leaving its reader aborting whatever the
// worker is doing.

export interface CardLayerOptions {
  /** Resources folder: the card table (cards/card-table.json) and the bundled trust anchors. */
  resourcesDir: string
  /** Extra trust anchors (development / rig), or null. */
  devTrustDir: string | null
  /** PKCS#11 modules from settings/policy/dev, tried before the card table's candidates. */
  preferredModules: string[]
  /** OCSP/CRL check of a valid chain; absent = revocation not checked. */
  revocation?: RevocationChecker
  /** Policy card entries (ATR pattern + mask → name + modules), checked before the built-in table. */
  cardAtrs?: CardAtrEntry[]
  /** Certificate policy OIDs the card certificate must assert (policy requiredCertificatePolicies). */
  requiredPolicies?: string[]
  /** Reader monitoring (back-off in ms); an instance when the caller watches it too (bench). */
  monitor?: ReaderMonitor | ReaderMonitorOptions
  /** PKCS#11 worker timeouts and entry (tests). */
  client?: Pkcs11ClientOptions
  /** PIN gate timing (tests: short waits after a wrong PIN). */
  pinGate?: CardSignerDeps['gate']
}

export interface CardLayer {
  /** The card table the layer matches ATRs against (the doctor lists its module candidates). */
  table: CardTable
  service: CardService
  operations: CardSigner
  client: Pkcs11Client
  /** What the most recent successful token read held (the doctor's OCSP address), or null. */
  lastTokenRead(): TokenContents | null
  /** Starts reader monitoring and warms the PKCS#11 worker up. */
  start(): void
  /** Stops reader monitoring and ends the PKCS#11 worker. */
  stop(): Promise<void>
}

/**
 * Builds the card layer. Reads the card table and the trust store from `resourcesDir` (throws on
 * a malformed card table: a packaging error, not a user condition). Nothing runs until start().
 */
export function createCardLayer(opts: CardLayerOptions): CardLayer {
  const table = withPolicyCards(loadCardTable(opts.resourcesDir), opts.cardAtrs ?? [])
  const client = new Pkcs11Client(opts.client)
  const monitor = opts.monitor instanceof ReaderMonitor ? opts.monitor : new ReaderMonitor(opts.monitor)
  let lastRead: TokenContents | null = null
  const service = new CardService({
    monitor,
    table,
    trust: loadTrustStore(opts.resourcesDir, opts.devTrustDir),
    preferredModules: opts.preferredModules,
    ...(opts.requiredPolicies?.length ? { requiredPolicies: opts.requiredPolicies } : {}),
    readToken: async (module) => (lastRead = await client.readToken(module)),
    ...(opts.revocation ? { revocation: opts.revocation } : {})
  })
  service.on('card-removed', () => client.cardRemoved())
  const operations = new CardSigner({
    client,
    token: () => service.signingToken(),
    status: () => service.current(),
    ...(opts.pinGate ? { gate: opts.pinGate } : {})
  })
  return {
    table,
    service,
    operations,
    client,
    lastTokenRead: () => lastRead,
    start: () => {
      client.prewarm()
      service.start()
    },
    async stop() {
      service.stop()
      await client.close()
    }
  }
}
