import type { IpcResult } from '../../src/shared/ipc-contract'
import type { PinEntry, PinOperation, PinPrompt } from '../../src/shared/pin-ticket'

/**
 * What the PIN dialog does, through a core's dispatcher: asks main for a ticket (`card:pinPrompt`),
 * waits out the pause after a wrong PIN (PIN_THROTTLED, as the dialog's countdown does) and ticks
 * the tries confirmation (as the user would); returns the fields to send with `pin`.
 * Throws the prompt's error otherwise (NOT_READY, PIN_LOCKED, …) as `Error(code)`.
 */
export async function pinFields(
  dispatch: (channel: string, payload: unknown) => Promise<unknown>,
  operation: PinOperation,
  pin: string
): Promise<PinEntry> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const r = (await dispatch('card:pinPrompt', { operation })) as IpcResult<PinPrompt>
    if (r.ok)
      return { pin, ticket: r.value.ticket, ...(r.value.confirmRequired ? { acknowledgedTries: r.value.tries } : {}) }
    if (r.error.code !== 'PIN_THROTTLED') throw new Error(r.error.code)
    await new Promise((done) => setTimeout(done, Number(/retry-after-ms=(\d+)/.exec(r.error.detail ?? '')?.[1] ?? 200)))
  }
  throw new Error('PIN prompt stayed throttled')
}
