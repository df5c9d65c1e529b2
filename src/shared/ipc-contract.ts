import { z } from 'zod'
import {
  AccountCheck,
  ApiStatus,
  ConfirmationPage,
  DelegationAnswer,
  Profile,
  RegistrationInfo,
  SessionInfo,
  SmsSent
} from './api-types'
import { CardStatus } from './card-status'
import { DiagnosticsResult } from './diagnostics'
import { Delegation, DelegationId } from './delegation'
import { ErrorCodes, type AppErrorPayload } from './errors'
import {
  ConfirmationQuery,
  DecideBatchRequest,
  PrepareBatchRequest,
  DelegationQuery,
  Empty,
  PasswordChangeRequest,
  PasswordLoginRequest,
  PinRequest,
  ProfileUpdateRequest,
  RegistrationCompleteRequest,
  RegistrationIdentityRequest,
  RegistrationSmsRequest,
  RegistrationAccountCheckRequest
} from './ipc-requests'
import { PinOperation, PinPrompt, PinPromptRequest } from './pin-ticket'
import { SettingsChange, SettingsView } from './settings'
import { bridgeEvents, bridgeMethods } from './bridge-names'

export { bridgeEvents, bridgeMethods }

// The one IPC contract: channel → request schema → response schema. Main validates every request
// against it; preload and the web bridge expose exactly the named functions listed in `bridgeMethods`.

const ErrorPayload = z.object({
  code: z.enum(Object.keys(ErrorCodes) as [keyof typeof ErrorCodes, ...(keyof typeof ErrorCodes)[]]),
  retriable: z.boolean(),
  detail: z.string().optional()
})

/** Per-row outcome of a (batch) decision. */
export const DecisionOutcome = z.discriminatedUnion('ok', [
  z.object({ id: DelegationId, ok: z.literal(true), delegation: Delegation }),
  z.object({ id: DelegationId, ok: z.literal(false), error: ErrorPayload })
])
export type DecisionOutcome = z.infer<typeof DecisionOutcome>

/** Progress of a card operation, for the progress bar (no data, only counts). */
export const CardProgress = z.object({
  operation: PinOperation,
  stage: z.enum(['preparing', 'signing', 'submitting', 'done']),
  done: z.number().int().min(0),
  total: z.number().int().min(0),
  /** The user action's overall deadline (ISO); the UI shows the time left next to its cancel button. */
  deadlineAt: z.string().optional(),
  /** Attempt number of the current submission; ≥ 2 = resending the same signed answer. */
  attempt: z.number().int().min(1).optional(),
  /** A batch's rows per stage (its stages overlap: rows are signed while later ones are prepared). */
  counts: z
    .object({
      prepared: z.number().int().min(0),
      signed: z.number().int().min(0),
      submitted: z.number().int().min(0),
      total: z.number().int().min(0)
    })
    .optional()
})
export type CardProgress = z.infer<typeof CardProgress>

export const AppInfo = z.object({
  version: z.string(),
  demo: z.boolean(),
  host: z.enum(['electron', 'web']),
  apiBaseUrl: z.string().nullable(),
  platform: z.string()
})
export type AppInfo = z.infer<typeof AppInfo>

/** A renderer error for the main log (Vue errorHandler, window error, unhandled rejection, console.error). */
export const ClientErrorReport = z.strictObject({
  kind: z.enum(['vue', 'error', 'unhandledrejection', 'console']),
  message: z.string().max(2000),
  stack: z.string().max(8000).optional(),
  /** Vue's lifecycle info or the route, e.g. "setup function" / "#/delegations". */
  info: z.string().max(200).optional()
})
export type ClientErrorReport = z.infer<typeof ClientErrorReport>

/** The views main may bring forward (menu entries, a clicked notification). */
export const ShellView = z.enum(['delegations', 'settings', 'diagnostics'])
export type ShellView = z.infer<typeof ShellView>

