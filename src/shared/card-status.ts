import { z } from 'zod'
import { ErrorCodes } from './errors'

// The startup-detection state machine, shared by main (producer) and renderer (status area).
// Order of phases is the order of checks: each phase means every earlier check passed.
export const CardPhase = z.enum([
  'starting',
  'pcsc-unavailable',
  'no-reader',
  'no-card',
  'unsupported-card',
  'module-missing',
  'reading',
  'token-absent',
  /** Too many wrong PINs: only MOICA can unlock it; no PIN is asked for. */
  'card-locked',
  'certificate-missing',
  /** A certificate object is on the card but cannot be parsed (not "missing"). */
  'certificate-unreadable',
  /** Issued by a CA other than a bundled MOICA CA (e.g. 工商憑證 MOEACA, GCA, XCA, HCA): `certificate.issuer` names it. */
  'not-citizen-certificate',
  'chain-invalid',
  'ready'
])
export type CardPhase = z.infer<typeof CardPhase>

export const ChainVerdict = z.enum(['valid', 'expired', 'not-yet-valid', 'untrusted', 'revoked', 'revocation-unknown'])
export type ChainVerdict = z.infer<typeof ChainVerdict>

export const ReaderInfo = z.object({
  name: z.string(),
  cardPresent: z.boolean(),
  atr: z
    .string()
    .regex(/^[0-9A-F]*$/)
    .optional()
})
export type ReaderInfo = z.infer<typeof ReaderInfo>

export const CertificateSummary = z.object({
  subjectName: z.string(),
  cardSerial: z.string(),
  idLast4: z.string().optional(),
  issuer: z.string(),
  notBefore: z.string(),
  notAfter: z.string()
})
export type CertificateSummary = z.infer<typeof CertificateSummary>

export const CardStatus = z.object({
  phase: CardPhase,
  readers: z.array(ReaderInfo),
  /** The reader whose card the phase describes. */
  reader: z.string().optional(),
  atr: z.string().optional(),
  cardName: z.string().optional(),
  module: z.string().optional(),
  certificate: CertificateSummary.optional(),
  chain: ChainVerdict.optional(),
  /** Error code explaining a non-ready phase (for the fix hint). */
  problem: z.enum(Object.keys(ErrorCodes) as [keyof typeof ErrorCodes, ...(keyof typeof ErrorCodes)[]]).optional(),
  detail: z.string().optional(),
  updatedAt: z.string()
})
export type CardStatus = z.infer<typeof CardStatus>
