import { AppError, type AppErrorPayload } from '../../shared/errors'
import type { CardProgress, IpcChannel, IpcRequest, IpcResponse } from '../../shared/ipc-contract'
import type { CardOperations, PinEntry } from '../card'
import type { PlatformClient } from '../api'
import type { DelegationHistory } from '../cache'
import { decideBatch } from './decision-pipeline'
import { DecisionPreparations } from './decision-preparations'
import { DecisionSubmitter } from './decision-service'
import { exportHistory } from './history-export'
import { UserAction, type UserActionOptions } from './user-action'

// IPC handlers for everything that talks to the platform. The PIN arrives in `request.pin` with
// the ticket its dialog got from `card:pinPrompt`, goes straight to the card layer (which sends it
// only to the card that ticket names) and nowhere else; it is not stored, logged or sent to the platform.

type PlatformChannel = Exclude<
  IpcChannel,
  | 'app:getInfo'
  | 'card:getStatus'
  | 'settings:get'
  | 'settings:update'
  | 'diagnostics:get'
  | 'app:reportError'
  | 'app:notify'
>
export type PlatformHandlers = { [C in PlatformChannel]: (request: IpcRequest<C>) => Promise<IpcResponse<C>> }

export interface PlatformDeps {
  /** null when no platform address is configured, or the network is blocked (see noApiReason). */
  api: PlatformClient | null
  /**
   * Why `api` is null when it is not simply unconfigured: the invalid machine policy's
   * POLICY_INVALID (fail closed), so the user is told that instead of NOT_CONFIGURED.
   */
  noApiReason?: AppErrorPayload | null
  card: CardOperations
  progress: (p: CardProgress) => void
  apiStatus: () => IpcResponse<'api:getStatus'>
  /** Offline delegation history (opened per account at login, synced in the background). */
  history?: DelegationHistory
  /** Told who is logged in (null on logout), e.g. for the masked ID in the support info. */
  onProfile?: (profile: { nationalIdMasked: string } | null) => void
  /** Keeps signed decisions until the platform answers (shared with the web host's batch pipeline). */
  submitter?: DecisionSubmitter
  /** Rows prepared while a PIN dialog is open (tests pass their own); default: a new one. */
  preparations?: DecisionPreparations
  /** Deadline of each user action (tests shorten it); default ACTION_BUDGET_MS. */
  action?: UserActionOptions
}

