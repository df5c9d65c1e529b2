import { EventEmitter } from 'node:events'
import type { IpcEvent, IpcEventPayload } from '../../shared/ipc-contract'
import { loadCardTable } from '../card/atr'
import { CardService } from '../card/card-service'
import { ReaderMonitor } from '../card/reader-monitor'
import type { CoreConfig } from '../config'
import { createDispatcher, type Dispatch } from '../ipc/dispatcher'
import { loadTrustStore } from '../pki/trust-store'

// The main-process core: owns the card and (later) the API client and cache. It is plain Node,
// used unchanged by the Electron shell and by the loopback web host.

export interface AppCore {
  dispatch: Dispatch
  /** Typed events for the renderer (card status, …). */
  onEvent<E extends IpcEvent>(listener: (event: E, payload: IpcEventPayload<E>) => void): () => void
  start(): void
  stop(): void
}

export function createAppCore(config: CoreConfig, host: 'electron' | 'web'): AppCore {
  const events = new EventEmitter()
  const card = new CardService({
    monitor: new ReaderMonitor(),
    table: loadCardTable(config.resourcesDir),
    trust: loadTrustStore(config.resourcesDir, config.devTrustDir),
    preferredModules: config.pkcs11Modules
  })
  card.on('status', (status) => events.emit('event', 'card:status', status))

  const dispatch = createDispatcher(
    {
      'app:getInfo': async () => ({
        version: config.version,
        demo: config.demo,
        host,
        apiBaseUrl: config.apiBaseUrl,
        platform: `${process.platform}-${process.arch}`
      }),
      'card:getStatus': async () => card.current()
    },
    { onInternalError: (channel, err) => console.error(`[ipc] ${channel} failed:`, err instanceof Error ? err.message : err) }
  )

  return {
    dispatch,
    onEvent(listener) {
      const l = listener as (e: IpcEvent, p: unknown) => void
      events.on('event', l)
      return () => events.off('event', l)
    },
    start: () => card.start(),
    stop: () => card.stop()
  }
}
