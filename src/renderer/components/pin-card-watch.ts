import { computed, ref, watch, type ComputedRef, type Ref } from 'vue'
import type { CardStatus, CertificateSummary } from '../../shared/card-status'
import type { PinPrompt } from '../../shared/pin-ticket'
import { useCardStore } from '../stores/card'

// While the PIN dialog is open, the card its ticket was issued for is watched through the card
// status events (stores/card.ts). When that card leaves — pulled, another card put in, the reader
// gone — the dialog says so and sends nothing; when a card is ready again it offers to continue,
// which asks main for a NEW ticket for the card now in the reader (never the old one). Main refuses
// a stale ticket anyway (CARD_REMOVED / CARD_CHANGED, the PIN is not sent); this only makes the
// dialog say it before the user presses OK, and tells a re-inserted card from a removed one.

/**
 * 'present': the ticket's card is the ready card (or no ticket yet); 'removed': it left and no
 * card is ready; 'returned': a card is ready again (the same or another one), a new ticket needed.
 */
export type PinCardPresence = 'present' | 'removed' | 'returned'

export interface PinCardWatch {
  presence: Ref<PinCardPresence>
  /** The certificate of the card now ready when presence is 'returned' (null otherwise). */
  readyCard: ComputedRef<CertificateSummary | null>
  /** The ready card is not the one the ticket was for (another certificate / card serial). */
  otherCard: ComputedRef<boolean>
  /** Main reported the card gone (CARD_REMOVED / CARD_CHANGED): same as seeing it leave. */
  markGone(): void
  /** A new ticket was obtained for the ready card: back to 'present'. */
  settled(): void
}

/** True when `status` describes exactly `card` (same reader and card serial) as ready. */
function holds(status: CardStatus, card: PinPrompt['card']): boolean {
  return status.phase === 'ready' && status.reader === card.reader && status.certificate?.cardSerial === card.cardSerial
}

/** A card as a PIN is bound to it: reader and card serial (a ticket's card, or the ready one). */
export type CardRef = Pick<PinPrompt['card'], 'reader' | 'cardSerial'>

/** The ready card as the page knows it, or null while no card is ready. */
export function readyCardRef(status: CardStatus): CardRef | null {
  return status.phase === 'ready'
    ? { reader: status.reader ?? '', cardSerial: status.certificate?.cardSerial ?? '' }
    : null
}

/**
 * Whether a ticket main just issued (`issued`) is for the card a PIN was typed for (`typedFor`).
 * Asked when OK is pressed without a held ticket: main answers for the card in the reader now, and
 * the page may hear of a swap only after that answer (web host: events and answers travel on
 * separate connections), so the PIN goes only when both name the same reader and card serial.
 */
export function sameCard(typedFor: CardRef | null, issued: CardRef | null): boolean {
  return !!typedFor && !!issued && typedFor.reader === issued.reader && typedFor.cardSerial === issued.cardSerial
}

/**
 * Watches the card store for the card of the current ticket.
 * `card`: the card main issued the last ticket for (PinTicketState.card); `onLeave` runs once
 * each time that card is seen leaving (the dialog clears the typed PIN and drops the ticket).
 */
export function usePinCardWatch(card: Ref<PinPrompt['card'] | null>, onLeave: () => void): PinCardWatch {
  const store = useCardStore()
  const presence = ref<PinCardPresence>('present')
  const readyCard = computed(() =>
    presence.value === 'returned' && store.status.phase === 'ready' ? (store.status.certificate ?? null) : null
  )
  const otherCard = computed(() => {
    const bound = card.value
    const now = readyCard.value
    return !!bound && !!now && (now.cardSerial !== bound.cardSerial || now.subjectName !== bound.subjectName)
  })

  function follow(status: CardStatus): void {
    if (presence.value === 'present') return
    presence.value = status.phase === 'ready' ? 'returned' : 'removed'
  }

  // Only changes are judged: a store that has not heard from main yet says nothing about the card.
  watch(
    () => store.status,
    (status) => {
      const bound = card.value
      if (!bound) return
      if (presence.value === 'present') {
        if (holds(status, bound)) return
        presence.value = 'removed'
        onLeave()
      }
      follow(status)
    }
  )

  function markGone(): void {
    if (presence.value === 'present') onLeave()
    presence.value = 'removed'
    follow(store.status)
  }

  return { presence, readyCard, otherCard, markGone, settled: () => (presence.value = 'present') }
}

/** Reader and card serial of the ready card, or null while no card is ready. */
function readyCardId(status: CardStatus): string | null {
  return status.phase === 'ready' ? `${status.reader ?? ''}\u0000${status.certificate?.cardSerial ?? ''}` : null
}

/**
 * For a PIN field on a page (憑證登入, registration's identity step), where the ticket is taken
 * when OK is pressed: when the ready card leaves or is changed, the typed PIN is cleared and any
 * ticket dropped, so a PIN typed for one card never goes to the next one. Returns a flag for the
 * notice, true from such a clearing until the user types again.
 */
export function usePinFieldCardGuard(
  pin: Ref<string>,
  ticket: { prompt: Ref<unknown>; discard(): void }
): Ref<boolean> {
  const store = useCardStore()
  const cleared = ref(false)
  watch(
    () => readyCardId(store.status),
    (now, before) => {
      if (before === null || now === before) return
      if (pin.value === '' && !ticket.prompt.value) return
      pin.value = ''
      ticket.discard()
      cleared.value = true
    }
  )
  watch(pin, (typed) => {
    if (typed) cleared.value = false
  })
  return cleared
}
