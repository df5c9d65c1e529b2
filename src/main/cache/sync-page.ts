import { z } from 'zod'
import { Delegation } from '../../shared/delegation'

/** One page of GET /api/v1/sync (server-mock/openapi.yaml, SyncPage), checked again before it is stored. */
export const SyncPage = z
  .object({
    changes: z.array(Delegation),
    nextCursor: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    hasMore: z.boolean()
  })
  .strict()
export type SyncPage = z.infer<typeof SyncPage>

/** Fetches the changes after `cursor` (null = from the beginning), e.g. GET /sync?cursor=…&limit=1000. */
export type FetchChanges = (cursor: string | null) => Promise<SyncPage>
