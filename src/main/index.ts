import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  net,
  Notification,
  protocol,
  session,
  shell,
  Tray,
  type IpcMainInvokeEvent,
  type MenuItemConstructorOptions
} from 'electron'
import { autoUpdater } from 'electron-updater'
import { EVENT_CHANNEL_PREFIX } from '../shared/bridge-names'
import { ipcContract } from '../shared/ipc-contract'
import { AppError } from '../shared/errors'
import { RENDERER_CSP } from '../shared/csp'
import { findResourcesDir, loadCoreConfig } from './config'
import { cliArgsFromElectronArgv, runCli } from './cli'
import { startAppLogging } from './logging'
import { defaultUserDataDir, updateSettings } from './policy'
import { createAppCore } from './core'
import { createElectronTransport, proxyLogin } from './net'
import { APP_ORIGIN, isAppUrl, permissionAllowed, safeExternalUrl } from './shell-policy'
import { BusyTracker } from './shell/busy'
import { installProcessErrorHandlers, RendererWatchdog } from './shell/crash-handlers'
import { buildAppMenu, buildContextMenu, type MenuItemSpec } from './shell/menus'
import { closeAction, HIDDEN_FLAG, loginItemPlan, trayView } from './shell/presence'
import { answerRendererRequest, loadRendererFiles, type RendererFiles } from './shell/renderer-files'
import { shellLocale, shellStrings, type ShellStrings } from './shell/strings'
import { onUpdateDownloaded } from './shell/update-flow'
import {
  feedUrlFromAppUpdateYml,
  loadUpdateKey,
  MAX_SIGNATURE_BYTES,
  signatureUrl,
  verifyFileSignature
} from './shell/update-signature'
import type { ShellView } from '../shared/ipc-contract'

// The Electron shell: the only module that imports `electron`. It hardens the window the way
// Element Desktop does and forwards IPC to the plain-Node core after checking the sender. Every
// decision lives in plain-Node modules (./shell/*, ./shell-policy); this file only wires them.
// Its wiring is tested against a recording stand-in of Electron (test/electron-standin/).

const rendererDir = join(__dirname, '../renderer')

protocol.registerSchemesAsPrivileged([
  { scheme: 'eccs', privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } }
])

// Main-process errors go to the log instead of ending the app (console is captured into the log).
installProcessErrorHandlers(process, { error: (m, e) => console.error(m, e), warn: (m) => console.warn(m) })

// The installed app has no separate Node (RunAsNode is fused off): `<app> doctor --json` etc. run
// the IT command line instead of opening a window.
const cliArgs = cliArgsFromElectronArgv(process.argv, app.isPackaged)
// One folder for the app, the CLI and settings.json on every OS.
app.setPath('userData', defaultUserDataDir())

if (cliArgs) {
  const io = {
    out: (t: string) => process.stdout.write(t),
    err: (t: string) => process.stderr.write(t),
    env: process.env
  }
  void runCli(cliArgs, io).then(
    (code) => app.exit(code),
    () => app.exit(2)
  )
} else if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0]
    if (win) {
      if (win.isMinimized()) win.restore()
      win.show() // it may be hidden in the tray
      win.focus()
    }
  })
  void app.whenReady().then(start)
}

/** eccs://app/… answers only from the in-memory map of the built renderer (./shell/renderer-files). */
function serveRenderer(files: RendererFiles): void {
  protocol.handle('eccs', (request) => {
    const answer = answerRendererRequest(request.url, files, RENDERER_CSP)
    return new Response(answer.body, { status: answer.status, headers: answer.headers })
  })
}

