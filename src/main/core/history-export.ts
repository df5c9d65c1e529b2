import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DelegationQuery } from '../../shared/delegation'
import { taipeiFileStamp } from '../../shared/taipei-time'
import type { DelegationHistory } from '../cache'

// Export of the current query from the offline history. The cache writes the file (Excel-safe CSV
// with BOM, or JSON); the renderer receives its content and saves it through the browser's
// download (Electron shows its save dialog), so no path ever comes from the renderer.

export interface HistoryExport {
  fileName: string
  mimeType: string
  content: string
  rows: number
}

export function exportHistory(
  history: DelegationHistory,
  format: 'csv' | 'json',
  query: DelegationQuery
): HistoryExport {
  const dir = mkdtempSync(join(tmpdir(), 'eccs-export-'))
  try {
    const file = join(dir, `export.${format}`)
    const rows = format === 'csv' ? history.exportCsv(query, file) : history.exportJson(query, file)
    const stamp = taipeiFileStamp(new Date()) // Taipei's date and time: YYYYMMDD-HHmm
    return {
      fileName: `海關實名委任確認-${stamp}.${format}`,
      mimeType: format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json',
      content: readFileSync(file, 'utf8'),
      rows
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
