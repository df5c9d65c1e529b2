import { spawnSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

// The electron-builder configuration, loaded and validated by electron-builder itself, and the
// fields deployment depends on. Where the Electron binary exists, an unpacked packaging build runs.

const root = join(__dirname, '../..')

type Config = Record<string, unknown> & {
  win: { target: { target: string }[]; verifyUpdateCodeSignature: boolean; icon: string }
  nsis: Record<string, unknown>
  msi: Record<string, unknown>
  mac: {
    target: { target: string }[]
    hardenedRuntime: boolean
    entitlements: string
    entitlementsInherit: string
    notarize: boolean
    icon: string
  }
  linux: { target: string[]; icon: string }
  deb: { depends: string[] }
  rpm: { depends: string[] }
  electronFuses: Record<string, boolean>
  extraResources: { from: string; to: string; filter: string[] }[]
  asarUnpack: string[]
  extraMetadata: { desktopName: string }
}

async function loadConfig(): Promise<Config> {
  const { getConfig, validateConfiguration } = (await import('app-builder-lib/out/util/config/config')) as unknown as {
    getConfig: (dir: string, path: string, opts: null) => Promise<Config>
    validateConfiguration: (c: Config, logger: unknown) => Promise<void>
  }
  const { DebugLogger } = (await import('builder-util')) as unknown as {
    DebugLogger: new (enabled: boolean) => unknown
  }
  const config = await getConfig(root, join(root, 'electron-builder.yml'), null)
  await validateConfiguration(config, new DebugLogger(false)) // electron-builder's own JSON schema
  return config
}

function pngSize(file: string): { width: number; height: number; pixels: number } {
  const buf = readFileSync(file)
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  const width = buf.readUInt32BE(16)
  const height = buf.readUInt32BE(20)
  const idat: Buffer[] = []
  for (let at = 8; at < buf.length;) {
    const len = buf.readUInt32BE(at)
    if (buf.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(buf.subarray(at + 8, at + 8 + len))
    at += 12 + len
  }
  const raw = inflateSync(Buffer.concat(idat)) // throws on a broken image
  return { width, height, pixels: (raw.length / height - 1) / 4 }
}

function deepKeys(value: unknown, out: string[] = []): string[] {
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(k, ...deepKeys(v))
  return out
}

describe('electron-builder configuration', () => {
  it('is valid for electron-builder and names the app in Chinese and English', async () => {
    const c = await loadConfig()
    expect(c.appId).toBe('tw.gov.eccs.realname.desktop')
    expect(c.productName).toBe('實名認證桌面用戶端')
    expect(c.extraMetadata.desktopName).toBe('ECCS Real-Name Desktop Client')
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).productName).toBe(
      'ECCS Real-Name Desktop Client'
    )
  })

  it('has a real 512×512 icon for every platform', async () => {
    const c = await loadConfig()
    for (const icon of new Set([c.win.icon, c.mac.icon, c.linux.icon])) {
      expect(icon.startsWith('resources/icons/')).toBe(true)
      expect(pngSize(join(root, icon))).toEqual({ width: 512, height: 512, pixels: 512 })
    }
  })

  it('builds NSIS (per-machine selectable, silent) + MSI, DMG with hardened runtime + notarization, deb/rpm/AppImage', async () => {
    const c = await loadConfig()
    expect(c.win.target.map((t) => t.target)).toEqual(['nsis', 'msi'])
    expect(c.win.verifyUpdateCodeSignature).toBe(true)
    expect(c.nsis).toMatchObject({ oneClick: false, perMachine: false, allowElevation: true })
    expect(c.msi).toMatchObject({ perMachine: true })
    expect(c.mac.target.map((t) => t.target)).toEqual(['dmg', 'zip'])
    expect(c.mac.hardenedRuntime).toBe(true)
    expect(c.mac.notarize).toBe(true)
    for (const plist of [c.mac.entitlements, c.mac.entitlementsInherit]) {
      const text = readFileSync(join(root, plist), 'utf8')
      expect(text).toContain('com.apple.security.cs.disable-library-validation') // HiCOS module is third-party signed
      expect(text).toContain('com.apple.security.cs.allow-jit')
    }
    expect(c.linux.target).toEqual(['deb', 'rpm', 'AppImage'])
    expect(c.deb.depends).toContain('pcscd')
    expect(c.rpm.depends).toContain('pcsc-lite')
  })

  it('unpacks native modules, sets the Electron fuses, and ships resources/ without test anchors', async () => {
    const c = await loadConfig()
    expect(c.asarUnpack).toContain('**/*.node')
    expect(c.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true
    })
    expect(c.extraResources).toEqual([
      { from: 'resources', to: 'resources', filter: ['**/*', '!icons/generate-icon.mjs'] }
    ])
    for (const f of readdirSync(join(root, 'resources/ca'))) {
      const cert = new X509Certificate(readFileSync(join(root, 'resources/ca', f)))
      expect(`${cert.subject} ${cert.issuer}`, f).not.toMatch(/TEST/i)
    }
  })

  it('holds no signing secret: certificates and passwords come from the environment only', async () => {
    const c = await loadConfig()
    const keys = deepKeys(c).map((k) => k.toLowerCase())
    for (const k of [
      'csclink',
      'csckeypassword',
      'cscinstallerlink',
      'cscinstallerkeypassword',
      'certificatefile',
      'certificatepassword',
      'appleid',
      'appleidpassword'
    ])
      expect(keys).not.toContain(k)
    expect(readFileSync(join(root, 'electron-builder.yml'), 'utf8')).not.toMatch(/-----BEGIN|password:\s*\S/i)
  })

  const electronBinary = join(root, 'node_modules/electron/dist')
  const smoke = existsSync(electronBinary) && process.platform === 'linux'
  if (!smoke) console.log(`skipped: packaging smoke build — no Electron binary at ${electronBinary}`)
  it.skipIf(!smoke)(
    'packages an unpacked Linux app (smoke)',
    () => {
      const r = spawnSync(process.execPath, [join(root, 'bin/package.mjs'), '--linux', 'dir'], {
        cwd: root,
        encoding: 'utf8',
        timeout: 600_000
      })
      expect(r.status, r.stderr).toBe(0)
      const unpacked = join(root, 'dist/linux-unpacked')
      expect(existsSync(join(unpacked, 'eccs-client'))).toBe(true)
      expect(existsSync(join(unpacked, 'resources/app.asar'))).toBe(true)
      expect(existsSync(join(unpacked, 'resources/resources/ca/GRCA-G3.pem'))).toBe(true)
    },
    600_000
  )
})
