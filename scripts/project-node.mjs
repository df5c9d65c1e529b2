// The project runs and is tested on the Node major inside Electron (package.json `engines.node`,
// installed by .ci/node.sh). `npm test` and `npm start` call projectNode() first.
import { readFileSync } from 'node:fs'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The Node major that package.json's `engines.node` (`^MAJOR.MINOR.PATCH`) asks for. */
export function requiredNodeMajor() {
  const range = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node ?? ''
  const m = /^\^(\d+)\./.exec(range)
  if (!m) throw new Error(`package.json engines.node must be "^MAJOR.MINOR.PATCH", got ${JSON.stringify(range)}`)
  return Number(m[1])
}

/**
 * Exits 1 with the fix when this Node is not the project's major; otherwise puts this Node's
 * directory first on PATH, so that every child started by name (`node`, `npx`, `#!/usr/bin/env node`
 * scripts in node_modules/.bin: vitest, tsx, playwright) runs on the same Node as this script.
 */
export function projectNode() {
  const major = requiredNodeMajor()
  if (Number(process.versions.node.split('.')[0]) !== major) {
    console.error(
      `This project runs on Node ${major} (the Node inside Electron), not ${process.version}.\n` +
        `Get it with:  eval "$(bash .ci/node.sh --env)"   (installs it from the npm registry into .tools/node)`
    )
    process.exit(1)
  }
  const bin = dirname(process.execPath)
  const parts = (process.env.PATH ?? '').split(delimiter).filter((p) => p && p !== bin)
  process.env.PATH = [bin, ...parts].join(delimiter)
}
