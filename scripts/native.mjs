#!/usr/bin/env node
// Keeps per-runtime builds of the non-N-API native modules side by side and selects one.
//
//   node scripts/native.mjs use node       before tests / the web host (Node's ABI)
//   node scripts/native.mjs use electron   before launching Electron (Electron's ABI)
//   node scripts/native.mjs status
//
// Builds are cached in .native/<runtime>-<abi>-<platform>-<arch>/<module>@<version>/ and copied
// into node_modules/<module>/build/Release/ on switch, so `npm start`, `npm test`, `npm start`
// never rebuild twice. pkcs11js is N-API (one binary serves both runtimes) and is left alone.
//
// Pitfall this guards against: an npm config `nodedir` (set on some machines) makes node-gyp build
// against Node's headers even when asked for Electron. The Electron build therefore runs with every
// npm_config_nodedir variable removed, and the result is verified by loading it in Node: it must
// fail with Electron's NODE_MODULE_VERSION, otherwise the build is rejected. The Node build gets the
// running Node's own headers (`<prefix>/include/node`, shipped by the official Node packages that
// .ci/node.sh installs) as nodedir, so a machine-wide nodedir for another Node (e.g. /usr with Node
// 20's headers) cannot give it the wrong ABI either, and nothing is downloaded.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const MODULES = [
  { name: 'pcsclite', file: 'pcsclite.node' },
  { name: 'better-sqlite3', file: 'better_sqlite3.node' }
]
const MARKER = '.eccs-runtime'

function moduleDir(name) {
  return join(root, 'node_modules', name)
}
function moduleVersion(name) {
  return JSON.parse(readFileSync(join(moduleDir(name), 'package.json'), 'utf8')).version
}
function binaryPath(mod) {
  return join(moduleDir(mod.name), 'build', 'Release', mod.file)
}
function markerPath(mod) {
  return join(moduleDir(mod.name), 'build', 'Release', MARKER)
}

export function electronVersion() {
  return JSON.parse(readFileSync(join(moduleDir('electron'), 'package.json'), 'utf8')).version
}
export function electronAbi() {
  const { getAbi } = require('node-abi')
  return getAbi(electronVersion(), 'electron')
}
function target(runtime) {
  const abi = runtime === 'node' ? process.versions.modules : electronAbi()
  return { runtime, abi, key: `${runtime}-${abi}-${process.platform}-${process.arch}` }
}
function cachePath(t, mod) {
  return join(root, '.native', t.key, `${mod.name}@${moduleVersion(mod.name)}`, mod.file)
}
function currentKey(mod) {
  return existsSync(markerPath(mod)) ? readFileSync(markerPath(mod), 'utf8').trim() : null
}

/** Loads the binary in a child Node; returns null on success or the load error message. */
function loadError(file) {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { encoding: 'utf8' })
  return r.status === 0 ? null : r.stderr || 'load failed'
}

function install(t, mod) {
  const from = cachePath(t, mod)
  mkdirSync(dirname(binaryPath(mod)), { recursive: true })
  copyFileSync(from, binaryPath(mod))
  writeFileSync(markerPath(mod), t.key)
}

function save(t, mod) {
  const to = cachePath(t, mod)
  mkdirSync(dirname(to), { recursive: true })
  copyFileSync(binaryPath(mod), to)
  writeFileSync(markerPath(mod), t.key)
}

function cleanEnv() {
  const env = { ...process.env }
  for (const k of Object.keys(env))
    if (/^npm_config_(nodedir|node_gyp|target|runtime|disturl|dist_url)$/i.test(k)) delete env[k]
  return env
}

/**
 * The running Node's install prefix when it carries headers of exactly this version (official
 * builds and the npm `node-<os>-<arch>` packages do: `<prefix>/include/node/node_version.h`), else null.
 */
export function ownNodeDir() {
  const prefix = resolve(dirname(process.execPath), '..')
  const header = join(prefix, 'include', 'node', 'node_version.h')
  if (!existsSync(header)) return null
  const h = readFileSync(header, 'utf8')
  const part = (name) => h.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`))?.[1]
  return `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === process.version ? prefix : null
}

function build(t, mod) {
  const gyp = require.resolve('node-gyp/bin/node-gyp.js')
  const args = ['rebuild', '--release']
  let env = process.env
  if (t.runtime === 'node') {
    const nodedir = ownNodeDir()
    env = cleanEnv()
    if (nodedir) args.push(`--nodedir=${nodedir}`)
  }
  if (t.runtime === 'electron') {
    args.push(
      `--target=${electronVersion()}`,
      `--arch=${process.arch}`,
      '--dist-url=https://electronjs.org/headers',
      '--runtime=electron'
    )
    env = {
      ...cleanEnv(),
      npm_config_runtime: 'electron',
      npm_config_target: electronVersion(),
      npm_config_disturl: 'https://electronjs.org/headers'
    }
  }
  console.log(`native: building ${mod.name} for ${t.key} …`)
  const r = spawnSync(process.execPath, [gyp, ...args], {
    cwd: moduleDir(mod.name),
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8'
  })
  if (r.status !== 0)
    throw new Error(`building ${mod.name} for ${t.key} failed:\n${(r.stderr || '').split('\n').slice(-15).join('\n')}`)
  const err = loadError(binaryPath(mod))
  if (t.runtime === 'node' && err) throw new Error(`${mod.name} built for Node does not load: ${err}`)
  if (t.runtime === 'electron') {
    // Must be refused by Node *because of Electron's ABI*; anything else means a wrong build.
    if (!err || !err.includes(`NODE_MODULE_VERSION ${t.abi}`)) {
      throw new Error(
        `${mod.name}: the "Electron" build is not for ABI ${t.abi} (is npm's nodedir forcing Node headers?)`
      )
    }
  }
  save(t, mod)
}

export function use(runtime) {
  const t = target(runtime)
  for (const mod of MODULES) {
    if (!existsSync(moduleDir(mod.name))) continue
    const cur = currentKey(mod)
    if (cur === t.key && existsSync(binaryPath(mod))) continue
    // A fresh `npm ci` leaves an unmarked binary built for the Node that ran npm: adopt it.
    if (cur === null && runtime === 'node' && existsSync(binaryPath(mod)) && !loadError(binaryPath(mod))) {
      save(t, mod)
      continue
    }
    // Keep what is installed now before replacing it, so switching back is a copy.
    if (cur === null && existsSync(binaryPath(mod)) && !loadError(binaryPath(mod))) save(target('node'), mod)
    if (existsSync(cachePath(t, mod))) {
      install(t, mod)
      continue
    }
    try {
      build(t, mod)
    } catch (err) {
      // node-gyp wiped build/ before failing: put the Node build back so tests keep working.
      const nodeBuild = target('node')
      if (runtime !== 'node' && existsSync(cachePath(nodeBuild, mod))) install(nodeBuild, mod)
      throw err
    }
  }
  return t
}

function status() {
  for (const mod of MODULES) console.log(`${mod.name}: ${currentKey(mod) ?? 'unmarked (as installed by npm)'}`)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, runtime] = process.argv.slice(2)
  try {
    if (cmd === 'use' && (runtime === 'node' || runtime === 'electron')) {
      const t = use(runtime)
      console.log(`native: modules set for ${t.key}`)
    } else if (cmd === 'status') status()
    else {
      console.error('usage: native.mjs use node|electron | status')
      process.exit(2)
    }
  } catch (err) {
    console.error(`native: ${err.message}`)
    process.exit(1)
  }
}
