import { type z } from 'zod'
import {
  ConfirmationPage,
  DelegationPage,
  Profile,
  RegistrationInfo,
  type SessionInfo,
  SmsSent,
  AccountCheck,
  type ConfirmationQuery
} from '../../shared/api-types'
import { Delegation, type Decision, type DelegationQuery } from '../../shared/delegation'
import { AppError } from '../../shared/errors'
import type { RegistrationCompleteRequest } from '../../shared/ipc-requests'
import {
  ChallengeResponse,
  CurrentSessionResponse,
  DecisionBatchResult,
  DecisionResult,
  HealthResponse,
  PrepareDecisionsResult,
  SessionResponse,
  SyncPage
} from './api-schemas'
import { ENDPOINTS, endpointPath, type OperationId } from './endpoints'
import { HttpClient, type CallLimits, type HttpClientOptions } from './http-client'

// Typed access to the platform API. The bearer token lives only in this object (main process);
// callers get SessionInfo without it. A SESSION_EXPIRED answer forgets the token.

export interface AuthToken {
  challengeId: string
  certificate: string
  signature: string
  algorithm: 'RS256'
}

export interface DecisionBody {
  decision: Decision
  reason?: string
  challengeId: string
  certificate: string
  signature: string
  algorithm: 'RS256'
  idempotencyKey: string
}

/** One row of POST /decisions (operation decideDelegations). */
export interface DecisionBatchItem {
  delegationId: string
  decision: Decision
  reason?: string
  challengeId: string
  signature: string
  idempotencyKey: string
}

/** The body of POST /decisions: rows signed by one card, so one certificate for all. */
export interface DecisionBatchBody {
  certificate: string
  algorithm: 'RS256'
  items: DecisionBatchItem[]
}

/** At most this many rows per batch request (openapi.yaml: PrepareDecisionsRequest, DecisionBatchRequest). */
export const MAX_BATCH_ROWS = 100

/** The body of POST /registrations/{id}/complete: the IPC request without its registration id. */
export type RegistrationCompleteBody = Omit<RegistrationCompleteRequest, 'registrationId'>

export class PlatformClient {
  private readonly http: HttpClient
  private token: string | null = null
  private onSessionLost: (() => void) | null = null

  constructor(opts: HttpClientOptions) {
    this.http = new HttpClient(opts)
  }

  /** The origin signatures are bound to: that of the URL we actually connect to. */
  get origin(): string {
    return new URL(this.http.baseUrl).origin
  }

  get loggedIn(): boolean {
    return this.token !== null
  }

  onSessionEnded(listener: () => void): void {
    this.onSessionLost = listener
  }

  private async call<T>(
    op: OperationId,
    schema: z.ZodType<T> | null,
    opts: {
      params?: Record<string, string>
      body?: unknown
      query?: Record<string, string | number | undefined>
      auth?: boolean
      limits?: CallLimits
    } = {}
  ): Promise<T> {
    const [method] = ENDPOINTS[op]
    if (opts.auth && !this.token) throw new AppError('SESSION_EXPIRED', 'not logged in')
    try {
      return await this.http.request({
        method,
        path: endpointPath(op, opts.params),
        schema,
        ...(opts.body !== undefined ? { body: opts.body } : {}),
        ...(opts.query ? { query: opts.query } : {}),
        ...(opts.auth ? { token: this.token } : {}),
        ...(opts.limits ? { limits: opts.limits } : {})
      })
    } catch (err) {
      if (opts.auth && err instanceof AppError && err.code === 'SESSION_EXPIRED') this.dropSession()
      throw err
    }
  }

  private dropSession(): void {
    if (this.token === null) return
    this.token = null
    this.onSessionLost?.()
  }

  private adopt(session: z.infer<typeof SessionResponse>): SessionInfo {
    this.token = session.token
    return { via: session.via, expiresAt: session.expiresAt, profile: session.profile }
  }

  health() {
    return this.call('getHealth', HealthResponse)
  }

  challenge(
    purpose: 'login' | 'registration' | 'enable-certificate' | 'decision',
    extra: { registrationId?: string; delegationId?: string } = {},
    limits?: CallLimits
  ) {
    const needsSession = purpose === 'enable-certificate' || purpose === 'decision'
    return this.call('createChallenge', ChallengeResponse, {
      body: { purpose, ...extra },
      auth: needsSession,
      ...(limits ? { limits } : {})
    })
  }

  async loginPassword(account: string, password: string): Promise<SessionInfo> {
    return this.adopt(await this.call('createPasswordSession', SessionResponse, { body: { account, password } }))
  }

  async loginCertificate(token: AuthToken, limits?: CallLimits): Promise<SessionInfo> {
    return this.adopt(
      await this.call('createCertificateSession', SessionResponse, { body: token, ...(limits ? { limits } : {}) })
    )
  }

