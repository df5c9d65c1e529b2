// The doctor's result vocabulary: every check says ok / warn / fail (or skip when an earlier
// failure makes it meaningless) with a detail and, unless ok, a hint IT staff can act on.

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip'

export interface Check {
  id: 'policy' | 'pcsc' | 'readers' | 'card' | 'module' | 'certificate' | 'chain' | 'revocation' | 'api'
  title: string
  status: CheckStatus
  detail: string
  hint?: string
}

export const EXIT = { ok: 0, warn: 1, fail: 2, usage: 64 } as const

export function worstStatus(checks: Check[]): 'ok' | 'warn' | 'fail' {
  if (checks.some((c) => c.status === 'fail')) return 'fail'
  if (checks.some((c) => c.status === 'warn')) return 'warn'
  return 'ok'
}

export interface CliIo {
  out(text: string): void
  err(text: string): void
  env: NodeJS.ProcessEnv
}
