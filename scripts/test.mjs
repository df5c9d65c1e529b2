#!/usr/bin/env node
// `npm test`: the whole suite, as CI runs it.
//   1. typecheck (vue-tsc, strict), ESLint, Prettier --check, knip, Electronegativity   2. native modules for Node's ABI
//   3. `npm start --smoke`: an attempted start (Electron if it can be had, else the web host) —
//      proves the tests below still pass after a start switched native modules
//   4. vitest: unit + integration on the rig  5. Playwright E2E in Debian Chromium
//   6. Electron smoke tests where the Electron binary exists (else one "skipped" line)
//   7. no rig process (pcscd, web host, server-mock, demo) may survive
// Ends with one summary line: "total: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { projectNode } from './project-node.mjs'

projectNode()
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const out = join(root, '.tmp', 'test-results')
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

const totals = { passed: 0, failed: 0, skipped: 0 }
const failedSteps = []

function step(name, cmd, args, env = {}) {
  console.log(`\n=== ${name} ===`)
  const t0 = Date.now()
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  console.log(
    `=== ${name}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s ===`
  )
  if (r.status !== 0) failedSteps.push(name)
  return r.status === 0
}

function countVitest(file) {
  if (!existsSync(file)) return false
  const j = JSON.parse(readFileSync(file, 'utf8'))
  totals.passed += j.numPassedTests ?? 0
  totals.failed += j.numFailedTests ?? 0
  totals.skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0)
  return true
}

function countPlaywright(file) {
  if (!existsSync(file)) return false
  const s = JSON.parse(readFileSync(file, 'utf8')).stats ?? {}
  totals.passed += (s.expected ?? 0) + (s.flaky ?? 0)
  totals.failed += s.unexpected ?? 0
  totals.skipped += s.skipped ?? 0
  return true
}

function leftovers() {
  const r = spawnSync('pgrep', ['-af', 'eccs-rig-|out/main/web-host.js|test/rig/demo.ts|server-mock/cli.ts'], {
    encoding: 'utf8'
  })
  return (r.stdout || '').split('\n').filter((l) => l.trim() && !l.includes('pgrep'))
}

// The Node every step runs on (children find it first on PATH): the Node major inside Electron.
step('node --version', 'node', ['--version'])
step('typecheck', 'npm', ['run', '--silent', 'typecheck'])
step('lint (ESLint)', 'npm', ['run', '--silent', 'lint'])
step('format (Prettier --check)', 'npm', ['run', '--silent', 'format:check'])
step('unused files, exports, dependencies (knip)', 'npm', ['run', '--silent', 'knip'])
step('electronegativity (no unjustified HIGH/MEDIUM)', process.execPath, [
  join(root, 'scripts', 'electronegativity.mjs')
])
step('native modules for Node', process.execPath, [join(root, 'scripts', 'native.mjs'), 'use', 'node'])
step('attempted npm start (smoke)', process.execPath, [join(root, 'scripts', 'start.mjs'), '--smoke'])
step('vitest (unit + rig integration)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${join(out, 'vitest.json')}`
])
if (!countVitest(join(out, 'vitest.json'))) failedSteps.push('vitest produced no report')
step('playwright (E2E in Debian Chromium)', bin('playwright'), ['test', '--reporter=list,json'], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: join(out, 'playwright.json')
})
if (!countPlaywright(join(out, 'playwright.json'))) failedSteps.push('playwright produced no report')

// Electron smoke tests need the Electron binary, which Electron 45 downloads on first use.
const electronPathFile = join(root, 'node_modules', 'electron', 'path.txt')
const electronBin = existsSync(electronPathFile)
  ? join(root, 'node_modules', 'electron', 'dist', readFileSync(electronPathFile, 'utf8').trim())
  : null
if (electronBin && existsSync(electronBin)) {
  const ready = step('native modules for Electron', process.execPath, [
    join(root, 'scripts', 'native.mjs'),
    'use',
    'electron'
  ])
  if (ready) {
    step(
      'playwright (Electron smoke)',
      bin('playwright'),
      ['test', '-c', 'test/electron/playwright.config.ts', '--reporter=list,json'],
      {
        PLAYWRIGHT_JSON_OUTPUT_NAME: join(out, 'electron.json')
      }
    )
    if (!countPlaywright(join(out, 'electron.json'))) failedSteps.push('electron smoke produced no report')
  }
  step('native modules back to Node', process.execPath, [join(root, 'scripts', 'native.mjs'), 'use', 'node'])
} else {
  console.log('\n=== Electron smoke ===\nskipped: no Electron binary')
}

const left = leftovers()
console.log('\n=== leftover rig processes ===')
if (left.length) {
  console.log(left.join('\n'))
  failedSteps.push('rig processes survived the run')
  totals.failed += 1
} else console.log('none')

if (failedSteps.length) console.log(`\nfailed steps: ${failedSteps.join('; ')}`)
console.log(`\ntotal: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
process.exit(failedSteps.length || totals.failed ? 1 : 0)
