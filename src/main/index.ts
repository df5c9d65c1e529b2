import { readFileSync, writeFileSync } from 'node:fs'
import { extname, join, normalize, sep } from 'node:path'
import { app, BrowserWindow, ipcMain, net, protocol, session, shell, type IpcMainInvokeEvent } from 'electron'
import { autoUpdater } from 'electron-updater'
import { EVENT_CHANNEL_PREFIX } from '../shared/bridge-names'
import { ipcContract } from '../shared/ipc-contract'
import { AppError } from '../shared/errors'
import { findResourcesDir, loadCoreConfig } from './config'
import { cliArgsFromElectronArgv, runCli } from './cli'
import { startAppLogging } from './logging/setup'
import { defaultUserDataDir } from './policy/locations'
import { updateSettings } from './policy/update-settings'
import { createAppCore } from './core/app-core'
import { APP_ORIGIN, isAppUrl, permissionAllowed, safeExternalUrl } from './shell-policy'
import { RENDERER_CSP } from './webhost/server'

// The Electron shell: the only module that imports `electron`. It hardens the window the way
// Element Desktop does and forwards IPC to the plain-Node core after checking the sender.

const rendererDir = join(__dirname, '../renderer')

protocol.registerSchemesAsPrivileged([
  { scheme: 'eccs', privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } }
])

// The installed app has no separate Node (RunAsNode is fused off): `<app> doctor --json` etc. run
// the IT command line instead of opening a window.
const cliArgs = cliArgsFromElectronArgv(process.argv, app.isPackaged)
// One folder for the app, the CLI and settings.json on every OS.
app.setPath('userData', defaultUserDataDir())

if (cliArgs) {
  const io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t), env: process.env }
  void runCli(cliArgs, io).then((code) => app.exit(code), () => app.exit(2))
} else if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0]
    if (win) {
      if (win.isMinimized()) win.restore()
      win.focus()
    }
  })
  void app.whenReady().then(start)
}

function serveRenderer(): void {
  protocol.handle('eccs', async (request) => {
    const url = new URL(request.url)
    if (url.host !== 'app') return new Response('not found', { status: 404 })
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '')
    const file = join(rendererDir, rel === '' ? 'index.html' : rel)
    if (!file.startsWith(rendererDir + sep)) return new Response('forbidden', { status: 403 })
    const target = extname(file) ? file : join(rendererDir, 'index.html')
    const res = await net.fetch(`file://${target}`)
    const headers = new Headers(res.headers)
    headers.set('content-security-policy', RENDERER_CSP)
    headers.set('x-content-type-options', 'nosniff')
    return new Response(res.body, { status: res.status, headers })
  })
}

interface WindowState { width: number; height: number; x?: number; y?: number }

function loadWindowState(file: string): WindowState {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<WindowState>
    if (typeof s.width === 'number' && typeof s.height === 'number') return s as WindowState
  } catch {
    // first launch or unreadable: use defaults
  }
  return { width: 1200, height: 820 }
}

function start(): void {
  const resourcesDir = findResourcesDir(__dirname)
  const config = loadCoreConfig(process.env, { version: app.getVersion(), resourcesDir, userDataDir: app.getPath('userData') })
  const log = startAppLogging(config)
  const core = createAppCore(config, 'electron')
  startUpdates(config.settings)
  // Chromium's own requests (there are none to the API; the core uses its own agent) follow the policy too.
  const proxy = config.settings.values.proxy
  if (proxy === 'direct') void session.defaultSession.setProxy({ mode: 'direct' })
  else if (proxy !== 'system') void session.defaultSession.setProxy({ proxyRules: proxy, proxyBypassRules: config.settings.values.proxyBypass.join(',') })

  // Deny every permission except the two the app uses from its own pages: desktop notifications
  // (asked for when the user presses 開啟桌面通知) and writing the support text to the clipboard.
  session.defaultSession.setPermissionRequestHandler((wc, perm, cb) => cb(permissionAllowed(perm, wc.getURL())))
  session.defaultSession.setPermissionCheckHandler((_wc, perm, origin) => permissionAllowed(perm, origin))
  serveRenderer()

  for (const channel of Object.keys(ipcContract)) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, payload: unknown) => {
      if (!isAppUrl(event.senderFrame?.url)) return { ok: false, error: new AppError('FORBIDDEN_SENDER').toPayload() }
      return core.dispatch(channel, payload)
    })
  }

  const stateFile = join(app.getPath('userData'), 'window-state.json')
  const state = loadWindowState(stateFile)
  const win = new BrowserWindow({
    ...state,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: '實名認證桌面用戶端',
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // Middle-click must not open links in new windows (Electronegativity AUXCLICK_JS_CHECK).
      disableBlinkFeatures: 'Auxclick'
    }
  })
  win.once('ready-to-show', () => win.show())
  win.on('close', () => {
    try {
      writeFileSync(stateFile, JSON.stringify(win.getBounds()))
    } catch {
      // losing the window size is not worth failing shutdown for
    }
  })

  // No popups; external http(s) links go to the system browser, nothing else leaves the app.
  win.webContents.setWindowOpenHandler(({ url }) => {
    const external = safeExternalUrl(url)
    if (external) void shell.openExternal(external)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault()
  })
  win.webContents.on('will-attach-webview', (event) => event.preventDefault())
  // A crashed renderer comes back on the same page (the hash route) with the session main still
  // holds — never a dead window, never a half state (issue 15 item 5). Not on a clean exit.
  win.webContents.on('render-process-gone', (_event, details) => {
    if (details.reason !== 'clean-exit' && !win.isDestroyed()) win.webContents.reload()
  })

  const unsubscribe = core.onEvent((name, payload) => {
    if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL_PREFIX + name, payload)
  })
  core.start()
  void win.loadURL(`${APP_ORIGIN}/index.html`)

  app.on('window-all-closed', () => {
    unsubscribe()
    void core
      .stop()
      .then(() => log.close())
      .finally(() => app.quit())
  })
}

/** Signed updates through electron-updater, as machine policy / settings allow (docs/deployment.md). */
function startUpdates(settings: Parameters<typeof updateSettings>[0]): void {
  const decision = updateSettings(settings, { packaged: app.isPackaged })
  if (!decision.enabled) {
    console.info(`updates off: ${decision.reason ?? ''}`)
    return
  }
  autoUpdater.channel = decision.channel
  autoUpdater.allowDowngrade = false // setting the channel turns downgrades on
  if (decision.url) autoUpdater.setFeedURL({ provider: 'generic', url: decision.url, channel: decision.channel })
  void autoUpdater.checkForUpdatesAndNotify().catch((err: unknown) => console.warn(`update check failed: ${err instanceof Error ? err.message : String(err)}`))
}
