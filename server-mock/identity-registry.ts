// The issuing authority's identity-verification service (內政部憑證管理中心 certificate-holder
// check), modelled as its own component with its own data: the platform asks "does this ID number
// belong to the holder of this certificate?" and gets match / no match. The certificate itself
// carries only the last four digits of the holder's number (2.16.886.1.100.2.51), which is no
// proof: many people share them. The platform's database is never consulted here, and the
// registry never tells the platform the holder's number, only the answer (docs/protocol.md §8).
import { ApiError } from './errors'

/** One certificate the authority issued, and its holder's full identity number. */
export interface IdentityRecord {
  /** Certificate serial number, hex (case and leading zeros are ignored). */
  certificateSerial: string
  /** Card serial (subject serialNumber), the fallback key (e.g. after a renewal on the same card). */
  cardSerial: string
  /** 身分證字號 or 統一證號 of the holder. */
  nationalId: string
}

export interface IdentityQuery {
  certificateSerial: string
  cardSerial: string
  nationalId: string
}

export type IdentityAnswer =
  { answer: 'match' } | { answer: 'no-match'; reason: 'number-differs' | 'unknown-certificate' }

function serialKey(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '')
}

/** The authority's registry. `available = false` models the service being down (503 for the platform). */
export class IdentityRegistry {
  private readonly bySerial = new Map<string, string>()
  private readonly byCard = new Map<string, string>()
  /** Every query answered, for tests: what the platform asked and what it was told. */
  readonly log: { query: IdentityQuery; answer: IdentityAnswer['answer'] }[] = []
  available = true

  constructor(records: readonly IdentityRecord[] = []) {
    for (const r of records) this.add(r)
  }

  add(record: IdentityRecord): void {
    this.bySerial.set(serialKey(record.certificateSerial), record.nationalId)
    this.byCard.set(record.cardSerial, record.nationalId)
  }

  get size(): number {
    return this.bySerial.size
  }

  /**
   * Answers whether `query.nationalId` is the holder's number of the certificate (by serial, else
   * by card serial). Throws ApiError IDENTITY_SERVICE_UNAVAILABLE (503, retriable) when down.
   */
  verify(query: IdentityQuery): IdentityAnswer {
    if (!this.available) {
      throw new ApiError(
        'IDENTITY_SERVICE_UNAVAILABLE',
        "the issuing authority's identity check is unavailable; try again later"
      )
    }
    const holder = this.bySerial.get(serialKey(query.certificateSerial)) ?? this.byCard.get(query.cardSerial)
    let answer: IdentityAnswer
    if (holder === undefined) answer = { answer: 'no-match', reason: 'unknown-certificate' }
    else if (holder === query.nationalId) answer = { answer: 'match' }
    else answer = { answer: 'no-match', reason: 'number-differs' }
    this.log.push({ query: { ...query }, answer: answer.answer })
    return answer
  }
}

/**
 * The full identity proof before an account is bound to `nationalId` (registration, enabling the
 * certificate on a phone-registered account). Throws ApiError IDENTITY_NOT_MATCHED (422) on no match.
 */
export function proveIdentity(
  registry: IdentityRegistry,
  cert: { serialHex: string; cardSerial: string },
  nationalId: string
): void {
  const r = registry.verify({ certificateSerial: cert.serialHex, cardSerial: cert.cardSerial, nationalId })
  if (r.answer === 'match') return
  throw new ApiError(
    'IDENTITY_NOT_MATCHED',
    r.reason === 'unknown-certificate'
      ? 'the issuing authority has no record of this certificate, so the ID number cannot be proven'
      : "the issuing authority's identity check: this ID number does not belong to the certificate holder"
  )
}
