// A strict little DER reader and writer working on byte offsets, so signed parts (TBSCertificate,
// TBSCertList) are verified over exactly the bytes that were signed — never a re-encoding.

export interface Tlv {
  /** Full identifier octet (class | constructed | number), single-byte tags only. */
  tag: number
  /** The whole TLV, header included. */
  raw: Buffer
  /** The content octets. */
  value: Buffer
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8: 0x0c,
  PRINTABLE: 0x13,
  TELETEX: 0x14,
  IA5: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL: 0x1c,
  BMP: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31
} as const

export class DerError extends Error {
  override readonly name = 'DerError'
}

/** Reads one TLV at `offset`; definite lengths only, minimal length encoding enforced. */
export function readTlv(buf: Buffer, offset = 0): Tlv & { end: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated DER header')
  const tag = buf[offset] as number
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported')
  let length = buf[offset + 1] as number
  let header = 2
  if (length & 0x80) {
    const n = length & 0x7f
    if (n === 0 || n > 4) throw new DerError('indefinite or oversized length')
    if (offset + 2 + n > buf.length) throw new DerError('truncated DER length')
    length = 0
    for (let i = 0; i < n; i++) length = length * 256 + (buf[offset + 2 + i] as number)
    if (length < 0x80 || (n > 1 && buf[offset + 2] === 0)) throw new DerError('non-minimal DER length')
    header += n
  }
  const end = offset + header + length
  if (end > buf.length) throw new DerError('DER value runs past its container')
  return { tag, raw: buf.subarray(offset, end), value: buf.subarray(offset + header, end), end }
}

/** Parses exactly one TLV spanning all of `buf`. */
export function parseDer(buf: Buffer): Tlv {
  const tlv = readTlv(buf, 0)
  if (tlv.end !== buf.length) throw new DerError('trailing bytes after DER value')
  return tlv
}

export function children(tlv: Tlv): Tlv[] {
  if ((tlv.tag & 0x20) === 0) throw new DerError(`tag 0x${tlv.tag.toString(16)} is not constructed`)
  const out: Tlv[] = []
  for (let at = 0; at < tlv.value.length;) {
    const child = readTlv(tlv.value, at)
    out.push(child)
    at = child.end
  }
  return out
}

export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}`)
  return tlv
}

export function decodeOid(tlv: Tlv): string {
  const b = expectTag(tlv, TAG.OID, 'OID').value
  if (b.length === 0) throw new DerError('empty OID')
  const parts: number[] = []
  let n = 0
  for (const byte of b) {
    n = n * 128 + (byte & 0x7f)
    if ((byte & 0x80) === 0) {
      parts.push(n)
      n = 0
    }
  }
  const first = parts.shift() ?? 0
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80]
  return [...head, ...parts].join('.')
}

/** Parses UTCTime (RFC 5280: YY ≥ 50 → 19YY) and GeneralizedTime, both as YYYY…SSZ only. */
export function decodeTime(tlv: Tlv): Date {
  const s = tlv.value.toString('latin1')
  let m: RegExpMatchArray | null
  if (tlv.tag === TAG.UTC_TIME) {
    m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/)
    if (m) {
      const yy = Number(m[1])
      m[1] = String(yy >= 50 ? 1900 + yy : 2000 + yy)
    }
  } else if (tlv.tag === TAG.GENERALIZED_TIME) {
    m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/)
  } else throw new DerError('expected a time')
  if (!m) throw new DerError(`malformed time ${s}`)
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[]
  const date = new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, se))
  if (date.getUTCMonth() !== (mo as number) - 1 || date.getUTCDate() !== d) throw new DerError(`invalid date ${s}`)
  return date
}

export function encodeTlv(tag: number, content: Buffer): Buffer {
  const len = content.length
  if (len < 0x80) return Buffer.concat([Buffer.from([tag, len]), content])
  const bytes: number[] = []
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff)
  return Buffer.concat([Buffer.from([tag, 0x80 | bytes.length, ...bytes]), content])
}

export function encodeOid(oid: string): Buffer {
  const [a = 0, b = 0, ...rest] = oid.split('.').map(Number)
  const out: number[] = []
  for (const n of [a * 40 + b, ...rest]) {
    const chunk: number[] = [n & 0x7f]
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80)
    out.push(...chunk)
  }
  return encodeTlv(TAG.OID, Buffer.from(out))
}

export const seq = (...parts: Buffer[]): Buffer => encodeTlv(TAG.SEQUENCE, Buffer.concat(parts))
