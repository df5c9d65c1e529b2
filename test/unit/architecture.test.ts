import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

// Architecture rules that code review alone would let slip: who may import `electron`, the
// renderer never reaching into main or Node, server-mock never reaching into test/, and no import
// cycles anywhere in src/.

const root = join(__dirname, '../..')
const src = join(root, 'src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return files(p)
    return /\.(ts|vue)$/.test(name) && !name.endsWith('.d.ts') ? [p] : []
  })
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)
  ].map((m) => (m[1] ?? m[2]) as string)
}

function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null
  const base = resolve(dirname(from), spec)
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // try the next spelling
    }
  }
  return null
}

const all = files(src)
const rel = (f: string): string => relative(root, f)

describe('architecture', () => {
  it('only the Electron shell and the preload import electron', () => {
    const importers = all
      .filter((f) => imports(f).includes('electron'))
      .map(rel)
      .sort()
    expect(importers).toEqual(['src/main/index.ts', 'src/preload/index.ts'])
  })

  it('the renderer imports neither main-process code nor Node built-ins', () => {
    for (const f of all.filter((f) => rel(f).startsWith('src/renderer/'))) {
      for (const spec of imports(f)) {
        const target = resolveLocal(f, spec)
        if (target) expect(rel(target), `${rel(f)} → ${spec}`).toMatch(/^src\/(renderer|shared)\//)
        else
          expect(spec, `${rel(f)} → ${spec}`).not.toMatch(
            /^(node:|fs$|path$|child_process$|electron$|pkcs11js|pcsclite|better-sqlite3)/
          )
      }
    }
  })

  // Pure libraries that run in the renderer, main and server-mock alike: zod for schemas,
  // taiwan-id-validator for identity numbers, date-fns + @date-fns/tz for the one Taipei date/time rule.
  const SHARED_LIBRARIES = ['zod', 'taiwan-id-validator', 'date-fns', '@date-fns/tz']
  it(`shared code depends on nothing but itself and ${SHARED_LIBRARIES.join(', ')}`, () => {
    for (const f of all.filter((f) => rel(f).startsWith('src/shared/'))) {
      for (const spec of imports(f)) {
        const target = resolveLocal(f, spec)
        if (target) expect(rel(target)).toMatch(/^src\/shared\//)
        else expect(SHARED_LIBRARIES, `${rel(f)} → ${spec}`).toContain(spec)
      }
    }
  })

  // server-mock stands beside the app as the platform's stand-in: the rig and the E2E tests start it,
  // never the other way round (the test PKI it needs lives in server-mock/test-pki.ts).
  it('server-mock imports nothing from test/', () => {
    const mockFiles = files(join(root, 'server-mock'))
    expect(mockFiles.length).toBeGreaterThan(10)
    for (const f of mockFiles) {
      for (const spec of imports(f)) {
        const target = resolveLocal(f, spec) ?? (spec.startsWith('.') ? resolve(dirname(f), spec) : null)
        if (target) expect(rel(target), `${rel(f)} → ${spec}`).not.toMatch(/^test\//)
      }
    }
  })

  // The card layer is put together in one place (card/card-layer.ts createCardLayer) for the app, the
  // CLI and the tests: nothing in src/ outside card/ reaches the worker, the monitor or the signer.
  it('only card/ wires the card layer', () => {
    const wiring =
      /^src\/main\/card\/(pkcs11-client|pkcs11-ops|pkcs11-worker|worker-protocol|reader-monitor|card-signer)\.ts$/
    for (const f of all.filter((f) => !rel(f).startsWith('src/main/card/'))) {
      for (const spec of imports(f)) {
        const target = resolveLocal(f, spec)
        if (target) expect(rel(target), `${rel(f)} → ${spec}`).not.toMatch(wiring)
      }
    }
  })

  // Each main folder has one public face: other folders (and server-mock) import its index.ts only,
  // so a folder's files can change shape without reaching into the rest. Tests and benches may
  // reach a folder's internals to test them.
  const FACED = ['card', 'pki', 'api', 'cache', 'policy', 'core', 'logging', 'net']
  it(`${FACED.join('/, ')}/ are imported only through their index.ts`, () => {
    for (const folder of FACED)
      expect(statSync(join(src, 'main', folder, 'index.ts')).isFile(), `src/main/${folder}/index.ts`).toBe(true)
    const importers = [...all, ...files(join(root, 'server-mock'))]
    const deep: string[] = []
    for (const f of importers) {
      for (const spec of imports(f)) {
        const target = resolveLocal(f, spec)
        const m = target ? /^src\/main\/([a-z-]+)\/(.+)$/.exec(rel(target)) : null
        if (!m || !FACED.includes(m[1] as string) || m[2] === 'index.ts') continue
        if (rel(f).startsWith(`src/main/${m[1]}/`)) continue // inside the folder
        deep.push(`${rel(f)} → ${spec}`)
      }
    }
    expect(deep).toEqual([])
  })

  it('the Electron shell takes nothing from the web host', () => {
    const shell = join(src, 'main/index.ts')
    const targets = imports(shell)
      .map((s) => resolveLocal(shell, s))
      .filter((t): t is string => t !== null)
      .map(rel)
    expect(targets).toContain('src/shared/csp.ts')
    expect(targets.filter((t) => t.startsWith('src/main/webhost/'))).toEqual([])
  })

  it('has no import cycles', () => {
    const graph = new Map(
      all.map((f) => [
        f,
        imports(f)
          .map((s) => resolveLocal(f, s))
          .filter((t): t is string => t !== null)
      ])
    )
    const state = new Map<string, 'visiting' | 'done'>()
    const cycles: string[] = []
    const visit = (f: string, stack: string[]): void => {
      if (state.get(f) === 'done') return
      if (state.get(f) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(f)), f].map(rel).join(' → '))
        return
      }
      state.set(f, 'visiting')
      for (const t of graph.get(f) ?? []) visit(t, [...stack, f])
      state.set(f, 'done')
    }
    for (const f of all) visit(f, [])
    expect(cycles).toEqual([])
  })
})
