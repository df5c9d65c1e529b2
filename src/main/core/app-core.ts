import { existsSync, readFileSync } from 'node:fs'
import { EventEmitter } from 'node:events'
import type { IpcEvent, IpcEventPayload, IpcRequest } from '../../shared/ipc-contract'
import { PlatformClient } from '../api'
import type { CardOperations, CardService } from '../card'
import { createCardLayer } from '../card'
import { DelegationHistory } from '../cache'
import { resolveSettings, type EffectiveSettings } from '../policy'
import { defaultUserDataDir } from '../policy'
import { createNodeTransport, revocationFetcher, type Transport } from '../net'
import type { CoreConfig } from '../config'
import { createDispatcher, type Dispatch, type IpcHandlers } from '../ipc'
import { createClientErrorLog } from '../logging'
import { createRevocationChecker, revocationOptionsFromEnv } from '../pki'
import type { RevocationOptions } from '../pki'
import { ApiStatusTracker } from './api-status'
import { buildDiagnostics } from './diagnostics'
import { DecisionPreparations } from './decision-preparations'
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
  /** Desktop notifications drawn by the host (Electron shell); absent in the web host. Returns whether one was shown. */
  notify?: (n: IpcRequest<'app:notify'>) => boolean
  /**
   * The network stack for the API and OCSP/CRL (src/main/net): the Electron shell passes Chromium's;
   * default: the plain-Node transport with proxy and CAs from the settings/environment.
   */
  transport?: Transport
  /** Deadline of each user action (the fault suite shortens it); default 30 s. */
  action?: UserActionOptions
}

/** Settings with no policy and no user file (configFromEnv callers): defaults + environment. */
function defaultSettings(env: NodeJS.ProcessEnv): EffectiveSettings {
  return resolveSettings({ policy: { status: 'absent', path: '' }, user: { path: '', values: {}, warnings: [] }, env })
}

export function createAppCore(config: CoreConfig, host: 'electron' | 'web', deps: AppCoreDeps = {}): AppCore {
  const events = new EventEmitter()
  const env = deps.env ?? process.env
  // One network stack for the platform API and revocation (same proxy, bypass list and CAs).
  const transport =
    deps.transport ??
    createNodeTransport({ settings: config.settings ?? defaultSettings(env), env, apiCaFile: config.apiCaFile })
  const emit = <E extends IpcEvent>(event: E, payload: IpcEventPayload<E>): void =>
    void events.emit('event', event, payload)
  const layer = createCardLayer({
    resourcesDir: config.resourcesDir,
    devTrustDir: config.devTrustDir,
    cardAtrs: config.settings?.values.cardAtrs ?? [],
    preferredModules: config.pkcs11Modules,
    requiredPolicies: config.settings?.values.requiredCertificatePolicies ?? [],
    revocation: createRevocationChecker({ ...revocationOptions(config, env), fetch: revocationFetcher(transport) })
  })
  const card = layer.service
  card.on('status', (status) => emit('card:status', status))

  /** Rows prepared while a PIN dialog is open (delegations:prepareBatch); cleared when the session ends. */
  const preparations = new DecisionPreparations()
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
      transport,
      onReachability: (ok, problem) => apiStatus.report(ok, problem)
    })
    api.onSessionEnded(() => {
      preparations.clear() // challenges prepared ahead belong to the session that ended
      emit('session:ended', {})
      void history.signOut() // the account's cache closes (or is wiped, by policy) with the session
    })
  }
  /** The logged-in user's national ID as the platform masks it (A12****789), for support info. */
  let maskedId: string | null = null
  const settings = createSettingsService({
    env: deps.env ?? process.env,
    ...(config.userDataDir ? { userDataDir: config.userDataDir } : {})
  })
  const signer = deps.cardOperations ? deps.cardOperations(card) : layer.operations
  const decisions = new DecisionSubmitter()
  const history = new DelegationHistory({
    userDataDir: config.userDataDir ?? defaultUserDataDir(),
    settings: () => ({
      cacheRetentionDays: config.settings?.values.cacheRetentionDays ?? null,
      wipeCacheOnSignOut: config.settings?.values.wipeCacheOnSignOut ?? false
    }),
    // The page learns the cache's state from each query's answer (source, lastSyncedAt, offlineReason).
    onEvent: (e) => {
      if (e.type === 'sync-failed' || e.type === 'cache-recovered' || e.type === 'cache-off')
        console.warn(`[history] ${e.type}: ${e.error.code}`)
    }
  })

  // Renderer errors go to this process's log (console is captured into the redacting app log).
  const clientErrors = createClientErrorLog({ write: (line) => console.error(line) })

  const handlers: IpcHandlers = {
    'app:reportError': async (r) => {
      clientErrors.report(r)
      return {}
    },
    'app:notify': async (n) => ({ shown: deps.notify ? deps.notify(n) : false }),
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
      noApiReason: config.settings?.networkBlocked ?? null,
      card: signer,
      history,
      progress: (p) => emit('card:progress', p),
      apiStatus: () => apiStatus.current(),
      onProfile: (p) => (maskedId = p ? p.nationalIdMasked : null),
      submitter: decisions,
      preparations,
      ...(deps.action ? { action: deps.action } : {})
    })
  }
  const dispatch = createDispatcher(handlers, {
    onInternalError: (channel, err) =>
      console.error(`[ipc] ${channel} failed:`, err instanceof Error ? err.message : err)
  })

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
