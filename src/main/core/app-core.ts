import { existsSync, readFileSync } from 'node:fs'
import { EventEmitter } from 'node:events'
import type { IpcEvent, IpcEventPayload } from '../../shared/ipc-contract'
import { PlatformClient } from '../api/platform-client'
import { loadCardTable } from '../card/atr'
import type { CardOperations } from '../card/card-operations'
import type { CardService } from '../card/card-service'
import { createCardLayer } from '../card/card-layer'
import { DelegationHistory } from '../cache/delegation-history'
import { defaultUserDataDir } from '../policy/locations'
import type { CoreConfig } from '../config'
import { createDispatcher, type Dispatch, type IpcHandlers } from '../ipc/dispatcher'
import { createRevocationChecker, revocationOptionsFromEnv } from '../pki/revocation-settings'
import type { RevocationOptions } from '../pki/revocation-checker'
import { loadTrustStore } from '../pki/trust-store'
import { ApiStatusTracker } from './api-status'
import { buildDiagnostics } from './diagnostics'
import { DecisionSubmitter } from './decision-service'
import { createPlatformHandlers } from './platform-handlers'
import type { UserActionOptions } from './user-action'
import { createSettingsService } from './settings-service'

// The main-process core: owns the card, the platform API client (and its session token) and
// publishes typed events. Plain Node, used unchanged by the Electron shell and the web host.

export interface AppCore {
  dispatch: Dispatch
  /** Typed events for the renderer (card status, API status, progress, session end). */
  onEvent<E extends IpcEvent>(listener: (event: E, payload: IpcEventPayload<E>) => void): () => void
  /** The logged-in platform client, for the offline cache's sync (null when unconfigured). */
  readonly api?: PlatformClient | null
  /** Keeps signed decisions until the platform answers; every decision path submits through it. */
  readonly decisions?: DecisionSubmitter
  start(): void
  /** Stops reader monitoring and the PKCS#11 worker. */
  stop(): Promise<void>
}

export interface AppCoreDeps {
  /** Replaces the card layer's signer (tests with a fake card). */
  cardOperations?: (card: CardService) => CardOperations
  /** Environment for the settings screen's policy/user-settings lookup; defaults to process.env. */
  env?: NodeJS.ProcessEnv
  /** Deadline of each user action (the fault suite shortens it); default 30 s. */
  action?: UserActionOptions
}

export function createAppCore(config: CoreConfig, host: 'electron' | 'web', deps: AppCoreDeps = {}): AppCore {
  const events = new EventEmitter()
  const emit = <E extends IpcEvent>(event: E, payload: IpcEventPayload<E>): void => void events.emit('event', event, payload)
  const layer = createCardLayer({
    table: loadCardTable(config.resourcesDir),
    trust: loadTrustStore(config.resourcesDir, config.devTrustDir),
    preferredModules: config.pkcs11Modules,
    revocation: createRevocationChecker(revocationOptions(config, deps.env ?? process.env))
  })
  const card = layer.service
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
    api.onSessionEnded(() => {
      emit('session:ended', {})
      void history.signOut() // the account's cache closes (or is wiped, by policy) with the session
    })
  }
  /** The logged-in user's national ID as the platform masks it (A12****789), for support info. */
  let maskedId: string | null = null
  const settings = createSettingsService({ env: deps.env ?? process.env, ...(config.userDataDir ? { userDataDir: config.userDataDir } : {}) })
  const signer = deps.cardOperations ? deps.cardOperations(card) : layer.operations
  const decisions = new DecisionSubmitter()
  const history = new DelegationHistory({
    userDataDir: config.userDataDir ?? defaultUserDataDir(),
    settings: () => ({
      cacheRetentionDays: config.settings?.values.cacheRetentionDays ?? null,
      wipeCacheOnSignOut: config.settings?.values.wipeCacheOnSignOut ?? false
    }),
    onEvent: (e) => {
      if (e.type === 'sync-failed' || e.type === 'cache-recovered' || e.type === 'cache-off') console.warn(`[history] ${e.type}: ${e.error.code}`)
      emit('history:event', e.type === 'sync-progress' ? { type: e.type, applied: e.applied } : e.type === 'sync-done' ? { type: e.type, applied: e.result.applied } : { type: e.type, code: e.error.code })
    }
  })

  const handlers: IpcHandlers = {
      'app:getInfo': async () => ({
        version: config.version,
        demo: config.demo,
        host,
        apiBaseUrl: config.apiBaseUrl,
        platform: `${process.platform}-${process.arch}`
      }),
      'card:getStatus': async () => card.current(),
      'settings:get': async () => settings.view(),
      'settings:update': async (change) => settings.update(change),
      'diagnostics:get': async () =>
        buildDiagnostics({
          version: config.version,
          host,
          demo: config.demo,
          card: () => card.current(),
          api,
          apiStatus: () => apiStatus.current(),
          settings: () => config.settings ?? settings.effective(),
          maskedId: () => (api?.loggedIn ? maskedId : null)
        }),
      ...createPlatformHandlers({
        api,
        card: signer,
        history,
        progress: (p) => emit('card:progress', p),
        apiStatus: () => apiStatus.current(),
        onProfile: (p) => (maskedId = p ? p.nationalIdMasked : null),
        submitter: decisions,
        ...(deps.action ? { action: deps.action } : {})
      })
  }
  const dispatch = createDispatcher(handlers, { onInternalError: (channel, err) => console.error(`[ipc] ${channel} failed:`, err instanceof Error ? err.message : err) }
  )

  return {
    dispatch,
    api,
    decisions,
    onEvent(listener) {
      const l = listener as (e: IpcEvent, p: unknown) => void
      events.on('event', l)
      return () => events.off('event', l)
    },
    start: () => {
      layer.start()
      apiStatus.start()
    },
    stop: async () => {
      apiStatus.stop()
      await Promise.allSettled([layer.stop(), history.close()])
    }
  }
}

/** Revocation: the machine policy / user setting chooses the mode; dev environment may point OCSP elsewhere. */
function revocationOptions(config: CoreConfig, env: NodeJS.ProcessEnv): RevocationOptions {
  const tlsCa = config.apiCaFile && existsSync(config.apiCaFile) ? readFileSync(config.apiCaFile, 'utf8') : null
  const opts = revocationOptionsFromEnv(env, tlsCa)
  const mode = config.settings?.values.revocationCheck
  return mode ? { ...opts, mode } : opts
}