interface WindowState {
  width: number
  height: number
  x?: number
  y?: number
}

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
  const config = loadCoreConfig(process.env, {
    version: app.getVersion(),
    resourcesDir,
    userDataDir: app.getPath('userData')
  })
  const log = startAppLogging(config)
  // --- desktop shell (issue 16): strings, busy tracking, notifications, tray ---
  const strings = shellStrings(shellLocale(app.getLocale()))
  const busy = new BusyTracker()
  let mainWindow: BrowserWindow | null = null
  const showView = (view?: ShellView): void => {
    const w = mainWindow
    if (!w || w.isDestroyed()) return
    if (w.isMinimized()) w.restore()
    w.show()
    w.focus()
    if (view) w.webContents.send(`${EVENT_CHANNEL_PREFIX}app:navigate`, { view })
  }
  if (process.platform === 'win32') app.setAppUserModelId('tw.gov.eccs.realname.desktop') // notifications need the installer's AUMID
  // --- network stack block (issue 16 item 1; src/main/net/electron-network.ts) ---
  // The API, OCSP/CRL and the update feed go through Chromium's network service: PAC/WPAD, the OS
  // proxy settings and NTLM/Negotiate as in the browser; proxy mode from policy on the app's session
  // and electron-updater's partition; the platform's host keeps the app's CA rule (verify handler).
  const transport = createElectronTransport<Electron.Session>({
    net,
    sessions: [session.defaultSession, session.fromPartition('electron-updater', { cache: false })],
    app,
    settings: config.settings,
    platformUrl: config.apiBaseUrl,
    devCaPem: config.apiCaFile && existsSync(config.apiCaFile) ? readFileSync(config.apiCaFile, 'utf8') : null
  })
  const answerProxyLogin = proxyLogin(config.settings.values)
  // electron-updater types the callback with required strings; Electron cancels on a call without them.
  autoUpdater.on(
    'login',
    (authInfo, callback) => void answerProxyLogin(authInfo, callback as (u?: string, p?: string) => void)
  )
  // --- end network stack block ---
  const core = createAppCore(config, 'electron', {
    transport,
    notify: (n) => {
      if (!Notification.isSupported()) return false
      const note = new Notification({ title: n.title, body: n.body })
      note.on('click', () => showView(n.view))
      note.show()
      return true
    }
  })
  const presence = startPresence(strings, showView)
  applyLoginItem(config.settings.values.startAtLogin)
  startUpdates(config.settings, { busy, strings, resourcesDir, window: () => mainWindow })
  // --- end desktop shell block ---

  // Deny every permission except the two the app uses from its own pages: desktop notifications
  // (asked for when the user presses 開啟桌面通知) and writing the support text to the clipboard.
  session.defaultSession.setPermissionRequestHandler((wc, perm, cb) => cb(permissionAllowed(perm, wc.getURL())))
  session.defaultSession.setPermissionCheckHandler((_wc, perm, origin) => permissionAllowed(perm, origin))
  serveRenderer(loadRendererFiles(rendererDir))

  for (const channel of Object.keys(ipcContract)) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, payload: unknown) => {
      if (!isAppUrl(event.senderFrame?.url)) return { ok: false, error: new AppError('FORBIDDEN_SENDER').toPayload() }
      const result = await busy.track(channel, () => core.dispatch(channel, payload))
      if (channel === 'delegations:pendingCount')
        presence.pending(result.ok ? (result.value as { count: number }).count : null)
      if (channel === 'session:logout') presence.pending(null)
      return result
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
  mainWindow = win
  // Started at login (--hidden) with a tray icon: stay in the tray until the user opens the window.
  const startHidden = process.argv.includes(HIDDEN_FLAG) && presence.trayAvailable
  win.once('ready-to-show', () => {
    if (!startHidden) win.show()
  })
  win.on('close', (event) => {
    try {
      writeFileSync(stateFile, JSON.stringify(win.getBounds()))
    } catch {
      // losing the window size is not worth failing shutdown for
    }
    if (
      closeAction({
        closeToTray: config.settings.values.closeToTray,
        trayAvailable: presence.trayAvailable,
        quitting: presence.quitting
      }) === 'hide'
    ) {
      event.preventDefault()
      win.hide()
    }
  })

  // --- desktop shell (issue 16): menus and renderer recovery ---
  Menu.setApplicationMenu(
    menuFrom(
      buildAppMenu({
        strings,
        packaged: app.isPackaged,
        platform: process.platform,
        actions: {
          openSettings: () => showView('settings'),
          openDiagnostics: () => showView('diagnostics'),
          openLogFolder: () => void shell.openPath(config.logDir),
          showAbout: () => app.showAboutPanel()
        }
      })
    )
  )
  app.setAboutPanelOptions({ applicationName: strings.appName, applicationVersion: app.getVersion() })
  win.webContents.on('context-menu', (_event, params) => {
    const template = buildContextMenu(params, strings)
    if (template) menuFrom(template).popup({ window: win })
  })
  const watchdog = new RendererWatchdog({
    reload: () => void win.loadURL(`${APP_ORIGIN}/index.html`),
    sink: { error: (m) => console.error(m), warn: (m) => console.warn(m) }
  })
  win.webContents.on('render-process-gone', (_event, details) => void watchdog.gone(details))
  win.on('unresponsive', () => watchdog.unresponsive())
  win.on('responsive', () => watchdog.responsive())
  // --- end desktop shell block ---

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
    presence.destroy()
    void core
      .stop()
      .then(() => log.close())
      .finally(() => app.quit())
  })
}

/** Electron's MenuItemConstructorOptions are a superset of the shell's plain menu data. */
function menuFrom(template: MenuItemSpec[]): Menu {
  return Menu.buildFromTemplate(template as MenuItemConstructorOptions[])
}

interface Presence {
  readonly trayAvailable: boolean
  readonly quitting: boolean
  /** The pending count for the tray (null: signed out / unknown). */
  pending(count: number | null): void
  destroy(): void
}

