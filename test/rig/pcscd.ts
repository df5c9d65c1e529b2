// Private pcscd + vsmartcard "vpcd" driver for integration tests.
//
// Each rig runs its own pcscd with a private reader config (two virtual readers whose
// "card slot" is a TCP port, see virtual-card.ts). pcscd 1.9.9 ignores
// PCSCLITE_CSOCK_NAME and always uses /run/pcscd/{pcscd.comm,pcscd.pid}, so every daemon
// runs in its own mount namespace with a private directory bind-mounted on /run/pcscd.
// The client library (libpcsclite, used by the `pcsclite` npm module) does honour
// PCSCLITE_CSOCK_NAME, so clients reach the right daemon through `<dir>/run/pcscd.comm`.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

export interface PcscdHandle {
  dir: string
  socketPath: string
  env: { PCSCLITE_CSOCK_NAME: string }
  /** vpcd TCP ports, one per virtual reader (2). */
  ports: number[]
  /** ['Virtual PCD 00 00', 'Virtual PCD 00 01'] */
  readerNames: string[]
  pid: number
  /** SIGTERM, wait for exit (SIGKILL after 3 s), remove dir; idempotent. */
  stop(): Promise<void>
  /** SIGKILL (simulates a crash), wait for exit, keep dir. */
  kill(): Promise<void>
  /** Start again with the same ports/socket after kill/stop. */
  restart(): Promise<void>
}

export interface StartPcscdOptions {
  /** Working dir (conf/, run/, pcscd.log). Default: a fresh mkdtemp dir. */
  dir?: string
  /** First vpcd port (reader 00 00); reader 00 01 uses port + 1. Default: a free even pair. */
  port?: number
}

const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so'
const SYSTEM_RUN_DIR = '/run/pcscd'
const READER_NAMES = ['Virtual PCD 00 00', 'Virtual PCD 00 01']
const START_TIMEOUT_MS = 10_000
const STOP_GRACE_MS = 3_000
/** pcscd log lines when vpcd cannot bind its port (e.g. taken between our check and launch). */
const VPCD_BIND_FAILED = /Could not initialize connection to virtual ICC|Address already in use/

// ---------------------------------------------------------------------------------------
// Process-exit safety net: no pcscd may outlive the test process.

const live = new Set<{ pid: number; dir: string; removeDir: boolean }>()
let exitHooksInstalled = false

function installExitHooks(): void {
  if (exitHooksInstalled) return
  exitHooksInstalled = true
  process.on('exit', killAllSync)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllSync()
      // Re-raise so the default action (exit) still happens unless someone else handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig)
    })
  }
}

function killAllSync(): void {
  for (const entry of live) {
    signalGroup(entry.pid, 'SIGKILL')
    if (entry.removeDir) fs.rmSync(entry.dir, { recursive: true, force: true })
  }
  live.clear()
}

/** Signal the whole process group (pcscd is spawned detached = its own group leader). */
function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig)
  } catch {
    /* already gone */
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------
// Port selection

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)))
  })
}

async function portFree(port: number): Promise<boolean> {
  return (await canListen(port, '127.0.0.1')) && (await canListen(port, '0.0.0.0'))
}

/** Random even pair below the ephemeral range (32768+) so outgoing connections can't grab it. */
async function pickPortPair(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 6_000)
    if ((await portFree(port)) && (await portFree(port + 1))) return port
  }
  throw new Error('pcscd rig: no free vpcd port pair found')
}

// ---------------------------------------------------------------------------------------
// Namespace support / fallback

let unshareOk: boolean | undefined

/** Can we create a private mount namespace (needs CAP_SYS_ADMIN)? Probed once. */
function canUnshare(): boolean {
  if (unshareOk === undefined) {
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' })
    unshareOk = r.status === 0
  }
  return unshareOk
}

let fallbackInUse = false

/** True if some process accepts connections on the system pcscd socket. */
function systemSocketBusy(): Promise<boolean> {
  const sock = path.join(SYSTEM_RUN_DIR, 'pcscd.comm')
  if (!fs.existsSync(sock)) return Promise.resolve(false)
  return new Promise((resolve) => {
    const c = net.connect(sock)
    c.once('connect', () => {
      c.destroy()
      resolve(true)
    })
    c.once('error', () => resolve(false))
  })
}

function hasSetpriv(): boolean {
  return fs.existsSync('/usr/bin/setpriv') || fs.existsSync('/bin/setpriv')
}

