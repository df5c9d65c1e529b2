import { AppError, type AppErrorPayload } from '../../shared/errors'
import { isPin } from '../../shared/form-rules'
import type { AuthChallenge, CardOperations, CardSignature, DecisionFields, PerItemResult } from './card-operations'
import type { Pkcs11Client } from './pkcs11-client'
import type { TokenTarget } from './pkcs11-ops'
import { buildAuthSignedData, buildDecisionStatement } from './statement'

// CardOperations on the PKCS#11 worker. Everything that can be refused without the card is refused
// first (not ready, locked, PIN format, malformed fields), so a bad request never costs a PIN try.

/** What detection learned about the ready card, needed to sign with it. */
export interface SigningToken {
  module: string
  target: TokenTarget
  /** CKA_ID (hex) shared by the signing certificate and its private key. */
  keyId: string
  certificateDer: Buffer
  pinPad: boolean
  pinLocked: boolean
}

export interface CardSignerDeps {
  client: Pick<Pkcs11Client, 'sign' | 'cancel'>
  /** The ready card, or null when detection has not reached "ready". */
  token: () => SigningToken | null
}

/** Web eID rule: 6–8 digits checked before the card sees anything. PIN pad: no PIN at all. */
export function pinBytes(pin: unknown, pinPad: boolean): Buffer | null {
  if (pinPad) {
    if (pin !== '' && pin !== undefined && pin !== null) throw new AppError('PIN_FORMAT', 'this reader has a PIN pad: type the PIN on the reader')
    return null
  }
  if (typeof pin !== 'string' || !isPin(pin)) throw new AppError('PIN_FORMAT')
  return Buffer.from(pin, 'utf8')
}

function payload(err: unknown): AppErrorPayload {
  return err instanceof AppError ? err.toPayload() : new AppError('INTERNAL', (err as Error)?.message).toPayload()
}

export class CardSigner implements CardOperations {
  constructor(private readonly deps: CardSignerDeps) {}

  private readyToken(): SigningToken {
    const token = this.deps.token()
    if (!token) throw new AppError('NOT_READY')
    if (token.pinLocked) throw new AppError('PIN_LOCKED')
    return token
  }

  private signature(token: SigningToken, signature: Uint8Array): CardSignature {
    return { certificate: token.certificateDer.toString('base64'), signature: Buffer.from(signature).toString('base64'), algorithm: 'RS256' }
  }

  async authenticate(challenge: AuthChallenge, pin: string): Promise<CardSignature> {
    const token = this.readyToken()
    const data = buildAuthSignedData(challenge)
    const pinBuf = pinBytes(pin, token.pinPad)
    const [result] = await this.deps.client.sign({ module: token.module, target: token.target, keyId: token.keyId, pin: pinBuf, items: [data] })
    if (!result) throw new AppError('SIGNING_FAILED', 'no signature returned')
    if (!result.ok) throw new AppError(result.code, result.detail)
    return this.signature(token, result.signature)
  }

  async signDecisions(items: DecisionFields[], pin: string, onProgress?: (done: number, total: number) => void): Promise<PerItemResult[]> {
    const token = this.readyToken()
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
    const pinBuf = pinBytes(pin, token.pinPad)
    const signed = await this.deps.client.sign(
      { module: token.module, target: token.target, keyId: token.keyId, pin: pinBuf, items: toSign },
      onProgress ? (done) => onProgress(done, toSign.length) : undefined
    )
    let next = 0
    return built.map((b): PerItemResult => {
      if (!b.ok) return { ok: false, error: b.error }
      const r = signed[next++]
      if (!r) return { ok: false, error: new AppError('SIGNING_FAILED', 'missing result').toPayload() }
      return r.ok ? { ok: true, value: this.signature(token, r.signature) } : { ok: false, error: new AppError(r.code, r.detail).toPayload() }
    })
  }

  cancel(): void {
    this.deps.client.cancel()
  }
}
