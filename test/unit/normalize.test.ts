import { describe, expect, it } from 'vitest'
import {
  codePointLength,
  foldWidth,
  formatDateInput,
  normalizeBillNumber,
  normalizeCode,
  normalizeDate,
  normalizeDigits,
  normalizeIdentityNumber,
  normalizeMobile,
  normalizePhone,
  normalizeText,
  parseDateInput
} from '../../src/shared/normalize'

// Input normalisation (issue 13 item 2): the field cases of ../shared/field-cases/README.md (IME
// full-width input, written mobile numbers) and more of each kind.

describe('IME full-width input (field case: national ID Ａ１２３４５６７８９, PIN １２３４５６)', () => {
  it('folds the field case to A123456789 / 123456', () => {
    expect(normalizeIdentityNumber('Ａ１２３４５６７８９')).toBe('A123456789')
    expect(normalizeDigits('１２３４５６')).toBe('123456')
  })
  it('folds lower-case full-width letters, the ideographic space and mixed widths', () => {
    expect(normalizeIdentityNumber('ａ１２３４５６７８９')).toBe('A123456789')
    expect(normalizeIdentityNumber('Ａ１２３\u3000４５６\u3000７８９')).toBe('A123456789')
    expect(normalizeIdentityNumber('A１２3456７89')).toBe('A123456789')
    expect(normalizeDigits('１２３ ４５６７８')).toBe('12345678')
    expect(normalizeDigits('\t123456\n')).toBe('123456')
  })
  it('folds full-width @ and letters of e-mail and account names, trimmed', () => {
    expect(normalizeCode(' ｘｍ＠ｅｘａｍｐｌｅ．ｔｗ ')).toBe('xm@example.tw')
    expect(normalizeCode('ｘｉａｏｍｉｎｇ')).toBe('xiaoming')
  })
  it('leaves names as written (NFC only, trimmed): no compatibility folding of a person’s name', () => {
    expect(normalizeText('  王小明 ')).toBe('王小明')
    expect(normalizeText('Ｍａｒｉａ')).toBe('Ｍａｒｉａ')
    expect(normalizeText('Jose\u0301')).toBe('José') // combining accent → precomposed (NFC)
    expect(foldWidth('Ｍａｒｉａ')).toBe('Maria')
  })
})

describe('written mobile numbers (field case: 0911-222-333)', () => {
  const forms = [
    '0911-222-333', // field case
    '0911 222 333',
    '+886 911 222 333',
    '+886911222333',
    '886911222333',
    '00886911222333',
    '+886-911-222-333',
    '+886 (0)911 222 333',
    '(0911) 222-333',
    '0911.222.333',
    '０９１１－２２２－３３３', // full-width digits and dash (IME)
    '０９１１ー２２２ー３３３', // the IME's prolonged-sound mark typed as a dash
    '＋８８６ ９１１ ２２２ ３３３',
    ' 0911222333 '
  ]
  for (const form of forms) {
    it(`"${form}" → 0911222333`, () => {
      expect(normalizeMobile(form)).toBe('0911222333')
    })
  }
  it('keeps a number still being typed (or not a mobile) without separators, so the rule can say what is wrong', () => {
    expect(normalizeMobile('0911-22')).toBe('091122')
    expect(normalizeMobile('+886 9')).toBe('+8869')
    expect(normalizeMobile('02-2345-6789')).toBe('0223456789') // a landline stays a landline: Mobile refuses it
    expect(normalizeMobile('+886 2 2345 6789')).toBe('+886223456789')
  })
})

describe('dates (2026/11/30, 2026-11-30, ROC 115/11/30)', () => {
  const same = [
    '2026/11/30',
    '2026-11-30',
    '2026.11.30',
    '20261130',
    '115/11/30',
    '115-11-30',
    '1151130',
    '民國115年11月30日',
    '２０２６／１１／３０',
    '１１５／１１／３０',
    ' 2026/11/30 '
  ]
  for (const input of same) {
    it(`"${input}" → 2026-11-30`, () => {
      expect(parseDateInput(input)).toBe('2026-11-30')
      expect(normalizeDate(input)).toBe('2026-11-30')
    })
  }
  it('pads and reads two-digit ROC years', () => {
    expect(parseDateInput('2026/1/5')).toBe('2026-01-05')
    expect(parseDateInput('99/12/31')).toBe('2010-12-31')
    expect(parseDateInput('74/3/14')).toBe('1985-03-14')
  })
  it('refuses what is no calendar date, and normalizeDate keeps it for the rule to reject', () => {
    for (const bad of ['2026/02/30', '115/13/01', '2026/11', 'tomorrow', '', '2026-11-31'])
      expect(parseDateInput(bad), bad).toBeNull()
    expect(normalizeDate(' ２０２６／０２／３０ ')).toBe('2026/02/30')
    expect(parseDateInput('2024/02/29')).toBe('2024-02-29') // leap year
    expect(parseDateInput('113/02/29')).toBe('2024-02-29')
  })
})

describe('bill numbers and phones', () => {
  it('upper-cases 分提單號碼 and removes spaces (as carriers print them)', () => {
    expect(normalizeBillNumber('sf1234567890123')).toBe('SF1234567890123')
    expect(normalizeBillNumber('1z 999 aa1 01 2345 6784')).toBe('1Z999AA10123456784')
    expect(normalizeBillNumber('ＥＥ１２３４５６７８９ＴＷ')).toBe('EE123456789TW')
  })
  it('keeps a landline readable: folded, trimmed, single spaces', () => {
    expect(normalizePhone(' ０２－２３４５－６７８９ ')).toBe('02-2345-6789')
    expect(normalizePhone('02  2345 6789 #123')).toBe('02 2345 6789 #123')
  })
})

describe('codePointLength', () => {
  it('counts a character outside the BMP as one', () => {
    expect(codePointLength('王小明')).toBe(3)
    expect('𠮷野家'.length).toBe(4) // UTF-16 units
    expect(codePointLength('𠮷野家')).toBe(3)
    expect(codePointLength('')).toBe(0)
  })
})

describe('formatDateInput: what a date field shows after it is left', () => {
  it.each([
    ['１１５／１１／３０', '2026/11/30'],
    ['2026-11-30', '2026/11/30'],
    ['民國115年11月30日', '2026/11/30'],
    ['2026/1/5', '2026/01/05']
  ])('"%s" → %s', (input, shown) => {
    expect(formatDateInput(input)).toBe(shown)
    expect(parseDateInput(formatDateInput(input))).toBe(shown.replace(/\//g, '-')) // the query reads it back
  })
  it('with 民國年 shows the ROC year, which the query reads back: 2026/11/30 → 115/11/30', () => {
    expect(formatDateInput('2026/11/30', true)).toBe('115/11/30')
    expect(formatDateInput('１１５／１１／３０', true)).toBe('115/11/30')
    expect(parseDateInput(formatDateInput('2026-01-05', true))).toBe('2026-01-05')
  })
  it('keeps what is no date (folded) for the rule to point out', () => {
    expect(formatDateInput(' ２０２６／０２／３０ ')).toBe('2026/02/30')
  })
})
