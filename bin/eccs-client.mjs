#!/usr/bin/env node
// eccs-client — IT command line (doctor, policy validate, verify-cert, support-bundle).
// In a checkout (src/ present) it runs the TypeScript source through tsx, so it works right after
// `npm ci` with no build; elsewhere it runs the built out/main/cli.js.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const source = join(root, 'src', 'main', 'cli.ts')
const built = join(root, 'out', 'main', 'cli.js')

if (existsSync(source)) {
  require('tsx/cjs')
  require(source).main()
} else if (existsSync(built)) {
  require(built).main()
} else {
  process.stderr.write('eccs-client: neither src/main/cli.ts nor out/main/cli.js found\n')
  process.exit(2)
}
