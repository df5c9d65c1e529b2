'use strict'
// RECORDING STAND-IN of the `electron` module API (see README.md): not Electron. It records what
// the shell registers and lets the test drive the app's events. Unknown members answer a recording
// no-op so that wiring added elsewhere does not break loading; they are listed in `rec.unmodelled`.
const { EventEmitter } = require('node:events')
const { X509Certificate } = require('node:crypto')
const { readFileSync } = require('node:fs')
const http = require('node:http')
const { isIP } = require('node:net')
const tls = require('node:tls')

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
  requests: [],
  fetchAnswer: null,
  packaged: false,
  locale: 'zh-TW',
  readyResolve: null,
  sessions: new Map()
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

function makeSession(name) {
  const state = { name, verifyProc: null, proxy: null }
  rec.sessions.set(name, state)
  return permissive(`session(${name})`, {
    __state: state,
    setProxy: (cfg) => {
      state.proxy = cfg
      record('session.setProxy', [name, cfg])
      return Promise.resolve()
    },
    // No proxy in the stand-in: every URL goes direct.
    resolveProxy: () => Promise.resolve('DIRECT'),
    setCertificateVerifyProc: (proc) => {
      state.verifyProc = proc
    },
    setPermissionRequestHandler: (fn) => {
      rec.permission.request = fn
    },
    setPermissionCheckHandler: (fn) => {
      rec.permission.check = fn
    }
  })
}
const defaultSession = makeSession('default')
const partitions = new Map()

const dialog = permissive('dialog', {
  showMessageBox(...args) {
    const options = args.length > 1 ? args[1] : args[0]
    rec.dialogs.push(options)
    return Promise.resolve({ response: rec.dialogAnswer, checkboxChecked: false })
  }
})

/** Chromium's certificate object for a peer chain: PEM data with issuerCert links. */
function chainOf(peer) {
  const seen = new Set()
  let head = null
  let tail = null
  for (let c = peer; c && c.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256)
    const node = { data: new X509Certificate(c.raw).toString(), issuerCert: null }
    if (tail) tail.issuerCert = node
    else head = node
    tail = node
  }
  return head
}

/**
 * Stand-in of Electron's net.request (ClientRequest): a Node request that models Chromium's TLS
 * decision — default verification against the system CAs plus the dev API CA (ECCS_API_CA, the
 * stand-in's "OS trust store"), then the session's certificate verify proc (0 accept, -2 reject,
 * -3 Chromium's verdict) — before a byte of the request is sent. No proxy, no cookies.
 */
class StandinClientRequest extends EventEmitter {
  constructor(options) {
    super()
    this.options = typeof options === 'string' ? { url: options } : options
    this.headers = {}
    this.chunks = []
    this.inner = null
    this.aborted = false
    rec.requests.push(this.options.url)
  }
  setHeader(name, value) {
    this.headers[name] = value
  }
  write(chunk) {
    this.chunks.push(Buffer.from(chunk))
  }
  abort() {
    this.aborted = true
    if (this.inner) this.inner.destroy()
  }
  end(chunk) {
    if (chunk) this.write(chunk)
    const url = new URL(this.options.url)
    const session = this.options.session ?? defaultSession
    const state = session.__state ?? rec.sessions.get('default')
    const fail = (message) => {
      if (!this.aborted) this.emit('error', new Error(message))
    }
    const send = (createConnection) => {
      // Over https the TLS socket is already verified above: HTTP runs on it as is.
      const req = http.request(
        {
          method: this.options.method ?? 'GET',
          hostname: url.hostname,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          headers: this.headers,
          ...(createConnection ? { createConnection } : { agent: false })
        },
        (res) => this.emit('response', res)
      )
      this.inner = req
      req.on('error', (e) => fail(`net::ERR_CONNECTION_RESET (${e.message})`))
      req.end(Buffer.concat(this.chunks))
    }
    if (url.protocol !== 'https:') return void send(null)
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const ca = [
      ...tls.rootCertificates,
      ...(process.env.ECCS_API_CA ? [readFileSync(process.env.ECCS_API_CA, 'utf8')] : [])
    ]
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      servername: isIP(host) ? undefined : host,
      ca,
      rejectUnauthorized: false
    })
    this.inner = socket
    socket.on('error', (e) => fail(`net::ERR_CONNECTION_REFUSED (${e.message})`))
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true)
      const hostOk = peer && peer.raw ? tls.checkServerIdentity(host, peer) === undefined : false
      const errorCode = socket.authorized && hostOk ? 0 : -202 // net::ERR_CERT_AUTHORITY_INVALID
      const decide = (result) => {
        const accepted = result === 0 || (result === -3 && errorCode === 0)
        if (!accepted) {
          socket.destroy()
          return fail('net::ERR_CERT_AUTHORITY_INVALID')
        }
        send(() => socket)
      }
      if (state && state.verifyProc)
        state.verifyProc(
          {
            hostname: host,
            certificate: chainOf(peer),
            validatedCertificate: chainOf(peer),
            verificationResult: errorCode === 0 ? 'net::OK' : 'net::ERR_CERT_AUTHORITY_INVALID',
            errorCode
          },
          decide
        )
      else decide(-3)
    })
  }
}

const net = permissive('net', {
  request: (options) => new StandinClientRequest(options),
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
  session: permissive('session', {
    defaultSession,
    fromPartition(partition) {
      if (!partitions.has(partition)) partitions.set(partition, makeSession(partition))
      return partitions.get(partition)
    }
  }),
  dialog,
  net,
  shell,
  nativeImage
})
