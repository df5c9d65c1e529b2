import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { parseCrls, validatePathStrict, type PathResult } from '../../src/main/pki/path-validation'
import { parseStrictCertificate, type StrictCertificate } from '../../src/main/pki/x509-strict'

// Loads the NIST PKITS data from ../shared/pkits (a sibling of the repository root, as on CI and
// in worktrees) and runs a case through the app's path validator with the suite's default inputs.

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const SHARED_DIR = resolve(REPO_ROOT, '../shared')
export const PKITS_DIR = join(SHARED_DIR, 'pkits')

export const PkitsCase = z.object({
  id: z.string(),
  section: z.string(),
  endEntity: z.string(),
  intermediates: z.array(z.string()),
  crls: z.array(z.string()),
  requireRevocation: z.boolean(),
  pathLength: z.number().int().nullable().optional(),
  valid: z.boolean()
})
export type PkitsCase = z.infer<typeof PkitsCase>
export const PkitsManifest = z.object({
  trustAnchor: z.string(),
  validationTime: z.string(),
  cases: z.array(PkitsCase)
})
export type PkitsManifest = z.infer<typeof PkitsManifest>

export function loadPkits(): PkitsManifest | null {
  const file = join(PKITS_DIR, 'manifest.json')
  if (!existsSync(file)) return null
  return PkitsManifest.parse(JSON.parse(readFileSync(file, 'utf8')))
}

export function pkitsFile(kind: 'certs' | 'crls', name: string): string {
  return join(PKITS_DIR, kind, name)
}

/** Runs one case with the suite's default settings (any-policy, nothing inhibited). */
export function runPkitsCase(manifest: PkitsManifest, c: PkitsCase): PathResult {
  const anchor = parseStrictCertificate(readFileSync(join(PKITS_DIR, manifest.trustAnchor)))
  const intermediates: StrictCertificate[] = []
  const malformed: Buffer[] = []
  for (const f of c.intermediates) {
    const der = readFileSync(pkitsFile('certs', f))
    try {
      intermediates.push(parseStrictCertificate(der))
    } catch {
      malformed.push(der)
    }
  }
  const leaf = parseStrictCertificate(readFileSync(pkitsFile('certs', c.endEntity)))
  const { crls } = parseCrls(c.crls.map((f) => readFileSync(pkitsFile('crls', f))))
  return validatePathStrict({
    leaf,
    anchors: [anchor],
    intermediates,
    malformed,
    crls,
    at: new Date(manifest.validationTime),
    checkRevocation: true,
    requireRevocation: c.requireRevocation
  })
}
