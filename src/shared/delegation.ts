import { z } from 'zod'
import { BillNumber, DateInput } from './forms'

// The delegation (委任) as the platform describes it (server-mock/openapi.yaml, Delegation), shared by
// the API client (validation of responses), the offline cache and the renderer.

export const DelegationId = z.string().regex(/^dlg_[A-Za-z0-9_-]{8,40}$/)
export const Direction = z.enum(['IMPORT', 'EXPORT']) // 進口 / 出口
export type Direction = z.infer<typeof Direction>
/** MATCH = 申報相符, MISMATCH = 申報不符, PENDING = 尚未確認. */
export const DelegationStatus = z.enum(['PENDING', 'MATCH', 'MISMATCH'])
export type DelegationStatus = z.infer<typeof DelegationStatus>
/** MATCH = 申報相符, MISMATCH = 申報不符. */
export const Decision = z.enum(['MATCH', 'MISMATCH'])
export type Decision = z.infer<typeof Decision>

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/)
const IsoDateTime = z.string().datetime({ offset: true })

export const Delegation = z
  .object({
    id: DelegationId,
    declarationDate: IsoDate,
    houseBillNo: z.string().min(1).max(64),
    masterBillNo: z.string().max(64),
    direction: Direction,
    carrier: z.string().max(200),
    goodsDescription: z.string().max(1000),
    quantity: z.number().int().min(1),
    declaredValue: z.number().min(0),
    currency: z.string().regex(/^[A-Z]{3}$/),
    status: DelegationStatus,
    reason: z.string().max(1000).nullable(),
    confirmedAt: IsoDateTime.nullable(),
    confirmedVia: z.enum(['certificate', 'app']).nullable(),
    updatedAt: IsoDateTime
  })
  .strict()
export type Delegation = z.infer<typeof Delegation>

/** Query filters of 海關實名委任確認: 進出口類別, 報關日期 起迄 or 分提單號碼, status. */
export const DelegationQuery = z
  .object({
    direction: Direction.optional(),
    dateFrom: DateInput.optional(),
    dateTo: DateInput.optional(),
    houseBillNo: BillNumber.optional(),
    status: DelegationStatus.optional(),
    page: z.number().int().min(1).max(100_000).default(1),
    pageSize: z.number().int().min(1).max(500).default(50),
    sort: z
      .string()
      .regex(/^(declarationDate|houseBillNo|direction|carrier|declaredValue|status|confirmedAt|updatedAt):(asc|desc)$/)
      .default('declarationDate:desc')
  })
  .strict()
export type DelegationQuery = z.infer<typeof DelegationQuery>

/** Reason for 申報不符: required for MISMATCH (1–200 characters after NFC), empty for MATCH. */
export const ReasonText = z.string().max(200)
