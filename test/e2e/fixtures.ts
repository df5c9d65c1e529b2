import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { test as base } from '@playwright/test'
import { startRig, type Rig, type RigOptions } from '../rig/rig'

// A worker-scoped app: the rig (pcscd, virtual cards, SoftHSM card, optionally server-mock) plus
// the built web host (`out/main/web-host.js`, i.e. the real main-process core) using it.

export interface RunningApp {
  rig: Rig
  appUrl: string
  process: ChildProcess
}

/**
 * Starts the built web host on the rig. Each App URL opens one page (its token is single use);
 * the host prints the next one after each use, and `appUrl` always reads the newest printed.
 */
export async function startWebHostOnRig(
  rig: Rig,
  extraEnv: Record<string, string> = {}
): Promise<{ readonly appUrl: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(__dirname, '../../out/main/web-host.js')], {
    env: { ...process.env, ...rig.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  let latest = ''
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
    const lines = out.split('\n')
    out = lines.pop() ?? ''
    for (const line of lines) {
      const m = /App URL: (\S+)/.exec(line)
      if (m?.[1]) latest = m[1]
    }
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web host did not print its URL; stderr: ${stderr}`)), 20_000)
    const poll = setInterval(() => {
      if (!latest) return
      clearTimeout(timer)
      clearInterval(poll)
      resolve()
    }, 20)
    child.once('exit', (code) => {
      clearInterval(poll)
      reject(new Error(`web host exited (${code}); stderr: ${stderr}`))
    })
  })
  return {
    get appUrl() {
      return latest
    },
    child
  }
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** `hostEnv` adds environment for the web host, e.g. { ECCS_DEMO: '1' } as `npm start` sets it. */
export function appTest(rigOptions: RigOptions = {}, hostEnv: Record<string, string> = {}) {
  return base.extend<object, { app: RunningApp }>({
    app: [
      async ({}, use) => {
        const rig = await startRig(rigOptions)
        let child: ChildProcess | null = null
        try {
          const started = await startWebHostOnRig(rig, hostEnv)
          child = started.child
          await use({
            rig,
            get appUrl() {
              return started.appUrl
            },
            process: started.child
          })
        } finally {
          if (child) await stopChild(child)
          await rig.stop()
        }
      },
      { scope: 'worker' }
    ]
  })
}
