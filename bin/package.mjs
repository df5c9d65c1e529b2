#!/usr/bin/env node
// Packaging: a release build of the bundles (ECCS_RELEASE=1 compiles the test-anchor code path
// out), then electron-builder with electron-builder.yml, then the Node build of the native modules
// back in place (electron-builder rebuilds them for Electron inside node_modules).
//   node bin/package.mjs              installers for this OS
//   node bin/package.mjs --dir        unpacked app only (smoke build)
//   node bin/package.mjs --linux deb  any electron-builder CLI arguments
// Signing and notarization read their secrets from the environment only (docs/deployment.md).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name)

function run(cmd, args, env = {}) {
  console.log(`> ${[cmd, ...args].join(' ')}`)
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
    shell: process.platform === 'win32'
  })
  return r.status ?? 1
}

let code = run(bin('electron-vite'), ['build'], { ECCS_RELEASE: '1' })
if (code === 0)
  code = run(bin('electron-builder'), [
    '--config',
    'electron-builder.yml',
    '--publish',
    'never',
    ...process.argv.slice(2)
  ])
const native = join(root, 'scripts', 'native.mjs')
if (existsSync(native)) run(process.execPath, [native, 'use', 'node'])
process.exit(code)
