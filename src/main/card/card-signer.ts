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
import type { WireItemResult } from './worker-protocol'
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

type Built = { ok: true; data: Buffer } | { ok: false; error: AppErrorPayload }

/** A statement we refuse to build (malformed fields) does not reach the card: it answers its row here. */
function build(fields: DecisionFields): Built {
  try {
    return { ok: true, data: buildDecisionStatement(fields) }
  } catch (err) {
    return { ok: false, error: payload(err) }
  }
}

function signatureOf(token: SigningToken, signature: Uint8Array): CardSignature {
  return {
    certificate: token.certificateDer.toString('base64'),
    signature: Buffer.from(signature).toString('base64'),
    algorithm: 'RS256'
  }
}

/** One result per built statement, in order: its signature, or why it has none. */
function merge(token: SigningToken, built: Built[], signed: WireItemResult[]): PerItemResult[] {
  let next = 0
  return built.map((b): PerItemResult => {
    if (!b.ok) return { ok: false, error: b.error }
    const r = signed[next++]
    if (!r) return { ok: false, error: new AppError('SIGNING_FAILED', 'missing result').toPayload() }
    return r.ok
      ? { ok: true, value: signatureOf(token, r.signature) }
      : { ok: false, error: new AppError(r.code, r.detail).toPayload() }
  })
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

  /** A streamed batch holds the card from its ticket to its last chunk, also while it waits for rows. */
  private streaming = false
  /** Ends the running stream's wait for its next rows (cancel() while no worker operation runs yet). */
  private stopStream: (() => void) | null = null

  promptPin(operation: PinOperation): Promise<PinPrompt> {
    if (this.streaming) return Promise.reject(new AppError('CARD_BUSY'))
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
    stream: {
      onProgress?: ((done: number, total: number) => void) | undefined
      more?: () => Promise<Buffer[] | null>
      onChunk?: (results: WireItemResult[]) => void
    } = {}
  ): Promise<WireItemResult[]> {
    try {
      const results = await this.deps.client.sign(
        {
          module: token.module,
          target: token.target,
          keyId: token.keyId,
          expect: { certSha256: grant.identity.certSha256, allowTries: grant.allowTries },
          pin,
          items,
          ...(stream.more ? { more: stream.more } : {}),
          guard: () => void grant.check()
        },
        stream.onProgress,
        stream.onChunk
      )
      this.gate.settle(null)
      return results
    } catch (err) {
      this.gate.settle(err)
      throw err
    }
  }

  async authenticate(
    challenge: AuthChallenge,
    entry: PinEntry,
    operation: Exclude<PinOperation, 'decision'>
  ): Promise<CardSignature> {
    const data = buildAuthSignedData(challenge)
    if (this.streaming) throw new AppError('CARD_BUSY')
    const { grant, token } = this.grant(entry, operation)
    const pinBuf = pinBytes(entry.pin, token.pinPad)
    const [result] = await this.signOnCard(grant, token, pinBuf, [data])
    if (!result) throw new AppError('SIGNING_FAILED', 'no signature returned')
    if (!result.ok) throw new AppError(result.code, result.detail)
    return signatureOf(token, result.signature)
  }

  /** signDecisionStream for one list: per-item results in order (tests, tools). */
  async signDecisions(
    items: DecisionFields[],
    entry: PinEntry,
    onProgress?: (done: number, total: number) => void
  ): Promise<PerItemResult[]> {
    const out: PerItemResult[] = []
    await this.signDecisionStream(
      (async function* () {
        yield items
      })(),
      entry,
      (_chunk, results) => out.push(...results),
      onProgress
    )
    return out
  }

  async signDecisionStream(
    chunks: AsyncIterable<DecisionFields[]>,
    entry: PinEntry,
    onSigned: (chunk: number, results: PerItemResult[]) => void,
    onProgress?: (done: number, total: number) => void
  ): Promise<void> {
    // The ticket is used (and so consumed) now, whatever follows; the PIN reaches the card only
    // with the first chunk that has something to sign.
    if (this.streaming) throw new AppError('CARD_BUSY')
    const { grant, token } = this.grant(entry, 'decision')
    const pinBuf = pinBytes(entry.pin, token.pinPad)
    this.streaming = true
    const source = chunks[Symbol.asyncIterator]()
    let sourceError: unknown = null
    let index = 0
    // Chunks sent to the card, oldest first, with their statements: a chunk's signatures come back in order.
    const sent: { index: number; built: Built[] }[] = []
    /** The next chunk with at least one statement to sign; chunks with none are answered here. */
    // cancel() also ends a wait for rows (before the first chunk no worker operation runs to abort).
    const stopped = new Promise<never>((_, reject) => {
      this.stopStream = () => reject(new AppError('OPERATION_CANCELLED'))
    })
    stopped.catch(() => undefined)
    const next = async (): Promise<Buffer[] | null> => {
      for (;;) {
        let r: IteratorResult<DecisionFields[]>
        try {
          r = await Promise.race([source.next(), stopped])
        } catch (err) {
          sourceError = err
          return null
        }
        if (r.done) return null
        const built = r.value.map(build)
        const toSign = built.flatMap((b) => (b.ok ? [b.data] : []))
        if (toSign.length > 0) {
          sent.push({ index: index++, built })
          return toSign
        }
        onSigned(index++, merge(token, built, []))
      }
    }
    const answered = (signed: WireItemResult[]): void => {
      const chunk = sent.shift()
      if (chunk) onSigned(chunk.index, merge(token, chunk.built, signed))
    }
    try {
      const first = await next()
      if (first === null) {
        if (sourceError !== null) throw sourceError
        return // nothing to sign: no login, the PIN never reaches the card
      }
      await this.signOnCard(grant, token, pinBuf, first, {
        onProgress,
        more: next,
        onChunk: answered
      })
      if (sourceError !== null) throw sourceError
    } finally {
      this.streaming = false
      this.stopStream = null
      pinBuf?.fill(0)
    }
  }

  cancel(): void {
    this.stopStream?.()
    this.deps.client.cancel()
  }
}
