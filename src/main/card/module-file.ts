import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { AppError } from '../../shared/errors'

// Checks a PKCS#11 module file before dlopen: a missing file or a library built for another CPU
// (32-bit HiCOS on 64-bit Windows, x64 dylib on Apple silicon) must be a clear error naming the
// file, not a crash or an opaque "cannot load".

const ELF_MACHINES: Record<number, string> = { 0x03: 'ia32', 0x28: 'arm', 0x3e: 'x64', 0xb7: 'arm64' }
const PE_MACHINES: Record<number, string> = { 0x14c: 'ia32', 0x8664: 'x64', 0xaa64: 'arm64', 0x1c4: 'arm' }
const MACHO_CPUS: Record<number, string> = { 0x7: 'ia32', 0x01000007: 'x64', 0xc: 'arm', 0x0100000c: 'arm64' }

function readHead(file: string, length: number, position = 0): Buffer {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(length)
    const n = readSync(fd, buf, 0, length, position)
    return buf.subarray(0, n)
  } finally {
    closeSync(fd)
  }
}

/** The CPU architectures a shared library is built for (several for a macOS universal binary). */
export function libraryArchitectures(file: string): string[] {
  const head = readHead(file, 4096)
  if (head.length >= 20 && head.readUInt32BE(0) === 0x7f454c46) {
    const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18)
    return [ELF_MACHINES[machine] ?? `elf-machine-${machine}`]
  }
  if (head.length >= 64 && head.toString('latin1', 0, 2) === 'MZ') {
    const pe = head.readUInt32LE(0x3c)
    const hdr = pe + 6 <= head.length ? head : readHead(file, 6, pe)
    const at = pe + 6 <= head.length ? pe : 0
    if (hdr.toString('latin1', at, at + 4) !== 'PE\0\0') return []
    const machine = hdr.readUInt16LE(at + 4)
    return [PE_MACHINES[machine] ?? `pe-machine-${machine}`]
  }
  if (head.length >= 8) {
    const magicLe = head.readUInt32LE(0)
    if (magicLe === 0xfeedfacf || magicLe === 0xfeedface) {
      const cpu = head.readUInt32LE(4)
      return [MACHO_CPUS[cpu] ?? `macho-cpu-${cpu}`]
    }
    if (head.readUInt32BE(0) === 0xcafebabe) {
      const count = head.readUInt32BE(4)
      const out: string[] = []
      for (let i = 0; i < count && 8 + i * 20 + 4 <= head.length; i++) {
        const cpu = head.readUInt32BE(8 + i * 20)
        out.push(MACHO_CPUS[cpu] ?? `macho-cpu-${cpu}`)
      }
      return out
    }
  }
  return []
}

/** Throws MODULE_MISSING naming the file when it is absent, unreadable or for another CPU. */
export function checkModuleFile(file: string, arch: string = process.arch): void {
  let isFile: boolean
  try {
    isFile = statSync(file).isFile()
  } catch {
    throw new AppError('MODULE_MISSING', `${file}: no such file`)
  }
  if (!isFile) throw new AppError('MODULE_MISSING', `${file}: not a file`)
  let arches: string[]
  try {
    arches = libraryArchitectures(file)
  } catch (err) {
    throw new AppError('MODULE_MISSING', `${file}: cannot be read (${(err as Error).message})`)
  }
  if (arches.length === 0) throw new AppError('MODULE_MISSING', `${file}: not a shared library`)
  if (!arches.includes(arch))
    throw new AppError('MODULE_MISSING', `${file}: built for ${arches.join('+')}, this process is ${arch}`)
}
