// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import {
  isValidIdentityNumber as isValidNationalId,
  maskIdentityNumber as maskNationalId,
  passwordRules
} from '../../../src/shared/form-rules'
import { sortRows, toQuery, validateQuery, type QueryForm } from '../../../src/renderer/stores/delegations'
import type { Delegation } from '../../../src/shared/delegation'

// Pure logic behind the query form, the sortable table and the registration form's live checks.

const base: Delegation = {
  id: 'dlg_aaaaaaaa',
  declarationDate: '2025-01-02',
  houseBillNo: 'SF100',
  masterBillNo: 'M1',
  direction: 'IMPORT',
  carrier: 'DHL',
  goodsDescription: 'cup',
  quantity: 1,
  declaredValue: 10,
  currency: 'TWD',
  status: 'PENDING',
  reason: null,
  confirmedAt: null,
  confirmedVia: null,
  updatedAt: '2025-01-02T00:00:00.000Z'
}

describe('query form → DelegationQuery', () => {
  const form: QueryForm = {
    direction: 'EXPORT',
    dateFrom: '2025-01-01',
    dateTo: '2025-01-31',
    houseBillNo: '',
    status: 'PENDING'
  }
  it('sends 報關日期起迄 when no 分提單號碼 is given', () => {
    expect(toQuery(form, 2)).toEqual({
      page: 2,
      pageSize: 500,
      sort: 'declarationDate:desc',
      direction: 'EXPORT',
      status: 'PENDING',
      dateFrom: '2025-01-01',
      dateTo: '2025-01-31'
    })
  })
  it('typed dates: YYYY/MM/DD and ROC years become ISO dates', () => {
    expect(toQuery({ ...form, dateFrom: '2025/01/01', dateTo: '114/1/31' }, 1)).toMatchObject({
      dateFrom: '2025-01-01',
      dateTo: '2025-01-31'
    })
  })
  it('checks the dates before sending: unreadable, and 迄 before 起', () => {
    expect(validateQuery({ ...form, dateFrom: '2025/02/30' })).toEqual({ field: 'dateFrom', problem: 'invalid' })
    expect(validateQuery({ ...form, dateTo: 'tomorrow' })).toEqual({ field: 'dateTo', problem: 'invalid' })
    expect(validateQuery({ ...form, dateFrom: '2025/01/31', dateTo: '2025/01/01' })).toEqual({
      field: 'dateTo',
      problem: 'endBeforeStart'
    })
    expect(validateQuery({ ...form, dateFrom: '2025/01/31', dateTo: '2025/01/31' })).toBeNull()
    expect(validateQuery({ ...form, dateFrom: '2025/01/31', dateTo: '2025/01/01', houseBillNo: 'SF1' })).toBeNull() // dates unused
  })
  it('a 分提單號碼 replaces the dates', () => {
    expect(toQuery({ ...form, houseBillNo: ' SF123 ' }, 1)).toEqual({
      page: 1,
      pageSize: 500,
      sort: 'declarationDate:desc',
      direction: 'EXPORT',
      status: 'PENDING',
      houseBillNo: 'SF123'
    })
  })
})

describe('sortRows', () => {
  const rows = [
    { ...base, id: 'dlg_cccccccc', declaredValue: 5, houseBillNo: 'B' },
    { ...base, id: 'dlg_bbbbbbbb', declaredValue: 100, houseBillNo: 'A' },
    { ...base, id: 'dlg_aaaaaaaa', declaredValue: 5, houseBillNo: 'C' }
  ]
  it('sorts numbers numerically with the id as tie-breaker', () => {
    expect(sortRows(rows, 'declaredValue', 'asc').map((r) => r.id)).toEqual([
      'dlg_aaaaaaaa',
      'dlg_cccccccc',
      'dlg_bbbbbbbb'
    ])
    expect(sortRows(rows, 'houseBillNo', 'desc').map((r) => r.houseBillNo)).toEqual(['C', 'B', 'A'])
  })
  it('申報價值 sorts within a currency', () => {
    const mixed = [
      { ...base, id: 'dlg_11111111', declaredValue: 50, currency: 'USD' },
      { ...base, id: 'dlg_22222222', declaredValue: 900, currency: 'TWD' },
      { ...base, id: 'dlg_33333333', declaredValue: 5, currency: 'USD' },
      { ...base, id: 'dlg_44444444', declaredValue: 100, currency: 'TWD' }
    ]
    expect(sortRows(mixed, 'declaredValue', 'asc').map((r) => `${r.currency} ${r.declaredValue}`)).toEqual([
      'TWD 100',
      'TWD 900',
      'USD 5',
      'USD 50'
    ])
  })
  // Its speed is bench/renderer's (scrolling 10k rows); here only the order and the untouched input.
  it('sorts 10 000 rows and leaves the input alone', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({
      ...base,
      id: `dlg_${String(i).padStart(8, '0')}`,
      declaredValue: (i * 7919) % 1000
    }))
    const out = sortRows(many, 'declaredValue', 'desc')
    expect(out[0]?.declaredValue).toBe(999)
    expect(many[0]?.id).toBe('dlg_00000000')
  })
})

describe('registration form checks', () => {
  it('ticks the Single Window password rules one by one', () => {
    expect(passwordRules('abc')).toEqual({ length: false, digit: false, upper: false, lower: true })
    expect(passwordRules('Secret123')).toEqual({ length: true, digit: true, upper: true, lower: true })
  })
  it('checks the national ID checksum and masks it', () => {
    expect(isValidNationalId('A123456789')).toBe(true)
    expect(isValidNationalId('B222333440')).toBe(true)
    expect(isValidNationalId('A123456788')).toBe(false)
    expect(maskNationalId('A123456789')).toBe('A12****789')
  })
})
