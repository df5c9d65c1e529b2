import { randomBytes } from 'node:crypto'
import type { CardStatus } from '../../shared/card-status'
import { AppError } from '../../shared/errors'
import type { PinOperation, PinPrompt, PinTries } from '../../shared/pin-ticket'
import type { CardIdentity, SigningToken } from './signing-token'
import { pinTries, type TokenState } from './pkcs11-ops'

// PIN safety enforced in main whatever the caller does (issue 14). The PIN dialog obtains a
// ticket when it is shown (`prompt`); the ticket records the card the dialog names and its
// PIN-tries state. A PIN is only sent to a card with a ticket that is unused, unexpired, issued
// after the last wrong PIN, for the same operation, for the card still in the reader (same reader,
// ATR, token serial, certificate, detection generation), and with COUNT_LOW / FINAL_TRY
// acknowledged. After a wrong PIN every outstanding ticket is void and no new one is issued for a
// growing delay, so a new attempt needs the dialog to ask again (a fresh user action).

export interface PinGateDeps {
  /** The ready card's signing identity, or null. */
  token: () => SigningToken | null
  /** For the card description in the prompt. */
  status: () => CardStatus
  /** Fresh PIN flags of the token (PKCS#11 C_GetTokenInfo, in the worker). */
  tokenState: (token: SigningToken) => Promise<TokenState>
  /** Milliseconds clock (tests). */
  now?: () => number
  /** How long a ticket stays valid (ms); default 5 minutes. */
  ticketTtlMs?: number
  /** No new ticket for this long after the n-th wrong PIN in a row (ms; the last repeats). */
  wrongPinDelaysMs?: number[]
}

/** What a redeemed ticket allows: one card operation on exactly the card that was shown. */
export interface PinGrant {
  readonly operation: PinOperation
  readonly identity: CardIdentity
  /** The tries state the user acknowledged (the worker refuses a worse one). */
  readonly allowTries: PinTries
  /** The bound card's token if it is still the one shown; else throws CARD_REMOVED / CARD_CHANGED. */
  check(): SigningToken
}

interface Issued {
  operation: PinOperation
  identity: CardIdentity
  tries: PinTries
  expiresAt: number
  epoch: number
}

export const DEFAULT_WRONG_PIN_DELAYS_MS = [3_000, 10_000, 30_000]
const DEFAULT_TICKET_TTL_MS = 5 * 60_000

/** CARD_REMOVED / CARD_CHANGED unless `current` is the card `bound` describes. */
export function checkBinding(bound: CardIdentity, current: SigningToken | null): SigningToken {
  if (!current)
    throw new AppError('CARD_REMOVED', 'the card shown when the PIN was asked is no longer ready; the PIN was not sent')
  const id = current.identity
  const same =
    id.reader === bound.reader &&
    id.atr === bound.atr &&
    id.tokenSerial === bound.tokenSerial &&
    id.certSha256 === bound.certSha256
  if (!same) throw new AppError('CARD_CHANGED', 'another card is in the reader; the PIN was not sent')
  if (id.generation !== bound.generation)
    throw new AppError('CARD_REMOVED', 'the card was removed and inserted again; the PIN was not sent')
  return current
}

export class PinGate {
  private readonly tickets = new Map<string, Issued>()
  /** Bumped by every wrong PIN: tickets issued before it are void. */
  private epoch = 0
  private wrongInARow = 0
  private blockedUntil = 0
  private readonly now: () => number
  private readonly ttl: number
  private readonly delays: number[]

  constructor(private readonly deps: PinGateDeps) {
    this.now = deps.now ?? Date.now
    this.ttl = deps.ticketTtlMs ?? DEFAULT_TICKET_TTL_MS
    this.delays = deps.wrongPinDelaysMs ?? DEFAULT_WRONG_PIN_DELAYS_MS
  }

  private throttle(): void {
    const wait = this.blockedUntil - this.now()
    if (wait > 0) throw new AppError('PIN_THROTTLED', `retry-after-ms=${wait}`)
  }

  /**
   * Issues the single ticket for a PIN dialog being shown: reads the card's fresh PIN flags and
   * describes the card. Voids any older ticket. Throws NOT_READY (no ready card), PIN_LOCKED,
   * PIN_THROTTLED (detail `retry-after-ms=N`), CARD_REMOVED / CARD_CHANGED (card changed while
   * reading its flags), or the worker's card errors.
   */
  async prompt(operation: PinOperation): Promise<PinPrompt> {
    this.throttle()
    const token = this.deps.token()
    if (!token) throw new AppError('NOT_READY')
    if (token.pinLocked) throw new AppError('PIN_LOCKED')
    const state = await this.deps.tokenState(token)
    checkBinding(token.identity, this.deps.token())
    if (state.pinLocked) throw new AppError('PIN_LOCKED')
    this.throttle() // a wrong PIN may have landed while the flags were read
    const tries = pinTries(state)
    const ticket = randomBytes(32).toString('base64url')
    const expiresAt = this.now() + this.ttl
    this.tickets.clear()
    this.tickets.set(ticket, { operation, identity: token.identity, tries, expiresAt, epoch: this.epoch })
    const status = this.deps.status()
    const cert = status.certificate
    return {
      ticket,
      operation,
      card: {
        reader: token.identity.reader,
        ...(status.cardName ? { cardName: status.cardName } : {}),
        subjectName: cert?.subjectName ?? '',
        cardSerial: cert?.cardSerial ?? '',
        ...(cert?.idLast4 ? { idLast4: cert.idLast4 } : {})
      },
      tries,
      triesLeft: tries === 'final-try' ? 1 : null,
      confirmRequired: tries !== 'ok',
      expiresAt: new Date(expiresAt).toISOString()
    }
  }

  /**
   * Consumes a ticket (whatever the outcome: a ticket is never usable twice) and checks the card
   * is still the one shown. Throws PIN_TICKET_INVALID, PIN_THROTTLED, PIN_CONFIRM_REQUIRED,
   * CARD_REMOVED or CARD_CHANGED — all before anything reaches the card.
   */
  redeem(entry: { ticket: string; acknowledgedTries?: PinTries | undefined }, operation: PinOperation): PinGrant {
    const issued = this.tickets.get(entry.ticket)
    this.tickets.delete(entry.ticket)
    if (!issued || issued.epoch !== this.epoch || issued.expiresAt <= this.now())
      throw new AppError('PIN_TICKET_INVALID')
    if (issued.operation !== operation) throw new AppError('PIN_TICKET_INVALID', `ticket is for ${issued.operation}`)
    this.throttle()
    if (issued.tries !== 'ok' && entry.acknowledgedTries !== issued.tries)
      throw new AppError('PIN_CONFIRM_REQUIRED', `tries=${issued.tries}`)
    const identity = issued.identity
    checkBinding(identity, this.deps.token())
    return { operation, identity, allowTries: issued.tries, check: () => checkBinding(identity, this.deps.token()) }
  }

  /** Records how a granted attempt ended: a wrong PIN voids every ticket and starts a wait. */
  settle(err: unknown): void {
    const code = err instanceof AppError ? err.code : null
    if (err === null) {
      this.wrongInARow = 0
      this.blockedUntil = 0
      return
    }
    if (code === 'PIN_INCORRECT' || code === 'PIN_FINAL_TRY' || code === 'PIN_LOCKED') {
      this.epoch++
      this.tickets.clear()
      if (code === 'PIN_LOCKED') return
      this.wrongInARow++
      const delay = this.delays[Math.min(this.wrongInARow, this.delays.length) - 1] ?? 0
      this.blockedUntil = this.now() + delay
    }
  }
}
