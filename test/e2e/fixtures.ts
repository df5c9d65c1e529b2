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

export async function startWebHostOnRig(rig: Rig, extraEnv: Record<string, string> = {}): Promise<{ appUrl: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(__dirname, '../../out/main/web-host.js')], {
    env: { ...process.env, ...rig.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const appUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web host did not print its URL; stderr: ${stderr}`)), 20_000)
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /App URL: (\S+)/.exec(out)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    child.once('exit', (code) => reject(new Error(`web host exited (${code}); stderr: ${stderr}`)))
  })
  return { appUrl, child }
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
          await use({ rig, appUrl: started.appUrl, process: started.child })
        } finally {
          if (child) await stopChild(child)
          await rig.stop()
        }
      },
      { scope: 'worker' }
    ]
  })
}
