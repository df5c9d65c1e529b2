import { z } from 'zod'
import { Category, ConfirmationQuery } from './api-types'
import { Decision, DelegationId, DelegationQuery, ReasonText } from './delegation'
import { Account, Address, DateInput, Email, Mobile, NationalId, PersonName, Phone, SmsCode } from './forms'
import { PinEntry, PinEntryFields } from './pin-ticket'
import { hasUnpairedSurrogate } from './text'

// Request schemas of the IPC contract for the platform features. A PIN appears only in a `pin`
// field; main never echoes it back and never logs request payloads.

export const Empty = z.object({}).strict()

export const PasswordLoginRequest = z
  .object({ account: z.string().trim().min(1).max(64), password: z.string().min(1).max(128) })
  .strict()
/** A PIN with its ticket from `card:pinPrompt` (src/shared/pin-ticket.ts). */
export const PinRequest = PinEntry

export { ConfirmationQuery, DelegationQuery }

/**
 * One answer: 申報相符 (no reason) or 申報不符 (原因 required), for the row the user saw: its id and
 * 分提單號碼 (main refuses to sign when the platform's delegation differs from that row). A 原因 with
 * an unpaired surrogate is refused (it would be signed as U+FFFD).
 */
export const DecisionItem = z
  .object({
    id: DelegationId,
    houseBillNo: z.string().min(1).max(64),
    decision: Decision,
    reason: ReasonText.refine((r) => !hasUnpairedSurrogate(r), { message: 'unpaired surrogate' }).default('')
  })
  .strict()
  .refine((d) => (d.decision === 'MATCH' ? d.reason === '' : d.reason.trim().length > 0), {
    message: 'reason is required for MISMATCH and not allowed for MATCH',
    path: ['reason']
  })
export type DecisionItem = z.infer<typeof DecisionItem>

/** The rows of the confirmation whose PIN dialog just opened, to prepare while the PIN is typed. */
export const PrepareBatchRequest = z.object({ ids: z.array(DelegationId).min(1).max(500) }).strict()

export const DecideBatchRequest = z.object({ items: z.array(DecisionItem).min(1).max(500), ...PinEntryFields }).strict()

export const ProfileUpdateRequest = z
  .object({ phone: Phone.optional(), email: Email.optional(), address: Address.optional() })
  .strict()
  .refine((u) => Object.values(u).some((v) => v !== undefined), { message: 'nothing to update' })

export const PasswordChangeRequest = z
  .object({ oldPassword: z.string().min(1).max(128), newPassword: z.string().min(1).max(128) })
  .strict()

const RegistrationId = z.string().regex(/^reg_[A-Za-z0-9_-]{22}$/)
export const RegistrationIdentityRequest = z
  .object({ registrationId: RegistrationId, nationalId: NationalId, ...PinEntryFields })
  .strict()
export const RegistrationAccountCheckRequest = z.object({ registrationId: RegistrationId, account: Account }).strict()
export const RegistrationSmsRequest = z.object({ registrationId: RegistrationId, mobile: Mobile }).strict()
export const RegistrationCompleteRequest = z
  .object({
    registrationId: RegistrationId,
    name: PersonName,
    nationalId: NationalId,
    account: Account,
    password: z.string().min(1).max(128),
    email: Email,
    email2: Email.optional(),
    mobile: Mobile,
    // 出生年月日, 聯絡電話, 聯絡地址 are required (*) on the manual's form (seeds/003), as in the API.
    phone: Phone,
    smsCode: SmsCode,
    privacyConsent: z.boolean(),
    birthDate: DateInput,
    address: Address,
    category: Category
  })
  .strict()
export type RegistrationCompleteRequest = z.infer<typeof RegistrationCompleteRequest>
