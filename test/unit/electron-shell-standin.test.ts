import { generateKeyPairSync, sign } from 'node:crypto'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ipcContract } from '../../src/shared/ipc-contract'
import { startTestServer, type TestServer } from '../../server-mock/test-helpers'
import { ensureBuilt, root } from '../electron-standin/ensure-built'

// The BUILT Electron shell (out/main/index.js) loaded under plain Node against a RECORDING
// STAND-IN of the `electron` and `electron-updater` APIs (test/electron-standin/, not Electron).
// It asserts the wiring index.ts is responsible for; the decisions themselves are unit-tested in
// electron-shell-modules.test.ts, and the real binary runs test/electron/ where it exists.

const built = join(root, 'out/main/index.js')
const nodeRequire = createRequire(__filename)

interface Frame {
  url: string
}
type IpcHandler = (
  event: { senderFrame: Frame | null },
  payload: unknown
) => Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>
interface StandinWindow {
  options: { webPreferences: Record<string, unknown> } & Record<string, unknown>
  webContents: {
    windowOpenHandler: (d: { url: string }) => { action: string }
    emit(event: string, ...args: unknown[]): boolean
    listenerCount(event: string): number
    sent: { channel: string; payload: unknown }[]
  }
  loaded: string[]
  visible: boolean
  focused: number
  emit(event: string, ...args: unknown[]): boolean
  clickClose(): boolean
}
interface MenuSpec {
  label?: string
  role?: string
  id?: string
  enabled?: boolean
  submenu?: MenuSpec[]
  click?: () => void
  type?: string
}
interface Recording {
  unmodelled: { api: string }[]
  privilegedSchemes: { scheme: string; privileges: Record<string, boolean> }[]
  protocolHandlers: Map<string, (r: Request) => Response | Promise<Response>>
  ipcHandlers: Map<string, IpcHandler>
  windows: StandinWindow[]
  applicationMenu: { template: MenuSpec[] } | null
  popups: { menu: { template: MenuSpec[] } }[]
  trays: { image: string; tooltip: string | null; menu: { template: MenuSpec[] } | null; emit(e: string): boolean }[]
  notifications: { options: { title: string; body: string }; shown: boolean; emit(e: string): boolean }[]
  dialogs: { buttons: string[]; title: string }[]
  dialogAnswer: number
  opened: string[]
  permission: {
    request: ((wc: { getURL(): string }, p: string, cb: (ok: boolean) => void) => void) | null
    check: ((wc: unknown, p: string, origin: string) => boolean) | null
  }
  quit: number
  packaged: boolean
  fetchAnswer: ((url: string) => Response) | null
  fetches: string[]
}
interface Updater {
  channel: string | null
  allowDowngrade: boolean
  autoInstallOnAppQuit: boolean
  feed: { url: string } | null
  checks: number
  installs: number
  emit(event: string, ...args: unknown[]): boolean
}

const standin = nodeRequire('../electron-standin/electron.cjs') as {
  __recording: Recording
  __ready(): void
  app: { emit(e: string): boolean }
}
const updater = (nodeRequire('../electron-standin/electron-updater.cjs') as { autoUpdater: Updater }).autoUpdater
const rec = standin.__recording

const APP = { senderFrame: { url: 'eccs://app/index.html' } }
const tmp = mkdtempSync(join(tmpdir(), 'eccs-standin-'))
const savedEnv = { ...process.env }
const savedConsole = {
  log: console.log,
  info: console.info,
  warn: console.warn,
  error: console.error,
  debug: console.debug
}
const savedListeners = { exc: process.listeners('uncaughtException'), rej: process.listeners('unhandledRejection') }
const Module = nodeRequire('node:module') as { _load: (request: string, parent: unknown, isMain: boolean) => unknown }
const originalLoad = Module._load
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })

