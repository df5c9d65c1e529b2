import { ref, type Ref } from 'vue'
import type { AppErrorPayload } from '../../shared/errors'
import type { PinEntry, PinOperation, PinPrompt } from '../../shared/pin-ticket'
import { eccs } from '../bridge'

// The renderer half of "the PIN is bound to a card" (issue 14): a PIN field asks main for a ticket
// when it is shown (or, if it has none, when the user presses OK), shows the card and its PIN
// tries, and sends the ticket with the PIN. Main refuses a PIN without a fresh ticket; after a wrong
// PIN the ticket is gone and the next press of OK asks again (a fresh user action).

export interface PinTicketState {
  prompt: Ref<PinPrompt | null>
  /** The card of the last ticket main issued; kept after the ticket is used (the PIN belongs to it). */
  card: Ref<PinPrompt['card'] | null>
  /** Why no ticket could be had (NOT_READY, PIN_LOCKED, …). */
  error: Ref<AppErrorPayload | null>
  /** The user ticked "I understand how many tries remain" (needed when prompt.confirmRequired). */
  acknowledged: Ref<boolean>
  /** Seconds left of main's pause after a wrong PIN (0 = none). */
  waitSeconds: Ref<number>
  /** 'loading' | 'waiting' | 'ready' | 'confirm' | 'error' — also a data attribute for tests. */
  state: () => 'loading' | 'waiting' | 'ready' | 'confirm' | 'error'
  fetch(): Promise<PinPrompt | null>
  /** The fields to send with the PIN (consumes the ticket), or null without a usable ticket. */
  take(pin: string): PinEntry | null
  /** Drops the ticket unused (its card left the reader): the next PIN needs a new one from main. */
  discard(): void
}

export function usePinTicket(operation: PinOperation): PinTicketState {
  const prompt = ref<PinPrompt | null>(null)
  const card = ref<PinPrompt['card'] | null>(null)
  const error = ref<AppErrorPayload | null>(null)
  const acknowledged = ref(false)
  const waitSeconds = ref(0)
  const loading = ref(false)

  async function fetch(): Promise<PinPrompt | null> {
    loading.value = true
    error.value = null
    acknowledged.value = false
    try {
      for (let attempt = 0; ; attempt++) {
        const r = await eccs.promptPin({ operation })
        if (r.ok) {
          card.value = r.value.card
          return (prompt.value = r.value)
        }
        prompt.value = null
        error.value = r.error
        if (r.error.code !== 'PIN_THROTTLED' || attempt >= 3) return null
        // Main's pause after a wrong PIN: count it down visibly, then ask again.
        const ms = Number(/retry-after-ms=(\d+)/.exec(r.error.detail ?? '')?.[1] ?? 1000)
        for (let left = Math.ceil(ms / 1000); left > 0; left--) {
          waitSeconds.value = left
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, ms)))
        }
        waitSeconds.value = 0
      }
    } finally {
      loading.value = false
    }
  }

  function take(pin: string): PinEntry | null {
    const p = prompt.value
    if (!p || (p.confirmRequired && !acknowledged.value)) return null
    prompt.value = null
    return { pin, ticket: p.ticket, ...(p.confirmRequired ? { acknowledgedTries: p.tries } : {}) }
  }

  function discard(): void {
    prompt.value = null
    acknowledged.value = false
  }

  function state(): 'loading' | 'waiting' | 'ready' | 'confirm' | 'error' {
    if (waitSeconds.value > 0) return 'waiting'
    if (loading.value) return 'loading'
    if (prompt.value) return prompt.value.confirmRequired && !acknowledged.value ? 'confirm' : 'ready'
    return error.value ? 'error' : 'ready'
  }

  return { prompt, card, error, acknowledged, waitSeconds, state, fetch, take, discard }
}
