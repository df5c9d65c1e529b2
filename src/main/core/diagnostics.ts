import { release } from 'node:os'
import type { ApiStatus } from '../../shared/api-types'
import type { CardStatus } from '../../shared/card-status'
import type { DiagnosticsReport, DiagnosticsResult } from '../../shared/diagnostics'
import { AppError, isErrorCode, type ErrorCode } from '../../shared/errors'
import type { PlatformClient } from '../api'
import type { EffectiveSettings } from '../policy'
import { formatSupportText } from './support-text'

// diagnostics:get — the 環境檢查 screen in detail: versions, platform, reader/card/module/chain
// state, a live API probe and the policy state, plus the redacted support text.

export interface DiagnosticsDeps {
  version: string
  host: 'electron' | 'web'
  demo: boolean
  card: () => CardStatus
  api: PlatformClient | null
  apiStatus: () => ApiStatus
  settings: () => EffectiveSettings | null
  /** Masked national ID of the logged-in user, if any (already masked by the platform). */
  maskedId?: () => string | null
  now?: () => Date
}

const PROBE_TIMEOUT_MS = 8000

async function probe(api: PlatformClient): Promise<NonNullable<DiagnosticsReport['api']['probe']>> {
  const t0 = Date.now()
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      api.health(),
      new Promise(
        (_, reject) =>
          (timer = setTimeout(() => reject(new AppError('NETWORK_UNREACHABLE', 'probe timed out')), PROBE_TIMEOUT_MS))
      )
    ])
    return { reachable: true, ms: Date.now() - t0 }
  } catch (err) {
    const code: ErrorCode = err instanceof AppError ? err.code : 'INTERNAL'
    // An HTTP error answer still proves the platform is reachable.
    const reachable = !['NETWORK_UNREACHABLE', 'TLS_UNTRUSTED', 'NOT_CONFIGURED'].includes(code)
    return { reachable, ms: Date.now() - t0, problem: code }
  } finally {
    clearTimeout(timer)
  }
}

export async function buildDiagnostics(deps: DiagnosticsDeps): Promise<DiagnosticsResult> {
  const card = deps.card()
  const versions = process.versions as NodeJS.ProcessVersions & { electron?: string; chrome?: string }
  const settings = deps.settings()
  const apiProbe = deps.api ? await probe(deps.api) : null
  const apiStatus = deps.apiStatus()
  const cert = card.certificate
  const idMasked = deps.maskedId?.() ?? null
  const report: DiagnosticsReport = {
    generatedAt: (deps.now?.() ?? new Date()).toISOString(),
    app: { version: deps.version, host: deps.host, demo: deps.demo },
    runtime: {
      node: versions.node,
      electron: versions.electron ?? null,
      chrome: versions.chrome ?? null,
      platform: `${process.platform}-${process.arch}`,
      osRelease: release()
    },
    card: {
      phase: card.phase,
      ...(card.problem ? { problem: card.problem } : {}),
      readers: card.readers.map((r) => ({
        name: r.name,
        cardPresent: r.cardPresent,
        ...(r.atr ? { atr: r.atr } : {})
      })),
      ...(card.cardName ? { cardName: card.cardName } : {}),
      ...(card.module ? { module: card.module } : {}),
      ...(card.chain ? { chain: card.chain } : {}),
      ...(cert
        ? {
            certificate: {
              issuer: cert.issuer,
              notAfter: cert.notAfter,
              cardSerialEnd: cert.cardSerial.slice(-4),
              ...(idMasked ? { idMasked } : {})
            }
          }
        : {})
    },
    api: {
      configured: deps.api !== null,
      origin: deps.api ? deps.api.origin : null,
      state: apiStatus.state,
      ...(apiStatus.problem && isErrorCode(apiStatus.problem) ? { problem: apiStatus.problem } : {}),
      probe: apiProbe
    },
    policy: { status: settings?.policy.status ?? 'absent', locked: settings?.locked ?? [] },
    session: { loggedIn: deps.api?.loggedIn ?? false }
  }
  return { report, supportText: formatSupportText(report) }
}
