import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

// Architecture rules that code review alone would let slip: who may import `electron`, the
// renderer never reaching into main or Node, and no import cycles anywhere in src/.

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
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2]) as string
  )
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
    const importers = all.filter((f) => imports(f).includes('electron')).map(rel).sort()
    expect(importers).toEqual(['src/main/index.ts', 'src/preload/index.ts'])
  })

  it('the renderer imports neither main-process code nor Node built-ins', () => {
    for (const f of all.filter((f) => rel(f).startsWith('src/renderer/'))) {
      for (const spec of imports(f)) {
        const target = resolveLocal(f, spec)
        if (target) expect(rel(target), `${rel(f)} → ${spec}`).toMatch(/^src\/(renderer|shared)\//)
        else expect(spec, `${rel(f)} → ${spec}`).not.toMatch(/^(node:|fs$|path$|child_process$|electron$|pkcs11js|pcsclite|better-sqlite3)/)
      }
    }
  })

  // zod for schemas; date-fns + @date-fns/tz for the one Taipei date/time rule (taipei-time.ts).
  it('shared code depends on nothing but itself, zod and the date library', () => {
    for (const f of all.filter((f) => rel(f).startsWith('src/shared/'))) {
      for (const spec of imports(f)) {
        const target = resolveLocal(f, spec)
        if (target) expect(rel(target)).toMatch(/^src\/shared\//)
        else expect(['zod', 'date-fns', '@date-fns/tz'], `${rel(f)} → ${spec}`).toContain(spec)
      }
    }
  })

  it('has no import cycles', () => {
    const graph = new Map(all.map((f) => [f, imports(f).map((s) => resolveLocal(f, s)).filter((t): t is string => t !== null)]))
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
