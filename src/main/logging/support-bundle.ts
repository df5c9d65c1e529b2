import { X509Certificate } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { arch, platform, release } from 'node:os'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { EffectiveSettings } from '../policy'
import { LOG_FILE } from './logger'
import { redactText, redactValue } from './redact'
import { tar, type TarEntry } from './tar'

// "Export support bundle": one .tar.gz an IT desk can attach to a ticket — the log files, the
// environment check (doctor), versions, and the policy in effect — everything redacted once more
// on the way in, so even an old log written before a redaction fix cannot leak a PIN or an ID.

const MAX_LOG_BYTES = 5 * 1024 * 1024

export interface SupportBundleInput {
  outFile: string
  logDir: string
  /** The doctor report (src/main/cli/doctor.ts) or any environment check result. */
  doctor?: unknown
  settings?: EffectiveSettings
  versions?: Record<string, string>
  now?: Date
}

function caSummary(pem: string): unknown {
  try {
    const c = new X509Certificate(pem)
    return { subject: c.subject.replace(/\n/g, ', '), fingerprint256: c.fingerprint256, validTo: c.validTo }
  } catch {
    return { unparsable: true }
  }
}

/** The policy in effect without certificate bodies (subjects and fingerprints are enough). */
export function describeSettings(settings: EffectiveSettings): unknown {
  return redactValue({
    values: settings.values,
    sources: settings.sources,
    locked: settings.locked,
    policy: settings.policy,
    userWarnings: settings.userWarnings,
    extraCaCertificates: settings.caPems.map(caSummary),
    networkBlocked: settings.networkBlocked
  })
}

function logEntries(logDir: string, mtime: Date): TarEntry[] {
  let names: string[]
  try {
    names = readdirSync(logDir).sort()
  } catch {
    return []
  }
  return names.flatMap((name) => {
    const path = join(logDir, name)
    try {
      const st = statSync(path)
      if (!st.isFile() || !name.endsWith(LOG_FILE)) return [] // the current and rotated logs only
      const buf = readFileSync(path)
      const tail = buf.length > MAX_LOG_BYTES ? buf.subarray(buf.length - MAX_LOG_BYTES) : buf
      return [{ name: `logs/${name}`, data: Buffer.from(redactText(tail.toString('utf8'))), mtime: st.mtime }]
    } catch {
      return [{ name: `logs/${name}.unreadable`, data: Buffer.alloc(0), mtime }]
    }
  })
}

export function exportSupportBundle(input: SupportBundleInput): { file: string; entries: string[] } {
  const now = input.now ?? new Date()
  const json = (v: unknown): Buffer => Buffer.from(`${redactText(JSON.stringify(redactValue(v), null, 2))}\n`)
  const versions = {
    node: process.versions.node,
    electron: process.versions.electron ?? null,
    platform: platform(),
    osRelease: release(),
    arch: arch(),
    ...input.versions
  }
  const entries: TarEntry[] = [
    {
      name: 'README.txt',
      data: Buffer.from(
        `ECCS support bundle, created ${now.toISOString()}.\n` +
          'Contents: versions.json, doctor.json (environment check), policy-in-effect.json, logs/.\n' +
          'National ID numbers are masked (A12****789); PINs, passwords and tokens are removed.\n'
      ),
      mtime: now
    },
    { name: 'versions.json', data: json(versions), mtime: now },
    { name: 'doctor.json', data: json(input.doctor ?? { note: 'no environment check was run' }), mtime: now },
    {
      name: 'policy-in-effect.json',
      data: json(input.settings ? describeSettings(input.settings) : { note: 'settings not available' }),
      mtime: now
    },
    ...logEntries(input.logDir, now)
  ]
  mkdirSync(dirname(input.outFile), { recursive: true })
  writeFileSync(input.outFile, gzipSync(tar(entries)), { mode: 0o600 })
  return { file: input.outFile, entries: entries.map((e) => e.name) }
}
