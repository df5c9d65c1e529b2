import { EventEmitter } from 'node:events'
import type { IpcEvent, IpcEventPayload } from '../../shared/ipc-contract'
import { PlatformClient } from '../api/platform-client'
import { loadCardTable } from '../card/atr'
import type { CardOperations } from '../card/card-operations'
import { CardService } from '../card/card-service'
import { ReaderMonitor } from '../card/reader-monitor'
import type { CoreConfig } from '../config'
import { createDispatcher, type Dispatch, type IpcHandlers } from '../ipc/dispatcher'
import { loadTrustStore } from '../pki/trust-store'
import { ApiStatusTracker } from './api-status'
import { InterimCardSigner } from './interim-card-signer'
import { createPlatformHandlers } from './platform-handlers'

// The main-process core: owns the card, the platform API client (and its session token) and
// publishes typed events. Plain Node, used unchanged by the Electron shell and the web host.

export interface AppCore {
  dispatch: Dispatch
  /** Typed events for the renderer (card status, API status, progress, session end). */
  onEvent<E extends IpcEvent>(listener: (event: E, payload: IpcEventPayload<E>) => void): () => void
  /** The logged-in platform client, for the offline cache's sync (null when unconfigured). */
  readonly api?: PlatformClient | null
  start(): void
  stop(): void
}

export interface AppCoreDeps {
  /** The card signer; defaults to the interim in-process one (see interim-card-signer.ts). */
  cardOperations?: (card: CardService) => CardOperations
}

export function createAppCore(config: CoreConfig, host: 'electron' | 'web', deps: AppCoreDeps = {}): AppCore {
  const events = new EventEmitter()
  const emit = <E extends IpcEvent>(event: E, payload: IpcEventPayload<E>): void => void events.emit('event', event, payload)
  const card = new CardService({
    monitor: new ReaderMonitor(),
    table: loadCardTable(config.resourcesDir),
    trust: loadTrustStore(config.resourcesDir, config.devTrustDir),
    preferredModules: config.pkcs11Modules
  })
  card.on('status', (status) => emit('card:status', status))

  let api: PlatformClient | null = null
  const apiStatus = new ApiStatusTracker(
    config.apiBaseUrl !== null,
    (s) => emit('api:status', s),
    () => (api ? api.health() : Promise.resolve())
  )
  if (config.apiBaseUrl) {
    api = new PlatformClient({
      baseUrl: config.apiBaseUrl,
      caFile: config.apiCaFile,
      onReachability: (ok, problem) => apiStatus.report(ok, problem)
    })
    api.onSessionEnded(() => emit('session:ended', {}))
  }
  const signer = deps.cardOperations ? deps.cardOperations(card) : new InterimCardSigner(() => card.current())

  const handlers: IpcHandlers = {
      'app:getInfo': async () => ({
        version: config.version,
        demo: config.demo,
        host,
        apiBaseUrl: config.apiBaseUrl,
        platform: `${process.platform}-${process.arch}`
      }),
      'card:getStatus': async () => card.current(),
      ...createPlatformHandlers({ api, card: signer, progress: (p) => emit('card:progress', p), apiStatus: () => apiStatus.current() })
  }
  const dispatch = createDispatcher(handlers, { onInternalError: (channel, err) => console.error(`[ipc] ${channel} failed:`, err instanceof Error ? err.message : err) }
  )

  return {
    dispatch,
    api,
    onEvent(listener) {
      const l = listener as (e: IpcEvent, p: unknown) => void
      events.on('event', l)
      return () => events.off('event', l)
    },
    start: () => {
      card.start()
      apiStatus.start()
    },
    stop: () => {
      apiStatus.stop()
      card.stop()
    }
  }
}
