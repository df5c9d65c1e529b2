import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
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

/** A development build: devTrustAllowed() compiled to `return true` (a release build has ECCS_POLICY_FILE etc. compiled out). */
function isDevelopmentBuild(): boolean {
  const chunks = join(root, 'out/main/chunks')
  return (
    existsSync(chunks) &&
    readdirSync(chunks).some((f) =>
      /function devTrustAllowed\(\) \{\s*return true;/.test(readFileSync(join(chunks, f), 'utf8'))
    )
  )
}

/**
 * Runs `electron-vite build` (development build) when out/main/index.js is missing, older than any
 * file in src/, or a release build (`npm run package` leaves one behind).
 */
export function ensureBuilt(): void {
  const built = join(root, 'out/main/index.js')
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, 'src')) && isDevelopmentBuild()) return
  console.log('out/ missing, older than src/ or a release build: running electron-vite build')
  const env = { ...process.env }
  delete env.ECCS_RELEASE
  const r = spawnSync(join(root, 'node_modules/.bin/electron-vite'), ['build'], { cwd: root, stdio: 'inherit', env })
  if (r.status !== 0) throw new Error('electron-vite build failed')
}