// ---------------------------------------------------------------------------------------
// Files

function writeConf(dir: string, port: number): void {
  fs.mkdirSync(path.join(dir, 'conf'), { recursive: true })
  const hex = '0x' + port.toString(16).toUpperCase()
  const conf = [
    'FRIENDLYNAME "Virtual PCD"',
    `DEVICENAME   /dev/null:${hex}`,
    `LIBPATH      ${VPCD_DRIVER}`,
    `CHANNELID    ${hex}`,
    ''
  ].join('\n')
  fs.writeFileSync(path.join(dir, 'conf', 'vpcd'), conf)
}

function readLog(logPath: string, from = 0): string {
  try {
    return fs.readFileSync(logPath).subarray(from).toString('utf8').slice(-4000)
  } catch {
    return '(no log)'
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size
  } catch {
    return 0
  }
}

// ---------------------------------------------------------------------------------------
// Readiness: socket file + vpcd LISTEN sockets owned by *this* pcscd.
// We deliberately don't probe the ports with connect(): vpcd would accept the probe as an
// inserted card and pcscd would report a spurious insert/remove.

/** Inodes of LISTEN sockets on `port` (IPv4 + IPv6 tables). */
function listenInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = fs.readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      // f[1] = local addr:port, f[3] = state (0A = LISTEN), f[9] = inode
      if (f[1]?.endsWith(':' + hexPort) && f[3] === '0A' && f[9]) inodes.add(f[9])
    }
  }
  return inodes
}

