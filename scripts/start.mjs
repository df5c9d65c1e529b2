#!/usr/bin/env node
// `npm start` / `npm run start:web`: build, bring up the demo environment when no platform is
// configured, then open the app in Electron — or, where no Electron binary can be had, serve the
// same renderer over the same main-process core through the loopback web host.
//
//   --web     always use the web host      --smoke   start, check the app answers, stop (tests)
//   --no-build  skip `electron-vite build`
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { use as useNative } from './native.mjs'
import { projectNode } from './project-node.mjs'

projectNode()
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = new Set(process.argv.slice(2))
const children = []
let stopping = false

function log(line) {
  console.log(line)
}

function electronBinary() {
  const dir = join(root, 'node_modules', 'electron')
  const pathFile = join(dir, 'path.txt')
  if (!existsSync(pathFile)) return null
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(bin) ? bin : null
}

/** Electron 45 downloads its binary on first use; try once, quietly, with a time limit. */
function tryInstallElectron() {
  const installer = join(root, 'node_modules', 'electron', 'install.js')
  if (!existsSync(installer)) return 'electron package not installed'
  const r = spawnSync(process.execPath, [installer], { cwd: root, encoding: 'utf8', timeout: 180_000 })
  if (electronBinary()) return null
  const text = `${r.stderr || ''}${r.error ? r.error.message : ''}`
  const reason = text.split('\n').find((l) => /Error|ENOTFOUND|EAI_AGAIN|ECONN|timed out/i.test(l)) || 'download failed'
  return reason.trim().slice(0, 160)
}

function spawnChild(cmd, argv, env, onLine, stdin = 'ignore') {
  const child = spawn(cmd, argv, { cwd: root, env, stdio: [stdin, 'pipe', 'inherit'] })
  children.push(child)
  let buf = ''
  child.stdout.on('data', (chunk) => {
    buf += chunk.toString('utf8')
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      if (!onLine(line)) process.stdout.write(`${line}\n`)
    }
  })
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${argv.at(-1) ?? cmd} exited (${signal ?? code}); stopping.`)
      shutdown(code ?? 1)
    }
  })
  return child
}

/**
 * Starts test/rig/demo.ts (virtual reader + SoftHSM cards + server-mock) and returns its env. The
 * demo reads this terminal: Enter swaps the card in the virtual reader (its DEMO CONTROL).
 */
function startDemo() {
  return new Promise((resolveEnv, reject) => {
    const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')
    const timer = setTimeout(() => reject(new Error('demo environment did not start within 120 s')), 120_000)
    const child = spawnChild(
      process.execPath,
      [tsx, join(root, 'test', 'rig', 'demo.ts')],
      process.env,
      (line) => {
        if (!line.startsWith('DEMO_ENV ')) return false
        clearTimeout(timer)
        resolveEnv(JSON.parse(line.slice('DEMO_ENV '.length)))
        return true
      },
      'inherit'
    )
    child.once('exit', () => reject(new Error('demo environment exited during start-up')))
  })
}

/** The page loads, its single-use token opens a page session, and the session reaches the core. */
async function smokeCheck(appUrl) {
  const url = new URL(appUrl)
  const page = await fetch(url)
  const html = await page.text()
  const opened = await fetch(new URL('/session', url), {
    method: 'POST',
    headers: { 'x-eccs-bridge': '1', 'x-eccs-token': url.searchParams.get('token') || '' }
  })
  const { session } = opened.ok ? await opened.json() : {}
  const info = await fetch(new URL('/ipc/app:getInfo', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-eccs-bridge': '1', 'x-eccs-session': String(session) },
    body: '{}'
  })
  const answer = info.ok ? await info.json() : {}
  if (page.status !== 200 || !html.includes('<div id="app">') || !session || answer.ok !== true) {
    throw new Error(`web host answered ${page.status}/${opened.status}/${info.status}`)
  }
}

function shutdown(code) {
  if (stopping) return
  stopping = true
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
  const deadline = setTimeout(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
    process.exit(code)
  }, 5000)
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() => {
    clearTimeout(deadline)
    process.exit(code)
  })
}

async function main() {
  process.on('SIGINT', () => shutdown(0))
  process.on('SIGTERM', () => shutdown(0))

  if (!args.has('--no-build')) {
    const b = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] }
    )
    if (b.status !== 0) throw new Error('electron-vite build failed')
  }

  let env = { ...process.env }
  if (!env.ECCS_API_URL) {
    const demo = await startDemo()
    env = { ...env, ...demo, ECCS_DEMO: '1' }
  }

  let electron = null
  if (!args.has('--web')) {
    electron = electronBinary()
    if (!electron) {
      const why = tryInstallElectron()
      electron = electronBinary()
      if (!electron)
        log(`Electron binary not available (${why}); serving the same app through the loopback web host instead.`)
    }
  }
  if (electron) {
    try {
      useNative('electron')
    } catch (err) {
      log(
        `Native modules could not be built for Electron (${err.message.split('\n')[0]}); using the loopback web host instead.`
      )
      electron = null
    }
  }

  if (electron) {
    spawnChild(electron, ['.'], env, () => false)
    return
  }
  useNative('node')
  let smokeStarted = false
  spawnChild(process.execPath, [join(root, 'out', 'main', 'web-host.js')], env, (line) => {
    if (!line.startsWith('App URL: ')) return false
    log(line)
    if (args.has('--smoke') && !smokeStarted) {
      smokeStarted = true
      smokeCheck(line.slice('App URL: '.length).trim())
        .then(() => {
          log('smoke: the app answered; stopping.')
          shutdown(0)
        })
        .catch((err) => {
          log(`smoke: FAILED: ${err.message}`)
          shutdown(1)
        })
    }
    return true
  })
}

main().catch((err) => {
  console.error(`start: ${err.message}`)
  shutdown(1)
})
