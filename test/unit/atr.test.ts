import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadCardTable, matchAtr, normalizeAtr } from '../../src/main/card/atr'

const table = loadCardTable(join(__dirname, '../../resources'))

describe('card table (resources/cards/card-table.json)', () => {
  it('recognises every real MOICA/HiCOS ATR listed in shared/ca/README.md', () => {
    for (const atr of [
      '3B B8 13 00 81 31 FA 52 43 48 54 4D 4F 49 43 41 A5',
      '3B D8 96 00 81 B1 FE 45 1F 07 43 48 54 47 50 4B 49 4A DD',
      '3B 8B 80 01 00 31 C1 64 08 40 21 30 00 90 00 57'
    ]) {
      const m = matchAtr(table, normalizeAtr(atr), 'win32', 'x64')
      expect(m, atr).not.toBeNull()
      expect(m?.modules).toEqual(['C:\\Windows\\System32\\HiCOSPKCS11.dll'])
    }
  })

  it('gives per-OS module candidates', () => {
    const atr = '3BB813008131FA524348544D4F494341A5'
    expect(matchAtr(table, atr, 'darwin', 'arm64')?.modules[0]).toBe('/usr/local/lib/libHicos_p11v1.dylib')
    expect(matchAtr(table, atr, 'linux', 'x64')?.modules).toContain('/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so')
    expect(matchAtr(table, atr, 'sunos', 'x64')?.modules).toEqual([])
  })

  it('refuses unknown, truncated and extended ATRs', () => {
    expect(matchAtr(table, '3B8F8001804F0CA000000306030001000000006A')).toBeNull()
    expect(matchAtr(table, '3BB813008131FA524348544D4F4943')).toBeNull()
    expect(matchAtr(table, '3BB813008131FA524348544D4F494341A500')).toBeNull()
  })

  it('normalises ATR spellings', () => {
    expect(normalizeAtr('3b:b8 13')).toBe('3BB813')
    expect(normalizeAtr(Buffer.from([0x3b, 0xb8]))).toBe('3BB8')
  })
})