// server-mock (HTTPS) behind a TCP proxy the test can pause: while paused no byte moves in either
// direction, so a card operation (certificate login) waiting on the platform stays in flight
// until the test resumes — and the update must wait for it.
let platform: TestServer
let proxy: Server
let paused = false
const held: (() => void)[] = []
function pipe(from: Socket, to: Socket): void {
  from.on('data', (chunk: Buffer) => {
    if (paused) held.push(() => to.write(chunk))
    else to.write(chunk)
  })
  from.on('error', () => to.destroy())
  from.on('close', () => to.destroy())
}
function resume(): void {
  paused = false
  for (const send of held.splice(0)) send()
}
let proxiedBytes = 0

let win: StandinWindow
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await wait(20)
  }
}

beforeAll(async () => {
  ensureBuilt()
  platform = await startTestServer()
  const target = new URL(platform.server.url)
  proxy = createServer((client) => {
    const upstream = connect(Number(target.port), '127.0.0.1')
    client.on('data', (c: Buffer) => (proxiedBytes += c.length))
    pipe(client, upstream)
    pipe(upstream, client)
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
  const port = (proxy.address() as { port: number }).port

  // Resources with an update-signing key, a machine policy that turns the shell features on.
  const resources = join(tmp, 'resources')
  cpSync(join(root, 'resources'), resources, { recursive: true })
  mkdirSync(join(resources, 'update'), { recursive: true })
  writeFileSync(join(resources, 'update', 'update-public-key.pem'), publicKey.export({ type: 'spki', format: 'pem' }))
  writeFileSync(
    join(tmp, 'policy.json'),
    JSON.stringify({
      apiBaseUrl: `https://127.0.0.1:${port}`,
      updateUrl: 'https://updates.test.example/eccs/',
      closeToTray: true,
      startAtLogin: true,
      revocationCheck: 'off'
    })
  )
  Object.assign(process.env, {
    ECCS_RESOURCES_DIR: resources,
    ECCS_POLICY_FILE: join(tmp, 'policy.json'),
    ECCS_USER_DATA_DIR: join(tmp, 'user'),
    ECCS_LOG_DIR: join(tmp, 'logs'),
    XDG_CONFIG_HOME: join(tmp, 'xdg'),
    ECCS_API_CA: platform.server.caCertPath // development builds trust server-mock's dev CA
  })
  delete process.env.ECCS_API_URL
  delete process.env.ECCS_DEMO

  rec.packaged = true
  Module._load = function load(request: string, parent: unknown, isMain: boolean): unknown {
    if (request === 'electron') return standin
    if (request === 'electron-updater') return nodeRequire('../electron-standin/electron-updater.cjs')
    return originalLoad.call(this, request, parent, isMain)
  }
  nodeRequire(built)
  standin.__ready()
  await until('the window', () => rec.windows.length === 1)
  win = rec.windows[0] as StandinWindow
}, 240_000)

afterAll(async () => {
  resume()
  proxy?.close()
  if (rec.windows.length > 0) {
    standin.app.emit('window-all-closed')
    await until('quit after core.stop', () => rec.quit > 0, 15_000).catch(() => undefined)
  }
  Module._load = originalLoad
  Object.assign(console, savedConsole)
  for (const l of process.listeners('uncaughtException'))
    if (!savedListeners.exc.includes(l)) process.off('uncaughtException', l)
  for (const l of process.listeners('unhandledRejection'))
    if (!savedListeners.rej.includes(l)) process.off('unhandledRejection', l)
  process.env = savedEnv
  await platform?.close()
  rmSync(tmp, { recursive: true, force: true })
}, 30_000)

describe('Electron shell wiring (built out/main/index.js on the recording stand-in)', () => {
  it('registers every contract channel, each refusing a sender that is not the app', async () => {
    expect([...rec.ipcHandlers.keys()].sort()).toEqual(Object.keys(ipcContract).sort())
    const foreign: { senderFrame: Frame | null }[] = [
      { senderFrame: { url: 'https://evil.example/' } },
      { senderFrame: { url: 'file:///etc/passwd' } },
      { senderFrame: { url: 'eccs://app.evil/index.html' } },
      { senderFrame: { url: 'eccs://user@app/index.html' } },
      { senderFrame: null }
    ]
    for (const [channel, handler] of rec.ipcHandlers) {
      for (const event of foreign) {
        const r = await handler(event, {})
        expect(r, `${channel} from ${event.senderFrame?.url ?? 'no frame'}`).toEqual({
          ok: false,
          error: expect.objectContaining({ code: 'FORBIDDEN_SENDER' })
        })
      }
    }
    // …and the app's own page reaches the core.
    const info = await (rec.ipcHandlers.get('app:getInfo') as IpcHandler)(APP, {})
    expect(info).toEqual({ ok: true, value: expect.objectContaining({ host: 'electron', version: '0.0.0-standin' }) })
  })

  it('creates the window with the hardened web preferences', () => {
    expect(rec.windows).toHaveLength(1)
    expect(win.options.webPreferences).toEqual({
      preload: join(root, 'out/preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick'
    })
    expect(win.loaded).toEqual(['eccs://app/index.html'])
  })

  it('serves eccs://app from the built renderer with the CSP, and nothing outside it', async () => {
    expect(rec.privilegedSchemes).toEqual([
      { scheme: 'eccs', privileges: expect.objectContaining({ standard: true, secure: true }) }
    ])
    const handler = rec.protocolHandlers.get('eccs') as (r: Request) => Response | Promise<Response>
    const ok = await handler(new Request('eccs://app/index.html'))
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self';/)
    expect(ok.headers.get('content-security-policy')).not.toMatch(/unsafe-(eval|inline)/)
    expect(await ok.text()).toBe(readFileSync(join(root, 'out/renderer/index.html'), 'utf8'))
    const attacks = [
      'eccs://app/../main/index.js',
      'eccs://app/%2e%2e/main/index.js',
      'eccs://app/%252e%252e/%252e%252e/package.json',
      'eccs://app/..%2f..%2fpackage.json',
      'eccs://app/..%5c..%5cpackage.json',
      'eccs://app/assets/..\\..\\package.json',
      'eccs://app/%2fetc%2fpasswd',
      'eccs://app/index.html%00.js',
      'eccs://app/x.js#/../../package.json',
      'eccs://app/x.js?/../../package.json',
      'eccs://app/.%2e/package.json',
      'eccs://app/%E0%A4%A',
      'eccs://evil/index.html',
      'file:///etc/passwd'
    ]
    for (const url of attacks) {
      const r = await handler(new Request(url))
      expect(r.status, url).toBeGreaterThanOrEqual(400)
      expect(r.headers.get('content-security-policy'), url).toMatch(/^default-src 'none'/)
    }
  })

  it('denies permissions other than the two the app uses, and any to other origins', () => {
    const ask = (url: string, perm: string): boolean => {
      let granted: boolean | null = null
      rec.permission.request?.({ getURL: () => url }, perm, (v) => (granted = v))
      return granted === true
    }
    expect(ask('eccs://app/index.html', 'notifications')).toBe(true)
    expect(ask('eccs://app/index.html', 'clipboard-sanitized-write')).toBe(true)
    for (const perm of ['media', 'geolocation', 'clipboard-read', 'hid', 'usb', 'serial', 'openExternal'])
      expect(ask('eccs://app/index.html', perm), perm).toBe(false)
    expect(ask('https://evil.example/', 'notifications')).toBe(false)
    expect(rec.permission.check?.(null, 'notifications', 'eccs://app')).toBe(true)
    expect(rec.permission.check?.(null, 'notifications', 'https://evil.example')).toBe(false)
    expect(rec.permission.check?.(null, 'media', 'eccs://app')).toBe(false)
  })

  it('guards navigation: no popups, no foreign navigation, no webviews; http(s) links go to the browser', () => {
    expect(win.webContents.windowOpenHandler({ url: 'https://www.customs.gov.tw/' })).toEqual({ action: 'deny' })
    expect(win.webContents.windowOpenHandler({ url: 'file:///C:/Windows/system32/calc.exe' })).toEqual({
      action: 'deny'
    })
    expect(rec.opened).toEqual(['https://www.customs.gov.tw/'])
    const navigate = (url: string): boolean => {
      let prevented = false
      win.webContents.emit('will-navigate', { preventDefault: () => (prevented = true) }, url)
      return prevented
    }
    expect(navigate('https://evil.example/')).toBe(true)
    expect(navigate('file:///etc/passwd')).toBe(true)
    expect(navigate('eccs://app/index.html')).toBe(false)
    let webview = false
    win.webContents.emit('will-attach-webview', { preventDefault: () => (webview = true) })
    expect(webview).toBe(true)
  })

  it('sets a zh-TW application menu without Reload/DevTools when packaged, and an input context menu', () => {
    const menu = rec.applicationMenu?.template ?? []
    expect(menu.map((m) => m.label)).toEqual(['檔案', '編輯', '檢視', '視窗', '說明'])
    const roles = (items: MenuSpec[]): string[] =>
      items.flatMap((i) => [...(i.role ? [i.role] : []), ...roles(i.submenu ?? [])])
    expect(roles(menu)).toEqual(
      expect.arrayContaining([
        'undo',
        'redo',
        'cut',
        'copy',
        'paste',
        'selectAll',
        'quit',
        'minimize',
        'togglefullscreen'
      ])
    )
    expect(roles(menu)).not.toEqual(expect.arrayContaining(['toggleDevTools']))
    expect(roles(menu)).not.toContain('reload')
    // Help → 環境檢查 brings the window forward on the diagnostics view.
    const diagnostics = menu.find((m) => m.label === '說明')?.submenu?.find((i) => i.id === 'diagnostics')
    diagnostics?.click?.()
    expect(win.webContents.sent.at(-1)).toEqual({ channel: 'event:app:navigate', payload: { view: 'diagnostics' } })

    win.webContents.emit(
      'context-menu',
      {},
      {
        isEditable: true,
        selectionText: '',
        editFlags: { canCut: false, canCopy: false, canPaste: true, canSelectAll: true }
      }
    )
    const popup = rec.popups.at(-1)?.menu.template ?? []
    expect(popup.filter((i) => i.role).map((i) => [i.label, i.enabled])).toEqual([
      ['剪下', false],
      ['複製', false],
      ['貼上', true],
      ['全選', true]
    ])
    const before = rec.popups.length
    win.webContents.emit(
      'context-menu',
      {},
      {
        isEditable: false,
        selectionText: '',
        editFlags: { canCut: false, canCopy: false, canPaste: false, canSelectAll: false }
      }
    )
    expect(rec.popups.length).toBe(before)
  })

  it('shows a tray icon, notifications that focus the window on the delegations, and keeps the app in the tray on close', async () => {
    expect(rec.trays).toHaveLength(1)
    const tray = rec.trays[0] as Recording['trays'][number]
    expect(tray.image).toBe(join(tmp, 'resources/icons/icon.png'))
    expect(tray.tooltip).toBe('實名認證桌面用戶端')
    expect(tray.menu?.template.map((i) => i.id ?? i.type)).toEqual(['pending', 'separator', 'show', 'quit'])
    // Signed in, the page's pending-count poll updates the tray with the platform's count.
    const login = await (rec.ipcHandlers.get('session:loginPassword') as IpcHandler)(APP, {
      account: 'demo',
      password: 'Demo1234'
    })
    expect(login.ok).toBe(true)
    const pending = await (rec.ipcHandlers.get('delegations:pendingCount') as IpcHandler)(APP, {})
    const count = (pending.value as { count: number }).count
    expect(count).toBeGreaterThan(0)
    expect(tray.tooltip).toBe(`實名認證桌面用戶端 — 尚未確認 ${count} 筆`)
    expect(tray.menu?.template[0]).toMatchObject({ id: 'pending', label: `尚未確認 ${count} 筆`, enabled: false })
    await (rec.ipcHandlers.get('session:logout') as IpcHandler)(APP, {})
    expect(tray.tooltip).toBe('實名認證桌面用戶端')

    const r = await (rec.ipcHandlers.get('app:notify') as IpcHandler)(APP, {
      title: '新的委任',
      body: '有 2 筆尚未確認',
      view: 'delegations'
    })
    expect(r).toEqual({ ok: true, value: { shown: true } })
    const note = rec.notifications.at(-1) as Recording['notifications'][number]
    expect(note.shown).toBe(true)
    win.visible = false
    note.emit('click')
    expect(win.visible).toBe(true)
    expect(win.webContents.sent.at(-1)).toEqual({ channel: 'event:app:navigate', payload: { view: 'delegations' } })

    // closeToTray (policy): the close button hides; once quitting, it closes.
    expect(win.clickClose()).toBe(true)
    expect(win.visible).toBe(false)
    // Start at login (policy, packaged, Linux): an XDG autostart entry that starts in the tray.
    if (process.platform === 'linux')
      expect(readFileSync(join(tmp, 'xdg/autostart/eccs-client.desktop'), 'utf8')).toMatch(/^Exec=".+" --hidden$/m)
  })

  it('reloads a crashed renderer and leaves a clean exit alone', () => {
    const n = win.loaded.length
    win.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 })
    expect(win.loaded.length).toBe(n + 1)
    expect(win.loaded.at(-1)).toBe('eccs://app/index.html')
    win.webContents.emit('render-process-gone', {}, { reason: 'clean-exit', exitCode: 0 })
    expect(win.loaded.length).toBe(n + 1)
  })

  it('logs renderer errors through the contract into the redacted log', async () => {
    const r = await (rec.ipcHandlers.get('app:reportError') as IpcHandler)(APP, {
      kind: 'vue',
      message: 'TypeError: x is undefined for A123456789',
      info: 'setup function'
    })
    expect(r).toEqual({ ok: true, value: {} })
    // …into the app's log file (which the support bundle collects), redacted.
    const logFile = join(tmp, 'logs', 'eccs.log')
    await until('the log line', () => {
      try {
        return readFileSync(logFile, 'utf8').includes('[renderer] vue (setup function)')
      } catch {
        return false
      }
    })
    const logged = readFileSync(logFile, 'utf8')
    expect(logged).toContain('[renderer] vue (setup function): TypeError: x is undefined for A12****789')
    expect(logged).not.toContain('A123456789')
    const bad = await (rec.ipcHandlers.get('app:reportError') as IpcHandler)(APP, {
      kind: 'vue',
      message: 'x'.repeat(5000)
    })
    expect(bad).toEqual({ ok: false, error: expect.objectContaining({ code: 'INVALID_REQUEST' }) })
  })

  it('updates: feed from policy, Linux signature checked, restart asked only after the card operation ends', async () => {
    expect(updater.channel).toBe('latest')
    expect(updater.allowDowngrade).toBe(false)
    expect(updater.feed).toEqual(
      expect.objectContaining({ provider: 'generic', url: 'https://updates.test.example/eccs/' })
    )
    expect(updater.checks).toBe(1)
    if (process.platform !== 'linux') return
    expect(updater.autoInstallOnAppQuit).toBe(false) // Linux: nothing installs before the signature verified

    const file = join(tmp, 'eccs-client-9.9.9.AppImage')
    writeFileSync(file, Buffer.alloc(100_000, 7))
    const good = sign('sha256', readFileSync(file), privateKey)

    // 1. A signature by another key: not installed, not even on quit, and nobody is asked.
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
    rec.fetchAnswer = () => new Response(new Uint8Array(sign('sha256', readFileSync(file), other)))
    updater.emit('update-downloaded', { version: '9.9.9', downloadedFile: file })
    await wait(300)
    expect(rec.fetches.at(-1)).toBe('https://updates.test.example/eccs/eccs-client-9.9.9.AppImage.sig')
    expect(rec.dialogs).toHaveLength(0)
    expect(updater.autoInstallOnAppQuit).toBe(false)

    // 2. Signed with the shipped key while a certificate login waits on the card/platform.
    rec.fetchAnswer = () => new Response(new Uint8Array(good))
    paused = true
    const before = proxiedBytes
    const login = (rec.ipcHandlers.get('session:loginCertificate') as IpcHandler)(APP, {
      pin: '123456',
      ticket: 'T'.repeat(43)
    })
    await until('the login to reach the platform', () => proxiedBytes > before)
    updater.emit('update-downloaded', { version: '9.9.9', downloadedFile: file })
    await wait(500)
    expect(updater.autoInstallOnAppQuit).toBe(true)
    expect(rec.dialogs).toHaveLength(0) // not asked during the card operation
    expect(updater.installs).toBe(0)
    resume()
    const outcome = await login
    // No card here: the card layer refuses after the platform answered the challenge.
    expect(outcome).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: expect.stringMatching(/^(NOT_READY|NO_READER|NO_CARD|PCSC_UNAVAILABLE|PIN_TICKET_INVALID)$/)
      })
    })
    rec.dialogAnswer = 0 // 立即重新啟動
    await until('the restart question', () => rec.dialogs.length === 1)
    expect(rec.dialogs[0]?.buttons).toEqual(['立即重新啟動', '稍後'])
    await until('quitAndInstall', () => updater.installs === 1)
  }, 60_000)

  it('once the app is quitting, the close button closes instead of hiding to the tray', () => {
    standin.app.emit('before-quit')
    expect(win.clickClose()).toBe(false)
  })

  it("the stand-in's net.request models Chromium's TLS decision (for the network stack's Electron transport)", async () => {
    type Req = { setHeader(k: string, v: string): void; end(): void; on(e: string, f: (x: never) => void): void }
    const electron = standin as unknown as {
      net: { request(o: { url: string; method: string; session: unknown }): Req }
      session: {
        fromPartition(p: string): {
          setCertificateVerifyProc(
            p: (
              r: { errorCode: number; certificate: { data: string; issuerCert: unknown } },
              cb: (n: number) => void
            ) => void
          ): void
        }
      }
    }
    const url = `${platform.server.apiBase}/health`
    const get = (partition: string): Promise<number | string> =>
      new Promise((resolve) => {
        const r = electron.net.request({ url, method: 'GET', session: electron.session.fromPartition(partition) })
        r.on('response', (res: { statusCode: number; resume(): void }) => {
          res.resume()
          resolve(res.statusCode)
        })
        r.on('error', (e: Error) => resolve(e.message))
        r.end()
      })
    expect(await get('selftest-default')).toBe(200) // dev CA trusted, no verify proc: Chromium's verdict
    const seen: number[] = []
    electron.session.fromPartition('selftest-reject').setCertificateVerifyProc((req, cb) => {
      seen.push(req.errorCode)
      expect(req.certificate.data).toMatch(/^-----BEGIN CERTIFICATE-----/)
      cb(-2)
    })
    expect(await get('selftest-reject')).toBe('net::ERR_CERT_AUTHORITY_INVALID')
    expect(seen).toEqual([0])
    const ca = process.env.ECCS_API_CA
    delete process.env.ECCS_API_CA // server-mock's CA is not in the system store
    try {
      expect(await get('selftest-untrusted')).toBe('net::ERR_CERT_AUTHORITY_INVALID')
      electron.session
        .fromPartition('selftest-accept')
        .setCertificateVerifyProc((req, cb) => cb(req.errorCode === -202 ? 0 : -2))
      expect(await get('selftest-accept')).toBe(200) // the app's verify proc may accept what Chromium refuses
    } finally {
      process.env.ECCS_API_CA = ca
    }
  })

  it('touches no Electron API the stand-in does not model (or the stand-in needs extending)', () => {
    expect(rec.unmodelled.map((c) => c.api)).toEqual([])
  })
})