function socketInodesOf(pid: number): Set<string> {
  const out = new Set<string>()
  let fds: string[]
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`)
  } catch {
    return out
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m?.[1]) out.add(m[1])
    } catch {
      /* fd closed meanwhile */
    }
  }
  return out
}

function pcscdListensOn(pid: number, ports: number[]): boolean {
  const mine = socketInodesOf(pid)
  return ports.every((p) => [...listenInodes(p)].some((ino) => mine.has(ino)))
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

// ---------------------------------------------------------------------------------------
// The rig

class PcscdRig implements PcscdHandle {
  readonly env: { PCSCLITE_CSOCK_NAME: string }
  readonly ports: number[]
  readonly readerNames = [...READER_NAMES]
  pid = 0
  private exited: Promise<void> = Promise.resolve()
  private entry: { pid: number; dir: string; removeDir: boolean } | undefined
  private stopped = false

  constructor(
    readonly dir: string,
    readonly socketPath: string,
    port: number,
    private readonly namespaced: boolean,
    private readonly ownsDir: boolean
  ) {
    this.env = { PCSCLITE_CSOCK_NAME: socketPath }
    this.ports = [port, port + 1]
  }

  get logPath(): string {
    return path.join(this.dir, 'pcscd.log')
  }

  /** The pcscd run dir as seen from the host (private dir, or /run/pcscd in fallback mode). */
  private get runDir(): string {
    return path.dirname(this.socketPath)
  }

  async launch(): Promise<void> {
    this.cleanStaleRunFiles()
    const logStart = fileSize(this.logPath) // the log is appended to across restarts
    const logFd = fs.openSync(this.logPath, 'a')
    const [cmd, ...args] = this.command()
    const child = spawn(cmd!, args, {
      detached: true, // own process group -> kill(-pid) takes unshare/sh/pcscd down together
      stdio: ['ignore', logFd, logFd]
    })
    fs.closeSync(logFd)
    if (child.pid === undefined) throw this.error('spawn failed')
    this.pid = child.pid
    this.stopped = false
    this.entry = { pid: child.pid, dir: this.dir, removeDir: this.ownsDir }
    live.add(this.entry)
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()))
    child.once('exit', () => this.entry && live.delete(this.entry))
    child.on('error', () => {}) // surfaced via waitReady (exit/timeout) with the log
    child.unref() // don't keep the test process alive; exit hooks do the cleanup
    await this.waitReady(logStart)
  }

  /** argv: [unshare -m ... sh -c 'mount --bind; exec'] [setpriv --pdeathsig KILL] pcscd -f -c conf */
  private command(): string[] {
    const conf = path.join(this.dir, 'conf')
    // pdeathsig: pcscd dies with the test process even if it is SIGKILLed (no 'exit' hook).
    const pcscd = [...(hasSetpriv() ? ['setpriv', '--pdeathsig', 'KILL'] : []), 'pcscd', '-f', '-c', conf]
    if (!this.namespaced) return pcscd
    const script = `mount --bind "$1" ${SYSTEM_RUN_DIR} && shift && exec "$@"`
    return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', script, 'sh', this.runDir, ...pcscd]
  }

  /** pcscd refuses to start over a stale socket whose pid file names a live (reused) pid. */
  private cleanStaleRunFiles(): void {
    fs.mkdirSync(this.runDir, { recursive: true })
    for (const f of ['pcscd.comm', 'pcscd.pid']) fs.rmSync(path.join(this.runDir, f), { force: true })
  }

  private async waitReady(logStart: number): Promise<void> {
    let dead = false
    void this.exited.then(() => (dead = true))
    const deadline = Date.now() + START_TIMEOUT_MS
    while (Date.now() < deadline) {
      if (dead) throw this.error('pcscd exited during startup')
      if (fs.existsSync(this.socketPath) && pcscdListensOn(this.pid, this.ports)) return
      if (VPCD_BIND_FAILED.test(readLog(this.logPath, logStart))) {
        // pcscd keeps running without the reader, so fail fast instead of timing out.
        await this.kill()
        throw Object.assign(this.error(`vpcd could not listen on ports ${this.ports.join(', ')}`), { portInUse: true })
      }
      await sleep(25)
    }
    await this.kill()
    throw this.error(`pcscd not ready after ${START_TIMEOUT_MS} ms (ports ${this.ports.join(', ')})`)
  }

  private error(msg: string): Error {
    return new Error(`${msg}\n--- ${this.logPath} ---\n${readLog(this.logPath)}`)
  }

  private async terminate(sig: NodeJS.Signals): Promise<void> {
    if (!this.pid || !isAlive(this.pid)) return
    signalGroup(this.pid, sig)
    const killTimer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), STOP_GRACE_MS)
    await this.exited
    clearTimeout(killTimer)
  }

  async kill(): Promise<void> {
    await this.terminate('SIGKILL')
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.terminate('SIGTERM')
    if (!this.namespaced) fallbackInUse = false
    fs.rmSync(this.dir, { recursive: true, force: true })
  }

  async restart(): Promise<void> {
    await this.kill()
    if (this.stopped) writeConf(this.dir, this.ports[0]!) // stop() removed the dir
    await this.launch()
    if (!this.namespaced) fallbackInUse = true
  }
}

export async function startPcscd(opts: StartPcscdOptions = {}): Promise<PcscdHandle> {
  installExitHooks()
  const namespaced = canUnshare()
  if (!namespaced) await claimSystemSocket()
  const ownsDir = opts.dir === undefined
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pcscd-rig-'))
  try {
    fs.mkdirSync(dir, { recursive: true })
    fs.mkdirSync(SYSTEM_RUN_DIR, { recursive: true }) // bind-mount target must exist
    const socketPath = namespaced ? path.join(dir, 'run', 'pcscd.comm') : path.join(SYSTEM_RUN_DIR, 'pcscd.comm')
    return await launchWithRetry(dir, socketPath, namespaced, ownsDir, opts.port)
  } catch (e) {
    if (!namespaced) fallbackInUse = false
    if (ownsDir) fs.rmSync(dir, { recursive: true, force: true }) // the log is in the error text
    throw e
  }
}

/** A picked port can be grabbed by someone else before pcscd binds it: retry with another pair. */
async function launchWithRetry(
  dir: string,
  socketPath: string,
  namespaced: boolean,
  ownsDir: boolean,
  fixedPort: number | undefined
): Promise<PcscdRig> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await pickPortPair())
    writeConf(dir, port)
    const rig = new PcscdRig(dir, socketPath, port, namespaced, ownsDir)
    try {
      await rig.launch()
      return rig
    } catch (e) {
      const retry = fixedPort === undefined && attempt < 3 && (e as { portInUse?: boolean }).portInUse === true
      if (!retry) throw e
    }
  }
}

/** Fallback without mount namespaces: only one rig at a time, on the system socket. */
async function claimSystemSocket(): Promise<void> {
  if (fallbackInUse || (await systemSocketBusy())) {
    throw new Error(
      'pcscd rig: cannot create a private mount namespace (unshare -m not permitted) and ' +
        `${SYSTEM_RUN_DIR}/pcscd.comm is in use by another pcscd; stop it or run as root with CAP_SYS_ADMIN`
    )
  }
  fallbackInUse = true
}
