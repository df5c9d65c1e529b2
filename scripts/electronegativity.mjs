#!/usr/bin/env node
// Runs Electronegativity over the app's sources and fails on any HIGH or MEDIUM finding that is not
// justified in docs/security.md (table "Electronegativity findings": | CHECK | file | why |).
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, '.tmp', 'electronegativity.csv')
mkdirSync(dirname(out), { recursive: true })
const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version
// Offline preload: see electronegativity-offline.cjs (no network in CI; got 11 + Node 24 crash).
const cli = join(root, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js')
const r = spawnSync(
  process.execPath,
  [
    '--require',
    join(root, 'scripts', 'electronegativity-offline.cjs'),
    cli,
    '-i',
    join(root, 'src'),
    '-r',
    '-v',
    'false',
    '-e',
    electronVersion,
    '-o',
    out
  ],
  {
    cwd: root,
    encoding: 'utf8'
  }
)
if (r.status !== 0) {
  console.error(`electronegativity failed to run:\n${r.stderr}`)
  process.exit(1)
}

// Electronegativity's CSV does not escape quotes or newlines inside the code sample, so read only
// the leading fixed fields of each finding, which never contain either.
const FINDING = /^([A-Z0-9_]+_CHECK),"([A-Z]+)","([A-Z]+)","([^"]+)","(\d+:\d+)"/gm
const findings = [...readFileSync(out, 'utf8').matchAll(FINDING)].map(
  ([, check, severity, confidence, file, location]) => ({
    check,
    severity,
    confidence,
    file,
    location
  })
)

const rowStarts = (readFileSync(out, 'utf8').match(/^[A-Z0-9_]+_CHECK,/gm) ?? []).length
if (rowStarts !== findings.length) {
  console.error(`electronegativity: could not read ${rowStarts - findings.length} of ${rowStarts} findings from ${out}`)
  process.exit(1)
}

const security = readFileSync(join(root, 'docs', 'security.md'), 'utf8')
const justified = new Set(
  [...security.matchAll(/^\|\s*`?([A-Z_]+_CHECK)`?\s*\|\s*`?([^|`]+?)`?\s*\|\s*(.+?)\s*\|$/gm)]
    .filter((m) => m[3].length > 20)
    .map((m) => `${m[1]} ${m[2].trim()}`)
)

let unjustified = 0
for (const f of findings) {
  const serious = f.severity === 'HIGH' || f.severity === 'MEDIUM'
  const ok = !serious || justified.has(`${f.check} ${f.file}`)
  if (!ok) unjustified++
  console.log(
    `${ok ? (serious ? 'justified ' : 'low       ') : 'UNJUSTIFIED'} ${f.severity.padEnd(6)} ${f.check} ${f.file}:${f.location}`
  )
}
console.log(
  `electronegativity: ${findings.length} findings, ${unjustified} HIGH/MEDIUM without a justification in docs/security.md`
)
process.exit(unjustified ? 1 : 0)
