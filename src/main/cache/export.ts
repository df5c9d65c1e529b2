import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { stringify } from 'csv-stringify/sync'
import type { Delegation, DelegationQuery } from '../../shared/delegation'
import { formatTaipeiDate, formatTaipeiDateTime, toTaipeiIso } from '../../shared/taipei-time'

// Export of a query's rows. CSV: UTF-8 with BOM (Excel detects the encoding), CRLF, every text cell
// quoted, zh-TW headers and values, and text cells that a spreadsheet would run as a formula
// (OWASP CSV injection: = + - @ TAB CR LF, and their full-width forms) prefixed with an apostrophe.
// Dates and times are Taipei's (YYYY/MM/DD, YYYY/MM/DD HH:mm in CSV; ISO 8601 with +08:00 in JSON).
// Files are written next to the target and renamed, so a failed export never leaves half a file.

const DIRECTION_ZH: Record<Delegation['direction'], string> = { IMPORT: '進口', EXPORT: '出口' }
const STATUS_ZH: Record<Delegation['status'], string> = { PENDING: '尚未確認', MATCH: '申報相符', MISMATCH: '申報不符' }
const VIA_ZH: Record<NonNullable<Delegation['confirmedVia']>, string> = {
  certificate: '自然人憑證',
  app: '行動裝置 APP'
}

export const CSV_HEADERS = [
  '報關日期',
  '分提單號碼',
  '主提單號碼',
  '進出口類別',
  '快遞業者',
  '貨物名稱',
  '數量',
  '申報價值',
  '幣別',
  '認證結果',
  '原因',
  '確認時間',
  '確認方式',
  '最後更新時間',
  '委任編號'
] as const

const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/

/** A text cell that cannot start a formula in Excel, LibreOffice or Numbers. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text
}

function csvCells(d: Delegation): (string | number)[] {
  const text = (s: string | null): string => neutraliseFormula(s ?? '')
  return [
    formatTaipeiDate(d.declarationDate),
    text(d.houseBillNo),
    text(d.masterBillNo),
    DIRECTION_ZH[d.direction],
    text(d.carrier),
    text(d.goodsDescription),
    d.quantity,
    d.declaredValue,
    d.currency,
    STATUS_ZH[d.status],
    text(d.reason),
    formatTaipeiDateTime(d.confirmedAt),
    d.confirmedVia ? VIA_ZH[d.confirmedVia] : '',
    formatTaipeiDateTime(d.updatedAt),
    d.id
  ]
}

const CSV_OPTIONS = { quoted_string: true, quoted_empty: true, record_delimiter: 'windows' } as const

/** Writes `rows` (any iterable, so large exports stream from SQLite) to `file`; returns the count. */
export function writeCsv(file: string, rows: Iterable<Delegation>): number {
  return writeAtomically(file, (write) => {
    write(`\uFEFF${stringify([[...CSV_HEADERS]], CSV_OPTIONS)}`)
    let n = 0
    let batch: (string | number)[][] = []
    const flush = (): void => {
      if (batch.length > 0) write(stringify(batch, CSV_OPTIONS))
      batch = []
    }
    for (const d of rows) {
      batch.push(csvCells(d))
      n++
      if (batch.length === 1000) flush()
    }
    flush()
    return n
  })
}

export interface JsonExportMeta {
  exportedAt: string
  lastSyncedAt: string | null
  query: Omit<DelegationQuery, 'page' | 'pageSize'>
}

/**
 * `{ exportedAt, lastSyncedAt, query, items: Delegation[] }`, UTF-8 without BOM; every instant
 * (exportedAt, lastSyncedAt, confirmedAt, updatedAt) in ISO 8601 with Taipei's +08:00 offset.
 */
export function writeJson(file: string, meta: JsonExportMeta, rows: Iterable<Delegation>): number {
  return writeAtomically(file, (write) => {
    const head = {
      exportedAt: toTaipeiIso(meta.exportedAt),
      lastSyncedAt: toTaipeiIso(meta.lastSyncedAt),
      timeZone: 'Asia/Taipei'
    }
    write(`${JSON.stringify(head).slice(0, -1)},"query":${JSON.stringify(meta.query)},"items":[`)
    let n = 0
    for (const d of rows) {
      const item = { ...d, confirmedAt: toTaipeiIso(d.confirmedAt), updatedAt: toTaipeiIso(d.updatedAt) ?? d.updatedAt }
      write(`${n++ === 0 ? '\n' : ',\n'}${JSON.stringify(item)}`)
    }
    write(']}\n')
    return n
  })
}

function writeAtomically(file: string, body: (write: (s: string) => void) => number): number {
  const tmp = `${file}.${process.pid}.partial`
  // 0600: the export holds the same personal data as the cache; the user can share it deliberately.
  const fd = openSync(tmp, 'w', 0o600)
  let open = true
  try {
    const n = body((s) => {
      writeSync(fd, s, null, 'utf8')
    })
    fsyncSync(fd)
    closeSync(fd)
    open = false
    renameSync(tmp, file)
    return n
  } catch (e) {
    if (open) closeSync(fd)
    rmSync(tmp, { force: true })
    throw e
  }
}
