import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// The project is tested on the Node it ships in (Electron 45 → Node 24): the test worker itself,
// and any child started by name (`node`, `#!/usr/bin/env node` tools), must be that Node.
const root = join(__dirname, '../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string }
  devDependencies: Record<string, string>
}
const major = Number(/^\^(\d+)\./.exec(pkg.engines.node)?.[1])

describe('toolchain: the Node inside Electron', () => {
  it('engines, @types/node and the pinned .ci/node.sh agree on one major, 24', () => {
    expect(major).toBe(24)
    expect(pkg.devDependencies['@types/node']).toMatch(/^\^24\./)
    const pinned = /^NODE_VERSION=(\d+)\./m.exec(readFileSync(join(root, '.ci/node.sh'), 'utf8'))?.[1]
    expect(Number(pinned)).toBe(major)
  })

  it('the test worker runs on that major', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(major)
  })

  it('a child started by name finds the same Node first on PATH', () => {
    const childVersion = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim()
    expect(childVersion).toBe(process.version)
  })
})
