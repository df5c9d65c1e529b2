#!/usr/bin/env node
// Draws the app icon (512×512 RGBA PNG) with node:zlib only: a blue rounded square with a white
// ID card carrying a gold contact chip. electron-builder derives the .ico / .icns from it.
//   node resources/icons/generate-icon.mjs
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const SIZE = 512
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (buf) => {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
const chunk = (type, data) => {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

// Signed distance to a rounded rectangle, for anti-aliased edges.
const roundRect = (x, y, cx, cy, hw, hh, r) => {
  const qx = Math.abs(x - cx) - (hw - r)
  const qy = Math.abs(y - cy) - (hh - r)
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r
}
const cover = (d) => Math.min(1, Math.max(0, 0.5 - d))
const over = (dst, [r, g, b], a) => [
  dst[0] * (1 - a) + r * a,
  dst[1] * (1 - a) + g * a,
  dst[2] * (1 - a) + b * a,
  dst[3] + (1 - dst[3]) * a
]

const rows = []
for (let y = 0; y < SIZE; y++) {
  const row = Buffer.alloc(1 + SIZE * 4) // filter byte 0 (None)
  for (let x = 0; x < SIZE; x++) {
    const px = x + 0.5
    const py = y + 0.5
    let c = [0, 0, 0, 0]
    c = over(c, [23, 78, 166], cover(roundRect(px, py, 256, 256, 240, 240, 96))) // background
    c = over(c, [255, 255, 255], cover(roundRect(px, py, 256, 270, 176, 112, 24))) // card
    c = over(c, [214, 168, 52], cover(roundRect(px, py, 168, 262, 44, 34, 8))) // chip
    c = over(c, [23, 78, 166], cover(roundRect(px, py, 330, 236, 70, 9, 4))) // text lines
    c = over(c, [23, 78, 166], cover(roundRect(px, py, 320, 270, 60, 9, 4)))
    c = over(c, [120, 150, 200], cover(roundRect(px, py, 310, 304, 50, 9, 4)))
    const a = c[3]
    const un = (v) => Math.round(a > 0 ? v / a : 0) // stored straight (not premultiplied)
    row.writeUInt8(un(c[0]) & 255, 1 + x * 4)
    row.writeUInt8(un(c[1]) & 255, 2 + x * 4)
    row.writeUInt8(un(c[2]) & 255, 3 + x * 4)
    row.writeUInt8(Math.round(a * 255), 4 + x * 4)
  }
  rows.push(row)
}

const ihdr = Buffer.alloc(13)
ihdr.writeUInt32BE(SIZE, 0)
ihdr.writeUInt32BE(SIZE, 4)
ihdr[8] = 8 // bit depth
ihdr[9] = 6 // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
  chunk('IEND', Buffer.alloc(0))
])
const out = join(dirname(fileURLToPath(import.meta.url)), 'icon.png')
writeFileSync(out, png)
console.log(`wrote ${out} (${png.length} bytes)`)
