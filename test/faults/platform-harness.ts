import { constants, sign as cryptoSign } from 'node:crypto'
import { PlatformClient } from '../../src/main/api/platform-client'
import type { DelegationHistory } from '../../src/main/cache/delegation-history'
import type {
  AuthChallenge,
  CardOperations,
  CardSignature,
  DecisionFields,
  PerItemResult,
  PinEntry
} from '../../src/main/card/card-operations'
import { buildAuthSignedData, buildDecisionStatement } from '../../src/main/card/statement'
import { DecisionSubmitter } from '../../src/main/core/decision-service'
import { createPlatformHandlers } from '../../src/main/core/platform-handlers'
import type { UserActionOptions } from '../../src/main/core/user-action'
import { createDispatcher, type Dispatch } from '../../src/main/ipc/dispatcher'
import { AppError } from '../../src/shared/errors'
import type { CardProgress, IpcResult } from '../../src/shared/ipc-contract'
import type { PinOperation, PinPrompt } from '../../src/shared/pin-ticket'
import type { IssuedCitizen } from '../../server-mock/test-pki'

// The client side of the fault suite: the real main-process core for everything that talks to
// the platform (IPC dispatcher → platform handlers → decision service → API client → HTTPS), with
// a software stand-in for the card that signs with the test citizen's key, counting signatures.
// The card itself is i14-card's part of the suite; here only the platform may fail.

/** The ticket every request of the suite carries (well-formed; SoftCard does not check it). */
export const SOFT_TICKET = 'T'.repeat(43)

/** A card that signs exactly what the client's own statement builder produces; PIN 123456. */
export class SoftCard implements CardOperations {
  signatures = 0
  constructor(private readonly citizen: IssuedCitizen | null) {}

  private sig(data: Buffer): CardSignature {
    if (!this.citizen) throw new AppError('NO_CARD')
    this.signatures++
    const signature = cryptoSign('sha256', data, {
      key: this.citizen.signKeyPem,
      padding: constants.RSA_PKCS1_PADDING
    }).toString('base64')
    return { certificate: this.citizen.signCertDer.toString('base64'), signature, algorithm: 'RS256' }
  }

  /** The PIN-to-card binding is the card layer's (test/rig/card-binding.test.ts); here any ticket passes. */
  async promptPin(operation: PinOperation): Promise<PinPrompt> {
    const card = { reader: 'soft card', subjectName: 'soft card', cardSerial: '0' }
    return {
      ticket: SOFT_TICKET,
      operation,
      card,
      tries: 'ok',
      triesLeft: null,
      confirmRequired: false,
      expiresAt: new Date(Date.now() + 300_000).toISOString()
    }
  }

  async authenticate(challenge: AuthChallenge, entry: PinEntry): Promise<CardSignature> {
    if (entry.pin !== '123456') throw new AppError('PIN_INCORRECT')
    return this.sig(buildAuthSignedData(challenge))
  }

  async signDecisionStream(
    chunks: AsyncIterable<DecisionFields[]>,
    entry: PinEntry,
    onSigned: (chunk: number, results: PerItemResult[]) => void
  ): Promise<void> {
    if (entry.pin !== '123456') throw new AppError('PIN_INCORRECT')
    let k = 0
    for await (const items of chunks)
      onSigned(
        k++,
        items.map((f) => ({ ok: true as const, value: this.sig(buildDecisionStatement(f)) }))
      )
  }

  cancel(): void {}
}

export interface Client {
  dispatch: Dispatch
  call<T = unknown>(channel: string, payload?: unknown): Promise<IpcResult<T>>
  api: PlatformClient
  card: SoftCard
  submitter: DecisionSubmitter
  progress: CardProgress[]
}

export function createClient(opts: {
  baseUrl: string
  caFile: string
  citizen: IssuedCitizen | null
  history?: DelegationHistory
  action?: UserActionOptions
  timeoutMs?: number
}): Client {
  const api = new PlatformClient({ baseUrl: opts.baseUrl, caFile: opts.caFile, timeoutMs: opts.timeoutMs ?? 5_000 })
  const card = new SoftCard(opts.citizen)
  const submitter = new DecisionSubmitter({ backoffMs: 200 })
  const progress: CardProgress[] = []
  const handlers = createPlatformHandlers({
    api,
    card,
    progress: (p) => progress.push(p),
    apiStatus: () => ({ state: 'online', checkedAt: new Date().toISOString() }),
    submitter,
    ...(opts.history ? { history: opts.history } : {}),
    ...(opts.action ? { action: opts.action } : {})
  })
  const dispatch = createDispatcher(handlers)
  return {
    dispatch,
    call: async <T>(channel: string, payload: unknown = {}) => (await dispatch(channel, payload)) as IpcResult<T>,
    api,
    card,
    submitter,
    progress
  }
}
