import { OcspCrlChecker, type RevocationOptions } from './revocation-checker'
import type { RevocationChecker, RevocationMode } from './revocation'

// The revocation setting as the app core gets it (environment today; machine policy / user settings
// may override later): ECCS_REVOCATION=off|soft-fail|hard-fail (default soft-fail),
// ECCS_OCSP_URL (override the certificate's AIA), ECCS_CRL_FILES (path list), ECCS_CRL_DOWNLOAD=0|1.

const MODES: readonly RevocationMode[] = ['off', 'soft-fail', 'hard-fail']

export function revocationOptionsFromEnv(env: NodeJS.ProcessEnv, tlsCa: string | null = null): RevocationOptions {
  const mode = MODES.find((m) => m === env.ECCS_REVOCATION) ?? 'soft-fail'
  const list = (v: string | undefined): string[] =>
    v ? v.split(process.platform === 'win32' ? ';' : ':').filter(Boolean) : []
  return {
    mode,
    ocspUrl: env.ECCS_OCSP_URL || null,
    crlFiles: list(env.ECCS_CRL_FILES),
    crlDownload: env.ECCS_CRL_DOWNLOAD !== '0',
    tlsCa
  }
}

export function createRevocationChecker(opts: RevocationOptions): RevocationChecker {
  return new OcspCrlChecker(opts)
}
