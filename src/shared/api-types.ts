import { z } from 'zod'
import { Decision, Delegation, DelegationId, Direction } from './delegation'
import { DateInput } from './forms'

// Platform data the renderer sees (server-mock/openapi.yaml). Main validates every API response
// against these before anything crosses IPC; session tokens and nonces never appear here.

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/)
const IsoDateTime = z.string().datetime({ offset: true })

export const Category = z.enum(['個人', '報關專責人員'])
export type Category = z.infer<typeof Category>

export const CertificateInfo = z.object({
  cardSerial: z.string(),
  serialNumber: z.string(),
  subject: z.string(),
  issuer: z.string(),
  notBefore: IsoDateTime,
  notAfter: IsoDateTime
})

export const Profile = z.object({
  account: z.string(),
  name: z.string(),
  nationalIdMasked: z.string(),
  category: Category,
  email: z.string(),
  email2: z.string().nullable(),
  mobile: z.string(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  birthDate: z.string().nullable(),
  /** certificate = 自然人憑證註冊; app = EZWay 易利委 phone registration. */
  registeredVia: z.enum(['certificate', 'app']),
  /** Whether the account may confirm delegations with the card. */
  certificateEnabled: z.boolean(),
  certificate: CertificateInfo.nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
export type Profile = z.infer<typeof Profile>

export const SessionInfo = z.object({
  via: z.enum(['password', 'certificate']),
  expiresAt: IsoDateTime,
  profile: Profile
})
export type SessionInfo = z.infer<typeof SessionInfo>

export const DelegationPage = z.object({
  items: z.array(Delegation),
  page: z.number().int().min(1),
  pageSize: z.number().int().min(1),
  total: z.number().int().min(0)
})
export type DelegationPage = z.infer<typeof DelegationPage>

/** What the renderer gets for a query: a page, and whether the offline cache answered it. */
export const DelegationAnswer = DelegationPage.extend({
  source: z.enum(['online', 'cache']),
  /** When the cache was last synced with the platform (ISO), null before the first sync. */
  lastSyncedAt: z.string().nullable(),
  /** Why the cache answered instead of the platform (e.g. NETWORK_UNREACHABLE). */
  offlineReason: z.string().optional(),
  /** The offline history is off this session and why (CACHE_TOO_NEW, CACHE_READ_ONLY, DISK_FULL, CACHE_UNAVAILABLE). */
  historyOff: z.string().optional()
})
export type DelegationAnswer = z.infer<typeof DelegationAnswer>

export const Confirmation = z.object({
  id: z.number().int(),
  delegationId: DelegationId,
  houseBillNo: z.string(),
  direction: Direction,
  declarationDate: IsoDate,
  decision: Decision,
  reason: z.string().nullable(),
  confirmedAt: IsoDateTime,
  confirmedVia: z.enum(['certificate', 'app']),
  certificateSerial: z.string().nullable(),
  cardSerial: z.string().nullable()
})
export type Confirmation = z.infer<typeof Confirmation>

export const ConfirmationPage = z.object({
  items: z.array(Confirmation),
  page: z.number().int().min(1),
  pageSize: z.number().int().min(1),
  total: z.number().int().min(0)
})
export type ConfirmationPage = z.infer<typeof ConfirmationPage>

export const ConfirmationQuery = z
  .object({
    dateFrom: DateInput.optional(),
    dateTo: DateInput.optional(),
    decision: Decision.optional(),
    page: z.number().int().min(1).max(100_000).default(1),
    pageSize: z.number().int().min(1).max(500).default(50)
  })
  .strict()
export type ConfirmationQuery = z.infer<typeof ConfirmationQuery>

export const RegistrationInfo = z.object({
  registrationId: z.string().regex(/^reg_[A-Za-z0-9_-]{22}$/),
  state: z.enum(['STARTED', 'IDENTITY_VERIFIED', 'COMPLETED']),
  expiresAt: IsoDateTime,
  identity: z
    .object({
      name: z.string(),
      nationalIdMasked: z.string(),
      cardSerial: z.string(),
      certificateNotAfter: IsoDateTime
    })
    .nullable(),
  mobile: z.string().nullable()
})
export type RegistrationInfo = z.infer<typeof RegistrationInfo>

/** checkRegistrationAccount's answer ([檢核是否存在], seed 003): is the account name still free? */
export const AccountCheck = z.object({ account: z.string(), available: z.boolean() })
export type AccountCheck = z.infer<typeof AccountCheck>

export const SmsSent = z.object({
  sentAt: IsoDateTime,
  expiresAt: IsoDateTime,
  resendAfter: IsoDateTime,
  mobileMasked: z.string()
})
export type SmsSent = z.infer<typeof SmsSent>

/** Reachability of the platform as main last saw it. */
export const ApiStatus = z.object({
  state: z.enum(['online', 'offline', 'unconfigured']),
  checkedAt: IsoDateTime,
  /** Error code of the last failure when offline (NETWORK_UNREACHABLE, TLS_UNTRUSTED, …). */
  problem: z.string().optional()
})
export type ApiStatus = z.infer<typeof ApiStatus>
