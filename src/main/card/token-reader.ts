import { existsSync } from 'node:fs'

// Module discovery for the detection state machine. Reading the token itself happens in the
// PKCS#11 worker (pkcs11-worker.ts via Pkcs11Client.readToken): a blocking C_* call on the main
// thread once froze the whole app with OpenSC on a virtual reader.

export type { TokenContents } from './worker-protocol'

export function firstExistingModule(candidates: string[]): string | null {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate
  return null
}
