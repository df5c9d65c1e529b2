import type { ChainVerdict } from '../../shared/card-status'
import type { ParsedCertificate } from './certificate'

// Revocation of a built path (leaf first, anchor last): see revocation-checker.ts for OCSP + CRL.

export type RevocationMode = 'off' | 'soft-fail' | 'hard-fail'

export interface RevocationResult {
  /** valid, revoked, or revocation-unknown (hard-fail only; soft-fail reports valid + reason). */
  verdict: Extract<ChainVerdict, 'valid' | 'revoked' | 'revocation-unknown'>
  reason?: string
  /** Which source answered: 'ocsp', 'crl', 'cache', or 'none'. */
  source: 'ocsp' | 'crl' | 'cache' | 'none'
}

export interface RevocationChecker {
  check(path: ParsedCertificate[], at: Date): Promise<RevocationResult>
}