export function createPlatformHandlers(deps: PlatformDeps): PlatformHandlers {
  const api = (): PlatformClient => {
    if (!deps.api) {
      const why = deps.noApiReason
      throw why ? new AppError(why.code, why.detail) : new AppError('NOT_CONFIGURED')
    }
    return deps.api
  }
  const submitter = deps.submitter ?? new DecisionSubmitter()
  const preparations = deps.preparations ?? new DecisionPreparations()
  /** The running user action (one at a time: the card allows one operation); card:cancel stops it. */
  const running = new Set<UserAction>()
  async function asAction<T>(run: (action: UserAction) => Promise<T>): Promise<T> {
    const action = new UserAction(deps.action)
    running.add(action)
    try {
      return await run(action)
    } finally {
      action.finish()
      running.delete(action)
    }
  }

  async function authToken(
    purpose: 'login' | 'enable-certificate' | 'registration',
    pin: PinEntry,
    registrationId?: string,
    action?: UserAction
  ) {
    const client = api()
    const operation = purpose
    const deadlineAt = action ? { deadlineAt: new Date(action.deadline).toISOString() } : {}
    deps.progress({ operation, stage: 'preparing', done: 0, total: 1, ...deadlineAt })
    const ch = await client.challenge(purpose, registrationId ? { registrationId } : {}, action?.limits())
    deps.progress({ operation, stage: 'signing', done: 0, total: 1, ...deadlineAt })
    const started = Date.now()
    const sig = await card(operation, () =>
      deps.card.authenticate({ origin: client.origin, nonce: ch.nonce }, pin, operation)
    )
    action?.extend(Date.now() - started)
    action?.throwIfStopped()
    deps.progress({
      operation,
      stage: 'submitting',
      done: 1,
      total: 1,
      ...(action ? { deadlineAt: new Date(action.deadline).toISOString() } : {})
    })
    return { challengeId: ch.challengeId, ...sig }
  }

  function signedInHistory(): DelegationHistory {
    if (!deps.history?.signedIn) throw new AppError('SESSION_EXPIRED', 'not signed in')
    return deps.history
  }

  /** After a login: open this account's offline history and sync it in the background. */
  async function signedIn<T extends { profile: { account: string; nationalIdMasked: string } }>(
    session: T
  ): Promise<T> {
    preparations.clear() // challenges belong to the platform session
    deps.onProfile?.(session.profile)
    if (deps.history && deps.api) await deps.history.signIn(session.profile.account, deps.api)
    return session
  }

  /** Card failures end the progress display too — of the operation that ran (not always 'login'). */
  async function card<T>(operation: CardProgress['operation'], op: () => Promise<T>): Promise<T> {
    try {
      return await op()
    } finally {
      deps.progress({ operation, stage: 'done', done: 0, total: 0 })
    }
  }

  return {
    'card:cancel': async () => {
      // Stops the card operation and the platform requests of the running action (one cancel button).
      deps.card.cancel()
      for (const a of running) a.cancel()
      return {}
    },
    'card:pinPrompt': async ({ operation }) => deps.card.promptPin(operation),
    'api:getStatus': async () => deps.apiStatus(),
    'session:loginPassword': async ({ account, password }) => signedIn(await api().loginPassword(account, password)),
    'session:loginCertificate': async (entry) =>
      signedIn(
        await asAction(async (action) =>
          api().loginCertificate(await authToken('login', entry, undefined, action), action.limits())
        )
      ),
    'session:logout': async () => {
      try {
        await api().logout()
      } finally {
        preparations.clear()
        deps.onProfile?.(null)
        await deps.history?.signOut()
      }
      return {}
    },
    'session:get': async () => (deps.api ? deps.api.currentSession() : null),
    'delegations:query': async (q) => {
      if (deps.history?.signedIn) return toAnswer(await deps.history.query(q))
      return { ...(await api().listDelegations(q)), source: 'online' as const, lastSyncedAt: null }
    },
    'delegations:get': async ({ id }) => api().getDelegation(id),
    // While the PIN dialog is open. Best effort: platform failures are not reported here (decideBatch
    // prepares what is missing and reports those); only a missing platform address is.
    'delegations:prepareBatch': async ({ ids }) => {
      const action = new UserAction(deps.action)
      try {
        return { prepared: await preparations.prepare(api(), ids, action.limits()) }
      } finally {
        action.finish()
      }
    },
    'delegations:decideBatch': async ({ items, ...pin }) => {
      const ids = new Set(items.map((i) => i.id))
      if (ids.size !== items.length) throw new AppError('INVALID_REQUEST', 'items: duplicate id')
      return {
        results: await asAction((action) =>
          decideBatch(api(), deps.card, items, pin, deps.progress, { submitter, action, preparations })
        )
      }
    },
    'delegations:pendingCount': async () => {
      const page = await api().listDelegations({
        status: 'PENDING',
        page: 1,
        pageSize: 1,
        sort: 'declarationDate:desc'
      })
      return { count: page.total }
    },
    'confirmations:query': async (q) => api().listConfirmations(q),
    'history:export': async ({ format, query }) => exportHistory(signedInHistory(), format, query),
    'history:clear': async () => {
      await signedInHistory().clear()
      return {}
    },
    'profile:get': async () => api().getProfile(),
    'profile:update': async (u) => api().updateProfile(u),
    'profile:changePassword': async ({ oldPassword, newPassword }) => {
      await api().changePassword(oldPassword, newPassword)
      return {}
    },
    'profile:enableCertificate': async (entry) => api().enableCertificate(await authToken('enable-certificate', entry)),
    'registration:start': async () => api().startRegistration(),
    'registration:verifyIdentity': async ({ registrationId, nationalId, ...pin }) =>
      api().verifyIdentity(registrationId, nationalId, await authToken('registration', pin, registrationId)),
    'registration:checkAccount': async ({ registrationId, account }) => api().checkAccount(registrationId, account),
    'registration:sendSms': async ({ registrationId, mobile }) => api().sendSms(registrationId, mobile),
    'registration:complete': async ({ registrationId, ...fields }) => {
      if (!fields.privacyConsent) throw new AppError('VALIDATION_FAILED', 'PRIVACY_CONSENT_REQUIRED')
      return api().completeRegistration(registrationId, fields)
    }
  }
}

function toAnswer(a: Awaited<ReturnType<DelegationHistory['query']>>): IpcResponse<'delegations:query'> {
  return {
    items: a.items,
    page: a.page,
    pageSize: a.pageSize,
    total: a.total,
    source: a.source,
    lastSyncedAt: a.lastSyncedAt,
    ...(a.offlineReason ? { offlineReason: a.offlineReason } : {}),
    ...(a.historyOff ? { historyOff: a.historyOff } : {})
  }
}
