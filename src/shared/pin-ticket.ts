import { z } from 'zod'
import { Pin } from './forms'

// The PIN is bound to a card (issue 14): the PIN dialog asks main for a ticket when it is shown
// (`card:pinPrompt`), main records the card it describes (reader, ATR, token serial, certificate,
// detection generation) and the card's PIN-tries state, and every request carrying a PIN must
// carry that ticket. A ticket is single-use, short-lived, voided by any wrong PIN and by any
// change of the card; a card at COUNT_LOW / FINAL_TRY needs the tries state acknowledged.

/** 32 random bytes, base64url without padding. */
export const PinTicket = z.string().regex(/^[A-Za-z0-9_-]{43}$/)
export type PinTicket = z.infer<typeof PinTicket>

/** What the PIN is asked for (also the `operation` of card progress events). */
export const PinOperation = z.enum(['login', 'decision', 'registration', 'enable-certificate'])
export type PinOperation = z.infer<typeof PinOperation>

/**
 * The card's user-PIN state from PKCS#11 token flags (PKCS#11 v2.40 §5.2 CK_TOKEN_INFO):
 * 'ok', 'count-low' (CKF_USER_PIN_COUNT_LOW: a wrong PIN since the last good one; the exact
 * number left is not reported), 'final-try' (CKF_USER_PIN_FINAL_TRY: one wrong PIN locks it).
 */
export const PinTries = z.enum(['ok', 'count-low', 'final-try'])
export type PinTries = z.infer<typeof PinTries>

export const PinPromptRequest = z.object({ operation: PinOperation }).strict()

/** Answer to `card:pinPrompt`: the card the PIN will go to, and how many tries it has left. */
export const PinPrompt = z.object({
  ticket: PinTicket,
  operation: PinOperation,
  card: z.object({
    reader: z.string(),
    cardName: z.string().optional(),
    subjectName: z.string(),
    cardSerial: z.string(),
    idLast4: z.string().optional()
  }),
  tries: PinTries,
  /** 1 at FINAL_TRY; null when the exact number is not knowable (ok / COUNT_LOW). */
  triesLeft: z.number().int().min(1).nullable(),
  /** The PIN must be acknowledged with `acknowledgedTries: tries` when tries is not 'ok'. */
  confirmRequired: z.boolean(),
  /** ISO 8601; after this the ticket is refused with PIN_TICKET_INVALID. */
  expiresAt: z.string()
})
export type PinPrompt = z.infer<typeof PinPrompt>

/** The fields every PIN-carrying request has: the PIN, its ticket, the acknowledged tries state. */
export const PinEntryFields = {
  pin: Pin,
  ticket: PinTicket,
  /** Must equal the prompt's `tries` when it is 'count-low' or 'final-try'. */
  acknowledgedTries: PinTries.optional()
}
export const PinEntry = z.object(PinEntryFields).strict()
export type PinEntry = z.infer<typeof PinEntry>
