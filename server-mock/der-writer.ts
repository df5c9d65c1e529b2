// Minimal DER encoder for the OCSP responder.

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content)
  return Buffer.concat([Buffer.from([tag]), length(body.length), body])
}

export const seq = (...items: Buffer[]): Buffer => tlv(0x30, ...items)
export const octets = (b: Buffer): Buffer => tlv(0x04, b)
export const enumerated = (n: number): Buffer => tlv(0x0a, Buffer.from([n]))
export const nullValue = (): Buffer => Buffer.from([0x05, 0x00])
/** [n] EXPLICIT */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner)
export const bitString = (b: Buffer): Buffer => tlv(0x03, Buffer.from([0]), b)

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const out: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)]
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f]
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f))
    out.push(...chunk)
  }
  return tlv(0x06, Buffer.from(out))
}

export function generalizedTime(d: Date): Buffer {
  const s = d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')
  return tlv(0x18, Buffer.from(s, 'latin1'))
}
