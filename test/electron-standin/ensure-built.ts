import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

// Tests of the BUILT main bundle (out/main) need an up-to-date build. `npm test` builds before
// vitest (the attempted start); a single test file run alone builds here when out/ is missing or
// older than src/.

export const root = join(__dirname, '../..')

function newest(dir: string): number {
  let t = 0
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const st = statSync(p)
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs)
  }
  return t
}

/** Runs `electron-vite build` when out/main/index.js is missing or older than any file in src/. */
export function ensureBuilt(): void {
  const built = join(root, 'out/main/index.js')
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, 'src'))) return
  console.log('out/ missing or older than src/: running electron-vite build')
  const r = spawnSync(join(root, 'node_modules/.bin/electron-vite'), ['build'], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) throw new Error('electron-vite build failed')
}