export const ipcContract = {
  'app:getInfo': { request: Empty, response: AppInfo },
  'card:getStatus': { request: Empty, response: CardStatus },
  'card:cancel': { request: Empty, response: Empty },
  /** Called by the PIN dialog when it is shown: a single-use ticket bound to the card it names. */
  'card:pinPrompt': { request: PinPromptRequest, response: PinPrompt },
  'api:getStatus': { request: Empty, response: ApiStatus },
  'session:loginPassword': { request: PasswordLoginRequest, response: SessionInfo },
  'session:loginCertificate': { request: PinRequest, response: SessionInfo },
  'session:logout': { request: Empty, response: Empty },
  'session:get': { request: Empty, response: SessionInfo.nullable() },
  'delegations:query': { request: DelegationQuery, response: DelegationAnswer },
  'delegations:get': { request: z.object({ id: DelegationId }).strict(), response: Delegation },
  /** Prepares rows ahead (delegation + challenge, nothing signed); `prepared` = how many are ready. */
  'delegations:prepareBatch': {
    request: PrepareBatchRequest,
    response: z.object({ prepared: z.number().int().min(0) })
  },
  'delegations:decideBatch': { request: DecideBatchRequest, response: z.object({ results: z.array(DecisionOutcome) }) },
  'delegations:pendingCount': { request: Empty, response: z.object({ count: z.number().int().min(0) }) },
  'confirmations:query': { request: ConfirmationQuery, response: ConfirmationPage },
  /** Offline history (synced in the background after login): export the current query (CSV for Excel or JSON), clear the local copy. */
  'history:export': {
    request: z.object({ format: z.enum(['csv', 'json']), query: DelegationQuery }).strict(),
    response: z.object({
      fileName: z.string(),
      mimeType: z.string(),
      content: z.string(),
      rows: z.number().int().min(0)
    })
  },
  'history:clear': { request: Empty, response: Empty },
  'profile:get': { request: Empty, response: Profile },
  'profile:update': { request: ProfileUpdateRequest, response: Profile },
  'profile:changePassword': { request: PasswordChangeRequest, response: Empty },
  'profile:enableCertificate': { request: PinRequest, response: Profile },
  'registration:start': { request: Empty, response: RegistrationInfo },
  'registration:verifyIdentity': { request: RegistrationIdentityRequest, response: RegistrationInfo },
  /** [檢核是否存在]: is this account name still free (asked after the identity step)? */
  'registration:checkAccount': { request: RegistrationAccountCheckRequest, response: AccountCheck },
  'registration:sendSms': { request: RegistrationSmsRequest, response: SmsSent },
  'registration:complete': { request: RegistrationCompleteRequest, response: Profile },
  /** Effective settings with their sources; policy-locked keys are listed in `locked`. */
  'settings:get': { request: Empty, response: SettingsView },
  'settings:update': { request: SettingsChange, response: SettingsView },
  /** 環境檢查 in detail + the redacted support text (runs a live API probe). */
  'diagnostics:get': { request: Empty, response: DiagnosticsResult },
  // --- desktop shell (issue 16): error capture and notifications ---
  /** Logs a renderer error in main (rate-limited, redacted); always answers {}. */
  'app:reportError': { request: ClientErrorReport, response: Empty },
  /**
   * A desktop notification drawn by the Electron shell; clicking it brings the window forward on
   * `view`. `shown: false` where the host has none (web host): the page uses the Web Notification API.
   */
  'app:notify': {
    request: z.strictObject({
      title: z.string().min(1).max(200),
      body: z.string().max(500),
      view: ShellView.optional()
    }),
    response: z.object({ shown: z.boolean() })
  }
} as const

export const ipcEvents = {
  'card:status': CardStatus,
  'card:progress': CardProgress,
  'api:status': ApiStatus,
  /** The platform ended the session (expired/revoked); the renderer returns to login. */
  'session:ended': Empty,
  /** Main asks the page to show a view (application menu, clicked notification). */
  'app:navigate': z.object({ view: ShellView })
} as const

export type IpcChannel = keyof typeof ipcContract
export type IpcEvent = keyof typeof ipcEvents
export type IpcRequest<C extends IpcChannel> = z.infer<(typeof ipcContract)[C]['request']>
export type IpcResponse<C extends IpcChannel> = z.infer<(typeof ipcContract)[C]['response']>
export type IpcEventPayload<E extends IpcEvent> = z.infer<(typeof ipcEvents)[E]>

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: AppErrorPayload }

type MethodChannel<M extends keyof typeof bridgeMethods> = (typeof bridgeMethods)[M]
type EventName<S extends keyof typeof bridgeEvents> = (typeof bridgeEvents)[S]

/** The API that preload (Electron) and the loopback web bridge put on `window.eccs`. */
export type EccsBridge = {
  readonly [M in keyof typeof bridgeMethods]: (
    request?: IpcRequest<MethodChannel<M>>
  ) => Promise<IpcResult<IpcResponse<MethodChannel<M>>>>
} & {
  readonly [S in keyof typeof bridgeEvents]: (listener: (payload: IpcEventPayload<EventName<S>>) => void) => () => void
}

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && Object.hasOwn(ipcContract, value)
}

// Compile-time check that the bridge names only point at real channels/events.
const _methodsAreChannels: Record<string, IpcChannel> = bridgeMethods
const _eventsAreEvents: Record<string, IpcEvent> = bridgeEvents
void _methodsAreChannels
void _eventsAreEvents
