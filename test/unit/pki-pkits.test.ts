import { describe, expect, it } from 'vitest'
import { loadPkits, PKITS_DIR, runPkitsCase } from './pkits-harness'

// NIST PKITS (sections 4.1–4.16, DSA cases left out) through the app's one path validator with
// the suite's default inputs; every case must agree with the expected outcome, and a valid case
// must end on the expected path length. Prints agreement per section.

const manifest = loadPkits()

describe('NIST PKITS through validatePathStrict', () => {
  if (!manifest) {
    it('PKITS data present', () => {
      throw new Error(`PKITS data not found at ${PKITS_DIR} (the shared folder must be a sibling of the repository)`)
    })
    return
  }

  it('agrees with every expected outcome (100 %), per section', () => {
    const bySection = new Map<string, { total: number; agree: number; failed: string[] }>()
    for (const c of manifest.cases) {
      const section = c.section.split('.').slice(0, 2).join('.')
      const row = bySection.get(section) ?? { total: 0, agree: 0, failed: [] }
      bySection.set(section, row)
      const result = runPkitsCase(manifest, c)
      const agrees = result.valid === c.valid && (!c.valid || !c.pathLength || result.path.length === c.pathLength)
      row.total++
      if (agrees) row.agree++
      else
        row.failed.push(
          `${c.id}: expected ${c.valid ? 'valid' : 'invalid'}, got ${result.valid ? 'valid' : result.reason} (${result.detail ?? ''})`
        )
    }
    const sections = [...bySection.entries()].sort(([a], [b]) => Number(a.split('.')[1]) - Number(b.split('.')[1]))
    const lines = sections.map(
      ([s, r]) =>
        `  ${s.padEnd(5)} ${String(r.agree).padStart(3)}/${String(r.total).padEnd(3)} ${((100 * r.agree) / r.total).toFixed(0).padStart(3)} %`
    )
    const agree = sections.reduce((n, [, r]) => n + r.agree, 0)
    console.log(
      `PKITS agreement by section:\n${lines.join('\n')}\n  total ${agree}/${manifest.cases.length} (${((100 * agree) / manifest.cases.length).toFixed(1)} %)`
    )
    expect(sections.flatMap(([, r]) => r.failed)).toEqual([])
    expect(agree).toBe(manifest.cases.length)
    // 4.1–4.16 without 4.13 (name constraints are DSA-free but not in this edition's manifest)
    expect(sections.length).toBeGreaterThanOrEqual(15)
  })
})
