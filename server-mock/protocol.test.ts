// Pins the signature protocol bytes and the worked example of docs/protocol.md.
import { describe, expect, it } from 'vitest'
import {
  buildAuthSignedData,
  buildDecisionStatement,
  buildDecisionStatementText,
  canonicalOrigin,
  digestInfoSha256,
  escapeReason,
  isValidNonce,
  sha256
} from './protocol'
import {
  documentedWorkedExample,
  EXAMPLE_MATCH,
  EXAMPLE_MISMATCH,
  EXAMPLE_NONCE,
  EXAMPLE_ORIGIN,
  renderWorkedExample
} from './worked-example'

describe('protocol builders', () => {
  it('auth data is SHA-256(origin) ‖ SHA-256(nonce)', () => {
    const data = buildAuthSignedData(EXAMPLE_ORIGIN, EXAMPLE_NONCE)
    expect(data).toHaveLength(64)
    // Independent pins (computed with `printf %s … | sha256sum`).
    expect(data.subarray(0, 32).toString('hex')).toBe(
      '2ba5b4dde7e6becdf856b9bd4231be2f14d0cabf4d24b02d9f4d3b102263ac63'
    )
    expect(data.subarray(32).toString('hex')).toBe('905f28def18eaac05ae6f12b2c3452744afaf626da1343d57b395b544e0519b6')
  })

  it('decision statement text is exact (escaping, NFC, no trailing newline)', () => {
    const expected =
      'ECCS-DELEGATION-DECISION-V1\n' +
      'purpose=delegation-decision\n' +
      'origin=https://127.0.0.1:48123\n' +
      'nonce=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n' +
      'delegationId=dlg_Q1w2E3r4T5y6U7i8\n' +
      'houseBillNo=SF1234567890123\n' +
      'decision=MISMATCH\n' +
      'reason=品名不符：收到 Caf\u00e9 杯\\r\\n路徑 C:\\\\tmp'
    expect(buildDecisionStatementText(EXAMPLE_MISMATCH)).toBe(expected)
    expect(buildDecisionStatement(EXAMPLE_MISMATCH)).toEqual(Buffer.from(expected, 'utf8'))
    expect(sha256(buildDecisionStatement(EXAMPLE_MISMATCH)).toString('hex')).toBe(
      'bd5d3ff65836783c860ccc7d1853f31a1b99d535e1635c3d965fe52e7b3e036c'
    )
    expect(buildDecisionStatementText(EXAMPLE_MATCH).endsWith('\ndecision=MATCH\nreason=')).toBe(true)
    expect(sha256(buildDecisionStatement(EXAMPLE_MATCH)).toString('hex')).toBe(
      'd0b4f6a132b381f454778bb4572567e4b765225892aa37fccf5b007d76879545'
    )
  })

  it('escapes backslash before CR/LF', () => {
    expect(escapeReason('a\\nb\nc\r')).toBe('a\\\\nb\\nc\\r')
  })

  it('digestInfo prefix is the DER SHA-256 DigestInfo', () => {
    const d = digestInfoSha256(Buffer.from('abc'))
    expect(d.subarray(0, 19).toString('hex')).toBe('3031300d060960864801650304020105000420')
    expect(d.subarray(19)).toEqual(sha256(Buffer.from('abc')))
  })

  it('refuses bad inputs instead of signing them', () => {
    expect(isValidNonce(EXAMPLE_NONCE)).toBe(true)
    expect(isValidNonce('A'.repeat(40))).toBe(false)
    expect(isValidNonce('A'.repeat(132))).toBe(false)
    expect(isValidNonce('A'.repeat(43) + '!')).toBe(false)
    expect(() => buildAuthSignedData('https://127.0.0.1:48123/', EXAMPLE_NONCE)).toThrow()
    expect(() => buildAuthSignedData('HTTPS://127.0.0.1:48123', EXAMPLE_NONCE)).toThrow()
    expect(() => buildAuthSignedData('https://example.tw:443', EXAMPLE_NONCE)).toThrow()
    expect(() => buildAuthSignedData(EXAMPLE_ORIGIN, 'short')).toThrow()
    expect(() => buildDecisionStatement({ ...EXAMPLE_MATCH, reason: 'x' })).toThrow()
    expect(() => buildDecisionStatement({ ...EXAMPLE_MISMATCH, reason: ' ' })).toThrow()
    expect(() => buildDecisionStatement({ ...EXAMPLE_MATCH, houseBillNo: 'A\nB' })).toThrow()
    expect(canonicalOrigin('HTTPS://LOCALHOST:443/api/v1')).toBe('https://localhost')
    expect(canonicalOrigin('https://127.0.0.1:48123/api/v1/')).toBe('https://127.0.0.1:48123')
  })

  it('protocol.ts imports only node: built-ins', async () => {
    const { readFileSync } = await import('node:fs')
    const src = readFileSync(new URL('./protocol.ts', import.meta.url), 'utf8')
    const imports = [...src.matchAll(/from '([^']+)'/g)].map((m) => m[1])
    expect(imports.every((i) => i?.startsWith('node:'))).toBe(true)
  })
})

describe('docs/protocol.md', () => {
  it('contains the worked example exactly as the builders produce it', () => {
    const documented = documentedWorkedExample()
    expect(documented, 'run: npx tsx server-mock/worked-example.ts --write').toBe(renderWorkedExample())
    expect(documented).toContain(
      '2ba5b4dde7e6becdf856b9bd4231be2f14d0cabf4d24b02d9f4d3b102263ac63\n905f28def18eaac05ae6f12b2c3452744afaf626da1343d57b395b544e0519b6'
    )
  })
})
