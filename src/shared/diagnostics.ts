import { z } from 'zod'
import { CardPhase, ChainVerdict } from './card-status'
import { ErrorCodes } from './errors'

// The environment check in detail (環境檢查) and the support text built from it. Nothing here is
// secret by construction: no tokens, no PIN, the national ID only masked, the card serial only
// as its last four characters.

const Code = z.enum(Object.keys(ErrorCodes) as [keyof typeof ErrorCodes, ...(keyof typeof ErrorCodes)[]])

export const DiagnosticsReport = z.object({
  generatedAt: z.string(),
  app: z.object({ version: z.string(), host: z.enum(['electron', 'web']), demo: z.boolean() }),
  runtime: z.object({
    node: z.string(),
    electron: z.string().nullable(),
    chrome: z.string().nullable(),
    platform: z.string(),
    osRelease: z.string()
  }),
  card: z.object({
    phase: CardPhase,
    problem: Code.optional(),
    readers: z.array(z.object({ name: z.string(), cardPresent: z.boolean(), atr: z.string().optional() })),
    cardName: z.string().optional(),
    module: z.string().optional(),
    chain: ChainVerdict.optional(),
    certificate: z
      .object({ issuer: z.string(), notAfter: z.string(), cardSerialEnd: z.string(), idMasked: z.string().optional() })
      .optional()
  }),
  api: z.object({
    configured: z.boolean(),
    /** scheme://host[:port] only; never a path or query that could carry anything. */
    origin: z.string().nullable(),
    state: z.enum(['online', 'offline', 'unconfigured']),
    problem: Code.optional(),
    /** Result of a live probe made for this report. */
    probe: z.object({ reachable: z.boolean(), ms: z.number().int().min(0), problem: Code.optional() }).nullable()
  }),
  policy: z.object({ status: z.enum(['absent', 'valid', 'invalid']), locked: z.array(z.string()) }),
  session: z.object({ loggedIn: z.boolean() })
})
export type DiagnosticsReport = z.infer<typeof DiagnosticsReport>

export const DiagnosticsResult = z.object({ report: DiagnosticsReport, supportText: z.string() })
export type DiagnosticsResult = z.infer<typeof DiagnosticsResult>
