// Generates the worked example of docs/protocol.md from the real builders so it is exact.
// `npx tsx server-mock/worked-example.ts --write` rewrites the block between the markers;
// server-mock/protocol.test.ts fails when the document and the builders disagree.
import { join } from 'node:path'
import { readFileSync, writeFileSync } from 'node:fs'
import {
  buildAuthSignedData,
  buildDecisionStatement,
  buildDecisionStatementText,
  digestInfoSha256,
  sha256,
  type DecisionStatementFields
} from './protocol'

export const DOC_PATH = join(__dirname, '..', 'docs', 'protocol.md')
export const BEGIN = '<!-- BEGIN GENERATED worked-example (npx tsx server-mock/worked-example.ts --write) -->'
export const END = '<!-- END GENERATED worked-example -->'

export const EXAMPLE_ORIGIN = 'https://127.0.0.1:48123'
/** 32 bytes 0x00…0x1f, base64. */
export const EXAMPLE_NONCE = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64')

export const EXAMPLE_MISMATCH: DecisionStatementFields = {
  origin: EXAMPLE_ORIGIN,
  nonce: EXAMPLE_NONCE,
  delegationId: 'dlg_Q1w2E3r4T5y6U7i8',
  houseBillNo: 'SF1234567890123',
  decision: 'MISMATCH',
  // "e" + COMBINING ACUTE (NFC → "é"), a CR LF line break and a backslash.
  reason: '品名不符：收到 Cafe\u0301 杯\r\n路徑 C:\\tmp'
}

export const EXAMPLE_MATCH: DecisionStatementFields = {
  origin: EXAMPLE_ORIGIN,
  nonce: EXAMPLE_NONCE,
  delegationId: 'dlg_Q1w2E3r4T5y6U7i8',
  houseBillNo: 'SF1234567890123',
  decision: 'MATCH'
}

export function hexLines(buf: Buffer, width = 32): string {
  const lines: string[] = []
  for (let i = 0; i < buf.length; i += width) lines.push(buf.subarray(i, i + width).toString('hex'))
  return lines.join('\n')
}

function fence(body: string, lang = ''): string {
  return `\`\`\`${lang}\n${body}\n\`\`\``
}

export function renderWorkedExample(): string {
  const auth = buildAuthSignedData(EXAMPLE_ORIGIN, EXAMPLE_NONCE)
  const mismatch = buildDecisionStatement(EXAMPLE_MISMATCH)
  const match = buildDecisionStatement(EXAMPLE_MATCH)
  return [
    BEGIN,
    '',
    'Inputs:',
    '',
    fence(
      [
        `origin       = ${EXAMPLE_ORIGIN}`,
        `nonce        = ${EXAMPLE_NONCE}   (bytes 00 01 02 … 1f)`,
        `delegationId = ${EXAMPLE_MISMATCH.delegationId}`,
        `houseBillNo  = ${EXAMPLE_MISMATCH.houseBillNo}`,
        `reason (JSON, as typed by the user) = ${JSON.stringify(EXAMPLE_MISMATCH.reason).replace(/\p{M}/gu, (m) => `\\u${(m.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`)}`,
        '               ("e" + U+0301 COMBINING ACUTE, CR LF, a backslash)'
      ].join('\n')
    ),
    '',
    '### Authentication signed data (64 bytes)',
    '',
    'SHA-256(UTF-8 origin):',
    '',
    fence(sha256(Buffer.from(EXAMPLE_ORIGIN, 'utf8')).toString('hex')),
    '',
    'SHA-256(UTF-8 nonce):',
    '',
    fence(sha256(Buffer.from(EXAMPLE_NONCE, 'utf8')).toString('hex')),
    '',
    '`buildAuthSignedData(origin, nonce)` (the bytes given to CKM_SHA256_RSA_PKCS):',
    '',
    fence(hexLines(auth)),
    '',
    'DigestInfo actually padded and RSA-signed (for a raw CKM_RSA_PKCS signer):',
    '',
    fence(hexLines(digestInfoSha256(auth))),
    '',
    '### Decision statement — MISMATCH (申報不符)',
    '',
    'Text (LF line endings, no trailing newline):',
    '',
    fence(buildDecisionStatementText(EXAMPLE_MISMATCH), 'text'),
    '',
    `UTF-8 bytes (${mismatch.length}):`,
    '',
    fence(hexLines(mismatch)),
    '',
    'SHA-256 of the statement:',
    '',
    fence(sha256(mismatch).toString('hex')),
    '',
    'DigestInfo for a raw CKM_RSA_PKCS signer:',
    '',
    fence(hexLines(digestInfoSha256(mismatch))),
    '',
    '### Decision statement — MATCH (申報相符)',
    '',
    fence(buildDecisionStatementText(EXAMPLE_MATCH), 'text'),
    '',
    `UTF-8 bytes (${match.length}):`,
    '',
    fence(hexLines(match)),
    '',
    'SHA-256 of the statement:',
    '',
    fence(sha256(match).toString('hex')),
    '',
    END
  ].join('\n')
}

/** The generated block as it currently appears in docs/protocol.md (null when the markers are missing). */
export function documentedWorkedExample(doc = readFileSync(DOC_PATH, 'utf8')): string | null {
  const start = doc.indexOf(BEGIN)
  const end = doc.indexOf(END)
  if (start < 0 || end < start) return null
  return doc.slice(start, end + END.length)
}

if (process.argv.includes('--write')) {
  const doc = readFileSync(DOC_PATH, 'utf8')
  const current = documentedWorkedExample(doc)
  if (current === null) throw new Error(`markers not found in ${DOC_PATH}`)
  writeFileSync(DOC_PATH, doc.replace(current, renderWorkedExample()))
  console.log(`updated ${DOC_PATH}`)
}
