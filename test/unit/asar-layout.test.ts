import { createPackageWithOptions, extractFile, listPackage, statFile } from '@electron/asar'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { integrityWorkerModule } from '../../src/main/cache/background-check'
import { defaultWorkerEntry } from '../../src/main/card/pkcs11-client'
import { ensureBuilt, root } from '../electron-standin/ensure-built'

// The packaged app runs from resources/app.asar with native bindings in app.asar.unpacked
// (electron-builder.yml: asar + asarUnpack "**/*.node"). Plain Node cannot read an asar, so this
// test builds that layout with @electron/asar from the real build output and dependencies, and
// runs the two workers' file resolution against the archive's own index: the PKCS#11 worker
// script and the integrity worker's better-sqlite3 must be found inside app.asar, every module
// they load must be there, and every .node binding must be unpacked next to it.

const tmp = mkdtempSync(join(tmpdir(), 'eccs-asar-'))
const resources = join(tmp, 'resources')
const archive = join(resources, 'app.asar')
const unpacked = `${archive}.unpacked`
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** Path inside the archive (POSIX, no leading slash) for an absolute path under app.asar, else null. */
function inArchive(p: string): string | null {
  if (p === archive) return ''
  return p.startsWith(archive + sep) ? relative(archive, p).split(sep).join('/') : null
}

/** fs.existsSync as Electron's asar-aware fs answers it. */
function exists(p: string): boolean {
  const rel = inArchive(p)
  if (rel === null) return existsSync(p)
  try {
    statFile(archive, rel)
    return true
  } catch {
    return false
  }
}

function readInArchive(p: string): string {
  return extractFile(archive, inArchive(p) as string).toString('utf8')
}

/** Node's package resolution (node_modules walk, package.json main) over the asar-aware fs. */
function resolveFrom(dir: string, id: string): string {
  for (let d = dir; ; d = dirname(d)) {
    const pkgDir = join(d, 'node_modules', id)
    if (exists(join(pkgDir, 'package.json'))) {
      const main = (JSON.parse(readInArchive(join(pkgDir, 'package.json'))) as { main?: string }).main ?? 'index.js'
      for (const c of [join(pkgDir, main), `${join(pkgDir, main)}.js`, join(pkgDir, main, 'index.js')])
        if (exists(c) && !exists(join(c, 'package.json')) && /\.(js|cjs|json)$/.test(c)) return c
    }
    if (dirname(d) === d) throw new Error(`Cannot find module '${id}' from ${dir}`)
  }
}

const requires = (code: string): string[] =>
  [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1] as string)
const isBuiltin = (id: string): boolean => id.startsWith('node:') || builtinModules.includes(id)

/** Every module a file requires, transitively (JS only), resolved inside the archive. */
function closure(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen
  seen.add(entry)
  for (const id of requires(readInArchive(entry))) {
    if (isBuiltin(id) || id === 'electron') continue
    if (id.endsWith('.node')) continue // bindings loaded by path: checked separately
    const target = id.startsWith('.')
      ? [join(dirname(entry), id), `${join(dirname(entry), id)}.js`, join(dirname(entry), id, 'index.js')].find(
          (c) => exists(c) && /\.(js|json)$/.test(c)
        )
      : resolveFrom(dirname(entry), id)
    if (!target) throw new Error(`${entry}: cannot resolve ${id} inside app.asar`)
    if (target.endsWith('.js')) closure(target, seen)
  }
  return seen
}

beforeAll(async () => {
  ensureBuilt()
  // The app folder electron-builder packs: out/**, package.json, production node_modules (here
  // only the two workers' native dependencies and theirs).
  const app = join(tmp, 'app')
  cpSync(join(root, 'out'), join(app, 'out'), { recursive: true })
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'eccs-client', main: 'out/main/index.js' }))
  for (const pkg of ['pkcs11js', 'better-sqlite3', 'bindings', 'file-uri-to-path']) {
    cpSync(join(root, 'node_modules', pkg), join(app, 'node_modules', pkg), {
      recursive: true,
      filter: (src) =>
        !/[\\/](obj|obj\.target|deps|src|test)([\\/]|$)/.test(relative(join(root, 'node_modules', pkg), src)) &&
        !src.endsWith('.a')
    })
  }
  const builder = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as {
    asar: boolean
    asarUnpack: string[]
  }
  expect(builder.asar).toBe(true)
  expect(builder.asarUnpack).toEqual(['**/*.node'])
  mkdirSync(resources, { recursive: true })
  await createPackageWithOptions(app, archive, { unpack: '*.node' })
}, 240_000)

describe('workers inside the asar layout', () => {
  it('the PKCS#11 worker resolves to the built script inside app.asar, and all it loads is there', () => {
    const mainDir = join(archive, 'out', 'main')
    const entry = defaultWorkerEntry(mainDir, exists)
    expect(entry).toEqual({ script: join(mainDir, 'pkcs11-worker.js'), eval: false })
    // From the chunk folder too (code bundled into out/main/chunks resolves one folder up).
    expect(defaultWorkerEntry(join(mainDir, 'chunks'), exists)).toEqual(entry)
    const loaded = [...closure(entry.script)].map((f) => inArchive(f))
    expect(loaded).toContain('node_modules/pkcs11js/index.js')
    // …and without the build, the resolution fails loudly instead of pointing at nothing.
    expect(() => defaultWorkerEntry(join(archive, 'nowhere'), exists)).toThrow(/pkcs11-worker not found/)
  })

  it('the integrity worker loads better-sqlite3 from inside app.asar by absolute path', () => {
    const chunks = join(archive, 'out', 'main', 'chunks')
    const module = integrityWorkerModule(chunks, (id) => resolveFrom(chunks, id))
    expect(inArchive(module)).toBe('node_modules/better-sqlite3/lib/index.js')
    const loaded = [...closure(module)].map((f) => inArchive(f))
    expect(loaded).toEqual(
      expect.arrayContaining(['node_modules/better-sqlite3/lib/database.js', 'node_modules/bindings/bindings.js'])
    )
  })

  it('every native binding is unpacked next to the archive, and none is left packed only', () => {
    const natives = listPackage(archive, { isPack: false })
      .filter((f) => f.endsWith('.node'))
      .map((f) =>
        f
          .replace(/^[\\/]/, '')
          .split(sep)
          .join('/')
      )
    expect(natives).toEqual(
      expect.arrayContaining([
        'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        'node_modules/pkcs11js/build/Release/pkcs11.node'
      ])
    )
    for (const f of natives) {
      expect((statFile(archive, f) as { unpacked?: boolean }).unpacked, f).toBe(true)
      expect(existsSync(join(unpacked, f)), f).toBe(true)
    }
    // The JavaScript stays packed (covered by ASAR integrity), only bindings are outside.
    expect((statFile(archive, 'out/main/pkcs11-worker.js') as { unpacked?: boolean }).unpacked).toBeFalsy()
  })
})