/** The tray icon (where the OS has one) with the pending count; tracks whether the app is quitting. */
function startPresence(strings: ShellStrings, showView: (view?: ShellView) => void): Presence {
  let quitting = false
  app.on('before-quit', () => {
    quitting = true
  })
  let tray: Tray | null = null
  try {
    tray = new Tray(join(findResourcesDir(__dirname), 'icons', 'icon.png'))
    tray.on('click', () => showView())
  } catch (err) {
    console.warn(`no tray icon: ${err instanceof Error ? err.message : String(err)}`)
  }
  const actions = {
    show: () => showView('delegations'),
    quit: () => {
      quitting = true
      app.quit()
    }
  }
  const render = (count: number | null): void => {
    if (!tray || tray.isDestroyed()) return
    const view = trayView(count, strings, actions)
    tray.setToolTip(view.tooltip)
    if (process.platform === 'darwin') tray.setTitle(view.title)
    tray.setContextMenu(menuFrom(view.menu))
  }
  render(null)
  return {
    get trayAvailable() {
      return tray !== null && !tray.isDestroyed()
    },
    get quitting() {
      return quitting
    },
    pending: render,
    destroy: () => tray?.destroy()
  }
}

/** Start at login as machine policy / settings say (off by default; packaged builds only). */
function applyLoginItem(startAtLogin: boolean): void {
  const plan = loginItemPlan({
    platform: process.platform,
    packaged: app.isPackaged,
    startAtLogin,
    executable: process.env.APPIMAGE ?? process.execPath,
    env: process.env,
    homeDir: homedir()
  })
  try {
    if (plan.kind === 'login-item') app.setLoginItemSettings({ openAtLogin: plan.openAtLogin, args: plan.args })
    else if (plan.kind === 'xdg-autostart' && plan.content !== null) {
      mkdirSync(dirname(plan.file), { recursive: true })
      writeFileSync(plan.file, plan.content)
    } else if (plan.kind === 'xdg-autostart') rmSync(plan.file, { force: true })
  } catch (err) {
    console.warn(`start at login not applied: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** Feed URL for the Linux signature: policy's mirror, else the publish URL baked into app-update.yml. */
function updateFeedUrl(mirror: string | null): string | null {
  if (mirror) return mirror
  try {
    return feedUrlFromAppUpdateYml(readFileSync(join(process.resourcesPath, 'app-update.yml'), 'utf8'))
  } catch {
    return null
  }
}

/**
 * Signed updates through electron-updater, as machine policy / settings allow (docs/deployment.md
 * § Updates): downloaded in the background, then "restart now / later" — never during a card
 * operation — and on Linux only after the detached signature verified (./shell/update-flow).
 */
function startUpdates(
  settings: Parameters<typeof updateSettings>[0],
  ctx: { busy: BusyTracker; strings: ShellStrings; resourcesDir: string; window: () => BrowserWindow | null }
): void {
  const decision = updateSettings(settings, { packaged: app.isPackaged })
  if (!decision.enabled) {
    console.info(`updates off: ${decision.reason ?? ''}`)
    return
  }
  const requireSignature = process.platform === 'linux'
  autoUpdater.channel = decision.channel
  autoUpdater.allowDowngrade = false // setting the channel turns downgrades on
  autoUpdater.autoInstallOnAppQuit = !requireSignature // Linux: only once the signature verified
  if (decision.url) autoUpdater.setFeedURL({ provider: 'generic', url: decision.url, channel: decision.channel })
  const policyKey = settings.sources.updatePublicKey === 'policy' ? settings.values.updatePublicKey : null
  const feedUrl = updateFeedUrl(decision.url)
  autoUpdater.on('update-downloaded', (info: { version: string; downloadedFile: string }) => {
    void onUpdateDownloaded(
      info,
      {
        busy: () => ctx.busy.busy,
        idle: () => ctx.busy.idle(),
        ask: async (version) => {
          const s = ctx.strings.update
          const options = {
            type: 'info' as const,
            title: s.title,
            message: s.message(version),
            detail: s.detail,
            buttons: [s.now, s.later],
            defaultId: 0,
            cancelId: 1
          }
          const win = ctx.window()
          const r =
            win && !win.isDestroyed() ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options)
          return r.response === 0 ? 'now' : 'later'
        },
        verify: async (file) => {
          const key = loadUpdateKey(policyKey, ctx.resourcesDir)
          if (!key.ok) return key.reason
          if (!feedUrl) return 'no update feed URL to fetch the signature from'
          const res = await net.fetch(signatureUrl(feedUrl, file))
          if (!res.ok) return `signature download failed: HTTP ${res.status}`
          const sig = new Uint8Array(await res.arrayBuffer())
          if (sig.length === 0 || sig.length > MAX_SIGNATURE_BYTES) return `signature has ${sig.length} bytes`
          return (await verifyFileSignature(file, sig, key.key)) ? null : 'signature does not verify'
        },
        allowInstallOnQuit: (allowed) => {
          autoUpdater.autoInstallOnAppQuit = allowed
        },
        install: () => autoUpdater.quitAndInstall(),
        log: (line) => console.info(line)
      },
      { requireSignature }
    )
  })
  const check = (): void =>
    void autoUpdater
      .checkForUpdates()
      .catch((err: unknown) => console.warn(`update check failed: ${err instanceof Error ? err.message : String(err)}`))
  check()
  setInterval(check, UPDATE_CHECK_INTERVAL_MS).unref() // desks that stay on for days still get updates
}

/** How often a long-running app looks for updates again (6 h). */
const UPDATE_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000
