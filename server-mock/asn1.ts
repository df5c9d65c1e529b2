// Minimal strict DER reader (definite lengths only) for certificates and CRLs.

export interface DerNode {
  /** Identifier octet, e.g. 0x30 SEQUENCE, 0xa3 [3] constructed. */
  tag: number
  constructed: boolean
  /** The whole TLV. */
  raw: Buffer
  /** Content octets. */
  content: Buffer
}

export class DerError extends Error {
  override readonly name = 'DerError'
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31
} as const

/** Reads one TLV at `offset`; returns the node and the offset after it. */
export function readTlv(buf: Buffer, offset = 0): { node: DerNode; next: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated DER')
  const tag = buf[offset] as number
  if ((tag & 0x1f) === 0x1f) throw new DerError('high-tag-number form not supported')
  let len = buf[offset + 1] as number
  let hdr = 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4) throw new DerError('unsupported DER length')
    if (offset + 2 + n > buf.length) throw new DerError('truncated DER length')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + (buf[offset + 2 + i] as number)
    hdr += n
  }
  const end = offset + hdr + len
  if (end > buf.length) throw new DerError('DER length exceeds input')
  return {
    node: {
      tag,
      constructed: (tag & 0x20) !== 0,
      raw: buf.subarray(offset, end),
      content: buf.subarray(offset + hdr, end)
    },
    next: end
  }
}

/** Parses exactly one TLV spanning the whole buffer. */
export function parseDer(buf: Buffer): DerNode {
  const { node, next } = readTlv(buf, 0)
  if (next !== buf.length) throw new DerError('trailing bytes after DER value')
  return node
}

export function children(node: DerNode): DerNode[] {
  if (!node.constructed) throw new DerError(`tag 0x${node.tag.toString(16)} is not constructed`)
  const out: DerNode[] = []
  let offset = 0
  while (offset < node.content.length) {
    const { node: child, next } = readTlv(node.content, offset)
    out.push(child)
    offset = next
  }
  return out
}

export function expect(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) throw new DerError(`expected ${what}`)
  return node
}

export function decodeOid(node: DerNode): string {
  const b = expect(node, TAG.OID, 'OBJECT IDENTIFIER').content
  if (b.length === 0) throw new DerError('empty OID')
  const first = b[0] as number
  const parts: number[] = [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80]
  let v = 0
  for (let i = 1; i < b.length; i++) {
    const byte = b[i] as number
    v = v * 128 + (byte & 0x7f)
    if (!(byte & 0x80)) {
      parts.push(v)
      v = 0
    }
  }
  return parts.join('.')
}

/** INTEGER as upper-case hex without leading zero padding (serial-number style). */
export function integerHex(node: DerNode): string {
  const b = expect(node, TAG.INTEGER, 'INTEGER').content
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return b.subarray(i).toString('hex').toUpperCase()
}

export function decodeTime(node: DerNode): Date {
  const s = node.content.toString('latin1')
  let m: RegExpMatchArray | null
  if (node.tag === TAG.UTC_TIME && (m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    const yy = Number(m[1])
    return new Date(
      Date.UTC(
        yy >= 50 ? 1900 + yy : 2000 + yy,
        Number(m[2]) - 1,
        Number(m[3]),
        Number(m[4]),
        Number(m[5]),
        Number(m[6])
      )
    )
  }
  if (node.tag === TAG.GENERALIZED_TIME && (m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])))
  }
  throw new DerError(`unsupported time value ${JSON.stringify(s)}`)
}

export function decodeString(node: DerNode): string {
  switch (node.tag) {
    case TAG.UTF8_STRING:
      return node.content.toString('utf8')
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.TELETEX_STRING:
      return node.content.toString('latin1')
    case TAG.BMP_STRING: {
      const swapped = Buffer.from(node.content)
      swapped.swap16()
      return swapped.toString('utf16le')
    }
    default:
      throw new DerError(`unsupported string tag 0x${node.tag.toString(16)}`)
  }
}

/** BIT STRING payload without the unused-bits octet. */
export function bitStringBytes(node: DerNode): { bytes: Buffer; unusedBits: number } {
  const c = expect(node, TAG.BIT_STRING, 'BIT STRING').content
  if (c.length === 0) throw new DerError('empty BIT STRING')
  return { bytes: c.subarray(1), unusedBits: c[0] as number }
}
