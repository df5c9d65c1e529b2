import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkModuleFile, libraryArchitectures } from '../../src/main/card/module-file'

// The PKCS#11 module is checked before dlopen: present, a shared library, built for this CPU.

const dir = mkdtempSync(join(tmpdir(), 'module-file-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function elf(machine: number): string {
  const b = Buffer.alloc(64)
  b.writeUInt32BE(0x7f454c46, 0)
  b[4] = 2 // 64-bit
  b[5] = 1 // little endian
  b.writeUInt16LE(machine, 18)
  const file = join(dir, `lib-${machine}.so`)
  writeFileSync(file, b)
  return file
}

function pe(machine: number): string {
  const b = Buffer.alloc(256)
  b.write('MZ', 0, 'latin1')
  b.writeUInt32LE(0x80, 0x3c)
  b.write('PE\0\0', 0x80, 'latin1')
  b.writeUInt16LE(machine, 0x84)
  const file = join(dir, `mod-${machine}.dll`)
  writeFileSync(file, b)
  return file
}

describe('PKCS#11 module file check', () => {
  it('reads the architecture of the real SoftHSM module and of ELF / PE / Mach-O headers', () => {
    expect(libraryArchitectures('/usr/lib/softhsm/libsofthsm2.so')).toEqual([process.arch])
    expect(libraryArchitectures(elf(0xb7))).toEqual(['arm64'])
    expect(libraryArchitectures(pe(0x14c))).toEqual(['ia32'])
    expect(libraryArchitectures(pe(0x8664))).toEqual(['x64'])
    const macho = Buffer.alloc(32)
    macho.writeUInt32LE(0xfeedfacf, 0)
    macho.writeUInt32LE(0x0100000c, 4)
    writeFileSync(join(dir, 'lib.dylib'), macho)
    expect(libraryArchitectures(join(dir, 'lib.dylib'))).toEqual(['arm64'])
  })

  it('names the file: missing, not a library, wrong CPU', () => {
    expect(() => checkModuleFile(join(dir, 'absent.so'))).toThrow(/MODULE_MISSING: .*absent\.so: no such file/)
    writeFileSync(join(dir, 'notes.txt'), 'hello')
    expect(() => checkModuleFile(join(dir, 'notes.txt'))).toThrow(/notes\.txt: not a shared library/)
    expect(() => checkModuleFile(dir)).toThrow(/not a file/)
    expect(() => checkModuleFile(pe(0x14c), 'x64')).toThrow(/mod-332\.dll: built for ia32, this process is x64/)
    expect(() => checkModuleFile('/usr/lib/softhsm/libsofthsm2.so')).not.toThrow()
  })
})
