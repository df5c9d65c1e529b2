import type { RevocationChecker } from '../pki/revocation'
import type { TrustStore } from '../pki/trust-store'
import type { CardTable } from './atr'
import { CardService } from './card-service'
import { CardSigner, type CardSignerDeps } from './card-signer'
import { Pkcs11Client, type Pkcs11ClientOptions } from './pkcs11-client'
import { ReaderMonitor, type ReaderMonitorOptions } from './reader-monitor'

// Wires the card layer together for the app core: reader monitor → detection state machine, one
// PKCS#11 worker client shared by detection reads and signing, and the card leaving its reader
// aborting whatever the worker is doing.

export interface CardLayerOptions {
  table: CardTable
  trust: TrustStore
  preferredModules: string[]
  revocation?: RevocationChecker
  /** Certificate policy OIDs the card certificate must assert (policy requiredCertificatePolicies). */
  requiredPolicies?: string[]
  monitor?: ReaderMonitor | ReaderMonitorOptions
  client?: Pkcs11ClientOptions
  /** PIN gate timing (tests: short waits after a wrong PIN). */
  pinGate?: CardSignerDeps['gate']
}

export interface CardLayer {
  service: CardService
  operations: CardSigner
  client: Pkcs11Client
  start(): void
  stop(): Promise<void>
}

export function createCardLayer(opts: CardLayerOptions): CardLayer {
  const client = new Pkcs11Client(opts.client)
  const monitor = opts.monitor instanceof ReaderMonitor ? opts.monitor : new ReaderMonitor(opts.monitor)
  const service = new CardService({
    monitor,
    table: opts.table,
    trust: opts.trust,
    preferredModules: opts.preferredModules,
    ...(opts.requiredPolicies ? { requiredPolicies: opts.requiredPolicies } : {}),
    readToken: (module) => client.readToken(module),
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
    service,
    operations,
    client,
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
