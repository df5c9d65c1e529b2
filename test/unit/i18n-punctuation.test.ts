import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import en from '../../src/renderer/i18n/en'

// Eyes-user finding (see test/unit/renderer/label-colon.test.ts): English text must not carry the
// full-width Chinese colon; a label–value separator in a template is the message app.colon.

describe('full-width colon only in Chinese', () => {
  it('no renderer template writes a full-width colon after an interpolation, and no English message has one', () => {
    const dir = join(__dirname, '../../src/renderer')
    const vue = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.vue'))
    expect(vue.length).toBeGreaterThan(5)
    const offenders = vue.filter((f) => readFileSync(join(dir, f), 'utf8').includes('}}：'))
    expect(offenders).toEqual([])
    const strings: string[] = []
    const walk = (o: unknown): void => {
      if (typeof o === 'string') strings.push(o)
      else if (o && typeof o === 'object') Object.values(o).forEach(walk)
    }
    walk(en)
    expect(strings.filter((s) => s.includes('：'))).toEqual([])
  })
})
