'use strict'
// RECORDING STAND-IN of the `electron` module API (see README.md): not Electron. It records what
// the shell registers and lets the test drive the app's events. Unknown members answer a recording
// no-op so that wiring added elsewhere does not break loading; they are listed in `rec.unmodelled`.
const { EventEmitter } = require('node:events')

const rec = {
  calls: [],
  unmodelled: [],
  privilegedSchemes: [],
  protocolHandlers: new Map(),
  ipcHandlers: new Map(),
  windows: [],
  applicationMenu: null,
  menus: [],
  popups: [],
  trays: [],
  notifications: [],
  dialogs: [],
  dialogAnswer: 0,
  opened: [],
  permission: { request: null, check: null },
  loginItem: null,
  quit: 0,
  exitCode: null,
  userModelId: null,
  paths: new Map(),
  fetches: [],
  fetchAnswer: null,
  packaged: false,
  locale: 'zh-TW',
  readyResolve: null
}

function record(api, args) {
  rec.calls.push({ api, args })
}

/** Wraps an object so unknown members become recording no-ops. */
function permissive(name, target) {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      if (prop in obj || typeof prop === 'symbol') return Reflect.get(obj, prop, receiver)
      if (prop === 'then' || prop === 'toJSON') return undefined
      return (...args) => {
        rec.unmodelled.push({ api: `${name}.${String(prop)}`, args })
        return undefined
      }
    }
  })
}

const readyPromise = new Promise((resolve) => {
  rec.readyResolve = resolve
})

const appEmitter = new EventEmitter()
const app = permissive('app', {
  get isPackaged() {
    return rec.packaged
  },
  on(event, fn) {
    record('app.on', [event])
    appEmitter.on(event, fn)
    return app
  },
  once(event, fn) {
    appEmitter.once(event, fn)
    return app
  },
  emit(event, ...args) {
    return appEmitter.emit(event, ...args)
  },
  whenReady: () => readyPromise,
  requestSingleInstanceLock: () => true,
  setPath: (name, value) => rec.paths.set(name, value),
  getPath: (name) => rec.paths.get(name) ?? `/nonexistent/${name}`,
  getVersion: () => '0.0.0-standin',
  getLocale: () => rec.locale,
  quit: () => {
    rec.quit++
  },
  exit: (code) => {
    rec.exitCode = code
  },
  setAppUserModelId: (id) => {
    rec.userModelId = id
  },
  showAboutPanel: () => record('app.showAboutPanel', []),
  setAboutPanelOptions: (o) => record('app.setAboutPanelOptions', [o]),
  setLoginItemSettings: (s) => {
    rec.loginItem = s
  }
})

class WebContents extends EventEmitter {
  constructor() {
    super()
    this.windowOpenHandler = null
    this.sent = []
    this.url = ''
  }
  setWindowOpenHandler(fn) {
    this.windowOpenHandler = fn
  }
  send(channel, payload) {
    this.sent.push({ channel, payload })
  }
  getURL() {
    return this.url
  }
  reload() {
    record('webContents.reload', [])
  }
}

class BrowserWindow extends EventEmitter {
  constructor(options) {
    super()
    this.options = options
    this.webContents = permissive('webContents', new WebContents())
    this.loaded = []
    this.visible = false
    this.destroyed = false
    this.focused = 0
    rec.windows.push(this)
  }
  static getAllWindows() {
    return rec.windows.filter((w) => !w.destroyed)
  }
  loadURL(url) {
    this.loaded.push(url)
    this.webContents.url = url
    return Promise.resolve()
  }
  show() {
    this.visible = true
  }
  hide() {
    this.visible = false
  }
  focus() {
    this.focused++
  }
  isMinimized() {
    return false
  }
  restore() {}
  isDestroyed() {
    return this.destroyed
  }
  getBounds() {
    return { x: 0, y: 0, width: 1200, height: 820 }
  }
  /** Test helper: the close button (emits 'close' with a preventable event). */
  clickClose() {
    let prevented = false
    this.emit('close', { preventDefault: () => (prevented = true) })
    if (!prevented) this.destroyed = true
    return prevented
  }
}

const ipcMain = permissive('ipcMain', {
  handle(channel, fn) {
    if (rec.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    rec.ipcHandlers.set(channel, fn)
  },
  on: (channel) => record('ipcMain.on', [channel])
})

const protocol = permissive('protocol', {
  registerSchemesAsPrivileged(schemes) {
    rec.privilegedSchemes.push(...schemes)
  },
  handle(scheme, fn) {
    rec.protocolHandlers.set(scheme, fn)
  }
})

class Menu {
  constructor(template) {
    this.template = template
  }
  static buildFromTemplate(template) {
    const m = new Menu(template)
    rec.menus.push(m)
    return m
  }
  static setApplicationMenu(menu) {
    rec.applicationMenu = menu
  }
  popup(opts) {
    rec.popups.push({ menu: this, opts })
  }
}

class Tray extends EventEmitter {
  constructor(image) {
    super()
    this.image = image
    this.tooltip = null
    this.title = null
    this.menu = null
    this.destroyed = false
    rec.trays.push(this)
  }
  setToolTip(t) {
    this.tooltip = t
  }
  setTitle(t) {
    this.title = t
  }
  setContextMenu(m) {
    this.menu = m
  }
  isDestroyed() {
    return this.destroyed
  }
  destroy() {
    this.destroyed = true
  }
}

class Notification extends EventEmitter {
  constructor(options) {
    super()
    this.options = options
    this.shown = false
    rec.notifications.push(this)
  }
  static isSupported() {
    return true
  }
  show() {
    this.shown = true
  }
}

const defaultSession = permissive('session.defaultSession', {
  setProxy: (cfg) => {
    record('session.setProxy', [cfg])
    return Promise.resolve()
  },
  setPermissionRequestHandler: (fn) => {
    rec.permission.request = fn
  },
  setPermissionCheckHandler: (fn) => {
    rec.permission.check = fn
  }
})

const dialog = permissive('dialog', {
  showMessageBox(...args) {
    const options = args.length > 1 ? args[1] : args[0]
    rec.dialogs.push(options)
    return Promise.resolve({ response: rec.dialogAnswer, checkboxChecked: false })
  }
})

const net = permissive('net', {
  fetch(url) {
    rec.fetches.push(String(url))
    const a = rec.fetchAnswer
    return Promise.resolve(a ? a(String(url)) : new Response('not found', { status: 404 }))
  }
})

const shell = permissive('shell', {
  openExternal: (url) => {
    rec.opened.push(url)
    return Promise.resolve()
  },
  openPath: (p) => {
    rec.opened.push(p)
    return Promise.resolve('')
  }
})

const nativeImage = permissive('nativeImage', {
  createFromPath: (p) => ({ path: p, isEmpty: () => false })
})

module.exports = permissive('electron', {
  __standin: true,
  __recording: rec,
  /** Test helper: fires app.whenReady(). */
  __ready: () => rec.readyResolve(),
  app,
  BrowserWindow,
  ipcMain,
  protocol,
  Menu,
  Tray,
  Notification,
  session: permissive('session', { defaultSession }),
  dialog,
  net,
  shell,
  nativeImage
})