  async currentSession(): Promise<SessionInfo | null> {
    if (!this.token) return null
    const s = await this.call('getCurrentSession', CurrentSessionResponse, { auth: true })
    return { via: s.via, expiresAt: s.expiresAt, profile: s.profile }
  }

  async logout(): Promise<void> {
    if (!this.token) return
    try {
      await this.call('deleteCurrentSession', null, { auth: true })
    } finally {
      // Forget the token even if the server could not be told: the user asked to leave.
      this.dropSession()
    }
  }

  listDelegations(q: DelegationQuery) {
    return this.call('listDelegations', DelegationPage, {
      auth: true,
      query: {
        direction: q.direction,
        dateFrom: q.dateFrom,
        dateTo: q.dateTo,
        houseBillNo: q.houseBillNo,
        status: q.status,
        page: q.page,
        pageSize: q.pageSize,
        sort: q.sort
      }
    })
  }

  getDelegation(delegationId: string, limits?: CallLimits) {
    return this.call('getDelegation', Delegation, {
      auth: true,
      params: { delegationId },
      ...(limits ? { limits } : {})
    })
  }

  /**
   * POST /delegations/{id}/decision (operation decideDelegation). Sending the same body (same
   * idempotencyKey) again is safe: the platform replays its stored answer. The app submits every
   * decision, one row or many, with decideDelegations (DecisionSubmitter.submitBatch in
   * core/decision-service.ts); this single-row form is checked against server-mock by
   * test/unit/api-contract.test.ts.
   */
  decide(delegationId: string, body: DecisionBody, limits?: CallLimits) {
    return this.call('decideDelegation', DecisionResult, {
      auth: true,
      params: { delegationId },
      body,
      ...(limits ? { limits } : {})
    })
  }

  /**
   * POST /decisions/prepare (operation prepareDecisions): for 1–100 distinct ids, per id in order
   * the delegation and a decision challenge, or the row's error (map it with errorFromRow).
   * Errors for the whole request: SESSION_EXPIRED, CERTIFICATE_NOT_ENABLED, RATE_LIMITED, network.
   */
  prepareDecisions(delegationIds: string[], limits?: CallLimits) {
    return this.call('prepareDecisions', PrepareDecisionsResult, {
      auth: true,
      body: { delegationIds },
      ...(limits ? { limits } : {})
    })
  }

  /**
   * POST /decisions (operation decideDelegations): 1–100 signed rows, answered per row in order.
   * Sending the same body again is safe: rows already recorded come back `replayed` (success).
   */
  decideDelegations(body: DecisionBatchBody, limits?: CallLimits) {
    return this.call('decideDelegations', DecisionBatchResult, { auth: true, body, ...(limits ? { limits } : {}) })
  }

  listConfirmations(q: ConfirmationQuery) {
    return this.call('listConfirmations', ConfirmationPage, {
      auth: true,
      query: { dateFrom: q.dateFrom, dateTo: q.dateTo, decision: q.decision, page: q.page, pageSize: q.pageSize }
    })
  }

  sync(cursor: string | undefined, limit = 500) {
    return this.call('syncDelegations', SyncPage, { auth: true, query: { cursor, limit } })
  }

  getProfile() {
    return this.call('getProfile', Profile, { auth: true })
  }

  updateProfile(update: { phone?: string; email?: string; address?: string }) {
    return this.call('updateProfile', Profile, { auth: true, body: update })
  }

  changePassword(oldPassword: string, newPassword: string) {
    return this.call('changePassword', null, { auth: true, body: { oldPassword, newPassword } })
  }

  enableCertificate(token: AuthToken) {
    return this.call('enableCertificate', Profile, { auth: true, body: token })
  }

  startRegistration() {
    return this.call('createRegistration', RegistrationInfo, { body: {} })
  }

  getRegistration(registrationId: string) {
    return this.call('getRegistration', RegistrationInfo, { params: { registrationId } })
  }

  verifyIdentity(registrationId: string, nationalId: string, token: AuthToken) {
    return this.call('verifyRegistrationIdentity', RegistrationInfo, {
      params: { registrationId },
      body: { nationalId, ...token }
    })
  }

  /**
   * [檢核是否存在] (seed 003): whether `account` (normalised account name) is still free, asked
   * inside the verified registration `registrationId` (operation checkRegistrationAccount). A free
   * name is not reserved. Rejects with REGISTRATION_STATE before the identity step, RATE_LIMITED
   * after 20 checks in 10 minutes.
   */
  checkAccount(registrationId: string, account: string) {
    return this.call('checkRegistrationAccount', AccountCheck, { params: { registrationId }, body: { account } })
  }

  sendSms(registrationId: string, mobile: string) {
    return this.call('sendRegistrationSms', SmsSent, { params: { registrationId }, body: { mobile } })
  }

  completeRegistration(registrationId: string, body: RegistrationCompleteBody) {
    return this.call('completeRegistration', Profile, { params: { registrationId }, body })
  }
}
