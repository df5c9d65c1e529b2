import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import {
  checkIdentityNumber,
  IDENTITY_NUMBER_PATTERN,
  identityKind,
  isValidIdentityNumber,
  maskIdentityNumber,
  withCheckDigit
} from '../../src/shared/identity-number'
import { NationalId } from '../../src/shared/forms'

// The one identity-number rule (issue 13 item 1): 身分證字號, old-format and new-format 統一證號,
// each with its check digit and kind, and the pattern server-mock/openapi.yaml documents.
// Expected check digits below were computed by hand (letter → two digits, weights 1 9 8 7 6 5 4 3 2 1 1):
//   A123456789: 1·1+0·9+1·8+2·7+3·6+4·5+5·4+6·3+7·2+8·1+9 = 130 ≡ 0
//   A800000014: 1·1+0·9+8·8+0+0+0+0+0+0+1·1+4 = 70 ≡ 0
//   AC01234567: C=12 → units 2: 1+0+2·8+0·7+1·6+2·5+3·4+4·3+5·2+6·1+7 = 80 ≡ 0

describe('checkIdentityNumber — the three forms and their kinds', () => {
  const valid: [string, 'citizen' | 'resident', 'national-id' | 'resident-old' | 'resident-new'][] = [
    ['A123456789', 'citizen', 'national-id'], // the classic 身分證字號 (male)
    ['B222333440', 'citizen', 'national-id'], // demo EZWay account (female)
    ['A800000014', 'resident', 'resident-new'], // field case: new-format 統一證號, second character 8
    ['A900000016', 'resident', 'resident-new'], // new format, second character 9
    ['W800000014', 'resident', 'resident-new'], // W = 32, out of alphabetical order
    ['AC01234567', 'resident', 'resident-old'], // old format, second letter C
    ['FA12345670', 'resident', 'resident-old'],
    ['HD00000002', 'resident', 'resident-old'],
    ['CB12345679', 'resident', 'resident-old'],
    ['I200000005', 'citizen', 'national-id'], // I = 34
    ['O100000004', 'citizen', 'national-id'] // O = 35
  ]
  for (const [id, kind, format] of valid) {
    it(`${id} is a valid ${format} (${kind})`, () => {
      expect(checkIdentityNumber(id)).toEqual({ valid: true, value: id, kind, format })
      expect(isValidIdentityNumber(id)).toBe(true)
      expect(identityKind(id)).toBe(kind)
      expect(NationalId.parse(id)).toBe(id)
    })
  }

  const invalid: [string, 'empty' | 'length' | 'format' | 'check-digit'][] = [
    ['', 'empty'],
    ['   ', 'empty'],
    ['A12345678', 'length'],
    ['A1234567890', 'length'],
    ['A123456788', 'check-digit'],
    ['A800000015', 'check-digit'], // field-case number with the wrong check digit
    ['AC01234568', 'check-digit'],
    ['A323456789', 'format'], // second character 3: no such form
    ['A723456789', 'format'],
    ['AE01234567', 'format'], // old format allows only A–D
    ['1123456789', 'format'],
    ['AB1234567X', 'format']
  ]
  for (const [id, reason] of invalid) {
    it(`"${id}" is refused: ${reason}`, () => {
      const c = checkIdentityNumber(id)
      expect(c.valid).toBe(false)
      expect(c.valid ? null : c.reason).toBe(reason)
      expect(isValidIdentityNumber(id)).toBe(false)
      expect(NationalId.safeParse(id).success).toBe(false)
    })
  }

  it('normalises what people type: full-width (IME), lower case, spaces', () => {
    expect(checkIdentityNumber('Ａ１２３４５６７８９')).toMatchObject({
      valid: true,
      value: 'A123456789',
      kind: 'citizen'
    }) // field case
    expect(checkIdentityNumber('ａ８００００００１４')).toMatchObject({
      valid: true,
      value: 'A800000014',
      kind: 'resident'
    })
    expect(checkIdentityNumber(' a123 456 789 ')).toMatchObject({ valid: true, value: 'A123456789' })
    expect(checkIdentityNumber('ａｃ０１２３４５６７')).toMatchObject({
      valid: true,
      value: 'AC01234567',
      format: 'resident-old'
    })
    expect(NationalId.parse('Ａ８００００００１４')).toBe('A800000014')
  })
})

describe('withCheckDigit', () => {
  it('completes prefixes of every form with the digit the validator accepts', () => {
    expect(withCheckDigit('A12345678')).toBe('A123456789')
    expect(withCheckDigit('A80000001')).toBe('A800000014')
    expect(withCheckDigit('AC0123456')).toBe('AC01234567')
    for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
      for (const second of '12ABCD89') {
        const id = withCheckDigit(`${letter}${second}3141592`)
        expect(isValidIdentityNumber(id), id).toBe(true)
        // Any other last digit is wrong.
        const wrong = `${id.slice(0, 9)}${(Number(id[9]) + 1) % 10}`
        expect(isValidIdentityNumber(wrong), wrong).toBe(false)
      }
    }
  })
  it('throws on a prefix that is no identity number', () => {
    expect(() => withCheckDigit('A3000000')).toThrow(/not an identity-number prefix/)
    expect(() => withCheckDigit('AE0000000')).toThrow(/not an identity-number prefix/)
  })
})

describe('maskIdentityNumber', () => {
  it('keeps the first three and last three characters', () => {
    expect(maskIdentityNumber('A123456789')).toBe('A12****789')
    expect(maskIdentityNumber('A800000014')).toBe('A80****014')
    expect(maskIdentityNumber('AC01234567')).toBe('AC0****567')
    expect(maskIdentityNumber('short')).toBe('****')
  })
})

describe('openapi.yaml is in step with the shared rule', () => {
  it('documents NationalId with exactly IDENTITY_NUMBER_PATTERN and the identity-number normaliser', () => {
    const doc = parse(readFileSync(join(__dirname, '../../server-mock/openapi.yaml'), 'utf8')) as {
      components: { schemas: Record<string, Record<string, unknown>> }
    }
    const schema = doc.components.schemas.NationalId
    expect(schema?.pattern).toBe(IDENTITY_NUMBER_PATTERN)
    expect(schema?.['x-normalize']).toBe('identity-number')
  })
})
