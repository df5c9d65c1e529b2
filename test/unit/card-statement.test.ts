import { describe, expect, it } from 'vitest'
import * as mock from '../../server-mock/protocol'
import { AppError } from '../../src/shared/errors'
import type { DecisionFields } from '../../src/main/card/card-operations'
import {
  buildAuthSignedData,
  buildDecisionStatement,
  buildDecisionStatementText,
  canonicalOrigin,
  isValidNonce
} from '../../src/main/card/statement'

// The client's own statement builders, pinned to the worked example bytes of docs/protocol.md §6
// (hex copied from the document, not computed), and cross-checked against server-mock's builders.

const origin = 'https://127.0.0.1:48123'
const nonce = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
const reason = '品名不符：收到 Cafe\u0301 杯\r\n路徑 C:\\tmp'
const base = { origin, nonce, delegationId: 'dlg_Q1w2E3r4T5y6U7i8', houseBillNo: 'SF1234567890123' }

const AUTH_HEX =
  '2ba5b4dde7e6becdf856b9bd4231be2f14d0cabf4d24b02d9f4d3b102263ac63' +
  '905f28def18eaac05ae6f12b2c3452744afaf626da1343d57b395b544e0519b6'
const MISMATCH_HEX = `
454343532d44454c45474154494f4e2d4445434953494f4e2d56310a70757270
6f73653d64656c65676174696f6e2d6465636973696f6e0a6f726967696e3d68
747470733a2f2f3132372e302e302e313a34383132330a6e6f6e63653d414145
43417751464267634943516f4c4441304f4478415245684d554652595847426b
61477877644868383d0a64656c65676174696f6e49643d646c675f5131773245
33723454357936553769380a686f75736542696c6c4e6f3d5346313233343536
373839303132330a6465636973696f6e3d4d49534d415443480a726561736f6e
3de59381e5908de4b88de7aca6efbc9ae694b6e588b020436166c3a920e69daf
5c725c6ee8b7afe5be9120433a5c5c746d70`.replace(/\s+/g, '')
const MATCH_HEX = `
454343532d44454c45474154494f4e2d4445434953494f4e2d56310a70757270
6f73653d64656c65676174696f6e2d6465636973696f6e0a6f726967696e3d68
747470733a2f2f3132372e302e302e313a34383132330a6e6f6e63653d414145
43417751464267634943516f4c4441304f4478415245684d554652595847426b
61477877644868383d0a64656c65676174696f6e49643d646c675f5131773245
33723454357936553769380a686f75736542696c6c4e6f3d5346313233343536
373839303132330a6465636973696f6e3d4d415443480a726561736f6e3d`.replace(/\s+/g, '')

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof AppError) return err.code
    throw err
  }
  return 'no error'
}

describe('statement builders (docs/protocol.md worked example)', () => {
  it('authentication data is SHA-256(origin) ‖ SHA-256(nonce)', () => {
    expect(buildAuthSignedData({ origin, nonce }).toString('hex')).toBe(AUTH_HEX)
  })

  it('MISMATCH statement: NFC, escaped CR/LF/backslash, 274 bytes', () => {
    const bytes = buildDecisionStatement({ ...base, decision: 'MISMATCH', reason })
    expect(bytes.length).toBe(274)
    expect(bytes.toString('hex')).toBe(MISMATCH_HEX)
  })

  it('MATCH statement: empty reason, 222 bytes, no trailing newline', () => {
    const bytes = buildDecisionStatement({ ...base, decision: 'MATCH', reason: '' })
    expect(bytes.length).toBe(222)
    expect(bytes.toString('hex')).toBe(MATCH_HEX)
    expect(buildDecisionStatementText({ ...base, decision: 'MATCH', reason: '' }).endsWith('reason=')).toBe(true)
  })

  it('agrees with server-mock on assorted inputs', () => {
    const cases: DecisionFields[] = [
      { ...base, decision: 'MISMATCH', reason: 'a\\n literal, tab\there' },
      { ...base, decision: 'MISMATCH', reason: '\u212b 字' },
      { ...base, origin: 'http://localhost', decision: 'MATCH', reason: '' }
    ]
    for (const f of cases) expect(buildDecisionStatement(f).equals(mock.buildDecisionStatement(f))).toBe(true)
  })

  it('nonce rule: canonical base64 of ≥ 32 bytes, 44–128 characters', () => {
    expect(isValidNonce(nonce)).toBe(true)
    expect(isValidNonce(Buffer.alloc(96, 1).toString('base64'))).toBe(true) // 128 chars
    expect(isValidNonce(Buffer.alloc(97, 1).toString('base64'))).toBe(false) // 132 chars
    expect(isValidNonce(Buffer.alloc(31, 1).toString('base64'))).toBe(false) // 44 chars, 31 bytes
    expect(isValidNonce(nonce.replace('=', '!'))).toBe(false)
    expect(isValidNonce('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=')).toBe(false) // non-canonical last char
    expect(isValidNonce(`${nonce} `)).toBe(false)
    expect(isValidNonce(42)).toBe(false)
  })

  it('refuses non-canonical origins, bad fields and reasons', () => {
    expect(code(() => buildAuthSignedData({ origin: 'https://127.0.0.1:48123/', nonce }))).toBe('INVALID_REQUEST')
    expect(code(() => buildAuthSignedData({ origin: 'HTTPS://Example.com', nonce }))).toBe('INVALID_REQUEST')
    expect(code(() => buildAuthSignedData({ origin: 'https://example.com:443', nonce }))).toBe('INVALID_REQUEST')
    expect(code(() => buildAuthSignedData({ origin: 'file:///etc', nonce }))).toBe('INVALID_REQUEST')
    expect(canonicalOrigin('HTTPS://Example.com:443/api/v1')).toBe('https://example.com')
    expect(code(() => buildDecisionStatement({ ...base, decision: 'MATCH', reason: 'x' }))).toBe('INVALID_REQUEST')
    expect(code(() => buildDecisionStatement({ ...base, decision: 'MISMATCH', reason: '  ' }))).toBe('INVALID_REQUEST')
    expect(code(() => buildDecisionStatement({ ...base, decision: 'MISMATCH', reason: 'x'.repeat(201) }))).toBe(
      'INVALID_REQUEST'
    )
    expect(code(() => buildDecisionStatement({ ...base, decision: 'MISMATCH', reason: '字'.repeat(200) }))).toBe(
      'no error'
    )
    expect(code(() => buildDecisionStatement({ ...base, decision: 'MISMATCH', reason: 'bell\u0007' }))).toBe(
      'INVALID_REQUEST'
    )
    expect(
      code(() => buildDecisionStatement({ ...base, houseBillNo: 'SF1\nreason=x', decision: 'MATCH', reason: '' }))
    ).toBe('INVALID_REQUEST')
    expect(code(() => buildDecisionStatement({ ...base, decision: 'MAYBE' as 'MATCH', reason: '' }))).toBe(
      'INVALID_REQUEST'
    )
  })
})
