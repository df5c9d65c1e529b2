import { AppError, type AppErrorPayload } from '../../shared/errors'
import { isPin } from '../../shared/form-rules'
import type { PinOperation, PinPrompt } from '../../shared/pin-ticket'
import type {
  AuthChallenge,
  CardOperations,
  CardSignature,
  DecisionFields,
  PerItemResult,
  PinEntry
} from './card-operations'
import type { Pkcs11Client } from './pkcs11-client'
import { PinGate, type PinGateDeps, type PinGrant } from './pin-gate'
import type { SigningToken } from './signing-token'
import { buildAuthSignedData, buildDecisionStatement } from './statement'

// CardOperations on the PKCS#11 worker. Everything that can be refused without the card is refused
// first (ticket, card binding, tries confirmation, not ready, locked, PIN format, malformed
// fields), so a bad request never costs a PIN try. The card binding is checked three times: when
// the ticket is redeemed, synchronously before the worker gets the request (guard), and in the
// worker right before C_Login (checkBeforeLogin); a removal in between aborts the worker.

export type { SigningToken } from './signing-token'

export interface CardSignerDeps {
  client: Pick<Pkcs11Client, 'sign' | 'cancel' | 'tokenState'>
  /** The ready card, or null when detection has not reached "ready". */
  token: () => SigningToken | null
  /** The card status (the PIN prompt describes the card from it). */
  status: PinGateDeps['status']
  /** PinGate options (tests: short throttle delays). */
  gate?: Pick<PinGateDeps, 'now' | 'ticketTtlMs' | 'wrongPinDelaysMs'>
}

/** Web eID rule: 6–8 digits checked before the card sees anything. PIN pad: no PIN at all. */
export function pinBytes(pin: unknown, pinPad: boolean): Buffer | null {
  if (pinPad) {
    if (pin !== '' && pin !== undefined && pin !== null)
      throw new AppError('PIN_FORMAT', 'this reader has a PIN pad: type the PIN on the reader')
    return null
  }
  if (typeof pin !== 'string' || !isPin(pin)) throw new AppError('PIN_FORMAT')
  return Buffer.from(pin, 'utf8')
}

function payload(err: unknown): AppErrorPayload {
  return err instanceof AppError ? err.toPayload() : new AppError('INTERNAL', (err as Error)?.message).toPayload()
}

export class CardSigner implements CardOperations {
  readonly gate: PinGate

  constructor(private readonly deps: CardSignerDeps) {
    this.gate = new PinGate({
      ...deps.gate,
      token: deps.token,
      status: deps.status,
      tokenState: (token) => deps.client.tokenState(token.module, token.target)
    })
  }

  promptPin(operation: PinOperation): Promise<PinPrompt> {
    return this.gate.prompt(operation)
  }

  /** Redeems the ticket (PIN_TICKET_INVALID / CARD_* / PIN_THROTTLED / PIN_CONFIRM_REQUIRED) and returns the bound card. */
  private grant(entry: PinEntry, operation: PinOperation): { grant: PinGrant; token: SigningToken } {
    const grant = this.gate.redeem(entry, operation)
    const token = grant.check()
    if (token.pinLocked) throw new AppError('PIN_LOCKED')
    return { grant, token }
  }

  /** One worker sign on the granted card; the outcome is reported to the gate (wrong PIN → wait). */
  private async signOnCard(
    grant: PinGrant,
    token: SigningToken,
    pin: Buffer | null,
    items: Buffer[],
    onProgress?: (done: number) => void
  ) {
    try {
      const results = await this.deps.client.sign(
        {
          module: token.module,
          target: token.target,
          keyId: token.keyId,
          expect: { certSha256: grant.identity.certSha256, allowTries: grant.allowTries },
          pin,
          items,
          guard: () => void grant.check()
        },
        onProgress
      )
      this.gate.settle(null)
      return results
    } catch (err) {
      this.gate.settle(err)
      throw err
    }
  }

  private signature(token: SigningToken, signature: Uint8Array): CardSignature {
    return {
      certificate: token.certificateDer.toString('base64'),
      signature: Buffer.from(signature).toString('base64'),
      algorithm: 'RS256'
    }
  }

  async authenticate(
    challenge: AuthChallenge,
    entry: PinEntry,
    operation: Exclude<PinOperation, 'decision'>
  ): Promise<CardSignature> {
    const data = buildAuthSignedData(challenge)
    const { grant, token } = this.grant(entry, operation)
    const pinBuf = pinBytes(entry.pin, token.pinPad)
    const [result] = await this.signOnCard(grant, token, pinBuf, [data])
    if (!result) throw new AppError('SIGNING_FAILED', 'no signature returned')
    if (!result.ok) throw new AppError(result.code, result.detail)
    return this.signature(token, result.signature)
  }

  async signDecisions(
    items: DecisionFields[],
    entry: PinEntry,
    onProgress?: (done: number, total: number) => void
  ): Promise<PerItemResult[]> {
    // Build every statement first: an item we refuse to sign does not reach the card.
    const built = items.map((fields) => {
      try {
        return { ok: true as const, data: buildDecisionStatement(fields) }
      } catch (err) {
        return { ok: false as const, error: payload(err) }
      }
    })
    const toSign = built.flatMap((b) => (b.ok ? [b.data] : []))
    if (toSign.length === 0) return built.map((b) => ({ ok: false as const, error: b.ok ? payload(null) : b.error }))
    const { grant, token } = this.grant(entry, 'decision')
    const pinBuf = pinBytes(entry.pin, token.pinPad)
    const signed = await this.signOnCard(
      grant,
      token,
      pinBuf,
      toSign,
      onProgress ? (done) => onProgress(done, toSign.length) : undefined
    )
    let next = 0
    return built.map((b): PerItemResult => {
      if (!b.ok) return { ok: false, error: b.error }
      const r = signed[next++]
      if (!r) return { ok: false, error: new AppError('SIGNING_FAILED', 'missing result').toPayload() }
      return r.ok
        ? { ok: true, value: this.signature(token, r.signature) }
        : { ok: false, error: new AppError(r.code, r.detail).toPayload() }
    })
  }

  cancel(): void {
    this.deps.client.cancel()
  }
}
