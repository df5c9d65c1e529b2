import { describe, expect, it } from 'vitest'
import {
  formatTaipeiDate,
  formatTaipeiDateTime,
  parseDateInput,
  taipeiFileStamp,
  taipeiToday
} from '../../src/shared/taipei-time'

describe('Taipei time (issue 15 item 4)', () => {
  it('shows an instant in Asia/Taipei as YYYY/MM/DD HH:mm, whatever offset it came with', () => {
    expect(formatTaipeiDateTime('2026-11-30T06:36:12Z')).toBe('2026/11/30 14:36')
    expect(formatTaipeiDateTime('2026-11-30T14:36:00+08:00')).toBe('2026/11/30 14:36')
    // crossing midnight: 20:30 UTC is the next day in Taipei
    expect(formatTaipeiDateTime('2026-12-31T20:30:00Z')).toBe('2027/01/01 04:30')
    expect(formatTaipeiDateTime(new Date(Date.UTC(2026, 0, 2, 3, 4)))).toBe('2026/01/02 11:04')
  })
  it('ROC years on request', () => {
    expect(formatTaipeiDateTime('2026-11-30T06:36:00Z', { roc: true })).toBe('民國 115/11/30 14:36')
    expect(formatTaipeiDate('2026-11-30', { roc: true })).toBe('民國 115/11/30')
  })
  it('calendar dates are not shifted, instants are converted', () => {
    expect(formatTaipeiDate('2026-11-30')).toBe('2026/11/30')
    expect(formatTaipeiDate('2026-11-30T17:00:00Z')).toBe('2026/12/01')
    expect(formatTaipeiDate('2026-11-30T17:00:00Z', { roc: true })).toBe('民國 115/12/01')
  })
  it('empty and invalid values', () => {
    expect(formatTaipeiDateTime(null)).toBe('')
    expect(formatTaipeiDateTime('not a date')).toBe('not a date')
    expect(formatTaipeiDate('')).toBe('')
  })
  it('file stamps and today in Taipei', () => {
    expect(taipeiFileStamp(new Date('2026-11-30T16:05:00Z'))).toBe('20261201-0005')
    expect(taipeiToday(new Date('2026-11-30T16:05:00Z'))).toBe('2026-12-01')
  })
  it('typed dates: Gregorian and ROC forms', () => {
    expect(parseDateInput('2026/11/30')).toBe('2026-11-30')
    expect(parseDateInput('2026-1-5')).toBe('2026-01-05')
    expect(parseDateInput('20261130')).toBe('2026-11-30')
    expect(parseDateInput('１１５／１１／３０')).toBe('2026-11-30')
    expect(parseDateInput('115/11/30')).toBe('2026-11-30')
    expect(parseDateInput('民國115年11月30日')).toBe('2026-11-30')
    expect(parseDateInput('1151130')).toBe('2026-11-30')
    expect(parseDateInput('2026/02/30')).toBeNull()
    expect(parseDateInput('2026/13/01')).toBeNull()
    expect(parseDateInput('tomorrow')).toBeNull()
    expect(parseDateInput('')).toBeNull()
  })
})
