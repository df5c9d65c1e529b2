import { parentPort } from 'node:worker_threads'
import * as pkcs11js from 'pkcs11js'
import { AppError } from '../../shared/errors'
import { checkModuleFile } from './module-file'
import {
  checkBeforeLogin,
  endSession,
  findSigningKey,
  findToken,
  initialize,
  login,
  openOnToken,
  pkcs11Code,
  readCertificates,
  signSha256Rsa
} from './pkcs11-ops'
import type { TokenState, P11 } from './pkcs11-ops'
import type { TokenContents, WireItemResult, WorkerReply, WorkerRequest } from './worker-protocol'

// The worker thread that owns pkcs11js. Every call in here may block for seconds (a PIN pad, a
// slow card, a wedged reader driver); the main thread only ever waits on messages, and the client
// terminates this thread when an operation times out, is cancelled or loses its card.
// The module stays loaded and initialised between operations (a fresh C_Initialize per signature
// would cost more than the signature); a detection read re-initialises it to see new tokens.
// A streamed batch keeps its logged-in session between messages: `sign` logs in and signs the
// first chunk, each `signMore` of the same id signs the next on that login, and the last one (or
// any failure, or a new `sign`) logs out — so the card signs while main still prepares rows.

if (!parentPort) throw new Error('pkcs11-worker must run as a worker thread')
const port = parentPort

const loaded = new Map<string, pkcs11js.PKCS11>()
/** Last slot per module + token serial; a stale one falls back to a search (openOnToken), all dropped on re-initialisation. */
const slotHints = new Map<string, pkcs11js.Handle>()

/** PKCS#11 codes meaning the card (or its reader) went away during the call. */
const GONE = new Set<number>([
  pkcs11js.CKR_DEVICE_REMOVED,
  pkcs11js.CKR_TOKEN_NOT_PRESENT,
  pkcs11js.CKR_SESSION_HANDLE_INVALID,
  pkcs11js.CKR_SESSION_CLOSED,
  pkcs11js.CKR_DEVICE_ERROR
])

function moduleFor(path: string, fresh: boolean): P11 {
  let p11 = loaded.get(path)
  if (p11 && fresh) {
    slotHints.clear()
    try {
      p11.C_Finalize()
    } catch {
      // not initialised
    }
    initialize(p11)
    return p11
  }
  if (p11) return p11
  checkModuleFile(path)
  p11 = new pkcs11js.PKCS11()
  try {
    p11.load(path)
  } catch (err) {
    throw new AppError('MODULE_MISSING', `${path}: ${(err as Error).message}`)
  }
  initialize(p11)
  loaded.set(path, p11)
  return p11
}

/** Runs `fn` on a module, re-initialising once if another thread finalized it under us. */
function withModule<T>(path: string, fresh: boolean, fn: (p11: P11) => T): T {
  const p11 = moduleFor(path, fresh)
  try {
    return fn(p11)
  } catch (err) {
    if (pkcs11Code(err) !== pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED) throw err
    return fn(moduleFor(path, true))
  }
}

function read(module: string): TokenContents {
  return withModule(module, true, (p11) => {
    const { slot, state } = findToken(p11, null)
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION)
    try {
      return { ...state, module, certificates: readCertificates(p11, session) }
    } finally {
      endSession(p11, session, false)
    }
  })
}

/** Best effort: the login state of a module is per process, so a killed worker's login outlives it. */
function logout(req: Extract<WorkerRequest, { op: 'logout' }>): void {
  withModule(req.module, false, (p11) => {
    const { slot } = findToken(p11, req.target)
    endSession(p11, p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION), true)
  })
}

function state(req: Extract<WorkerRequest, { op: 'state' }>): TokenState {
  return withModule(req.module, false, (p11) => findToken(p11, req.target).state)
}

/** The login a streamed sign keeps open between its chunks (one operation at a time). */
let open: { id: number; p11: P11; session: pkcs11js.Handle; key: pkcs11js.Handle } | null = null

function closeOpen(): void {
  if (open) endSession(open.p11, open.session, true)
  open = null
}

/** Signs `items` one by one on a logged-in session; progress per item within the chunk. */
function signChunk(p11: P11, session: pkcs11js.Handle, key: pkcs11js.Handle, id: number, items: Uint8Array[]) {
  const results: WireItemResult[] = []
  for (const item of items) {
    try {
      results.push({
        ok: true,
        signature: signSha256Rsa(p11, session, key, Buffer.from(item.buffer, item.byteOffset, item.byteLength))
      })
    } catch (err) {
      const code = pkcs11Code(err)
      if (code !== null && GONE.has(code)) throw new AppError('CARD_REMOVED', `C_Sign: ${(err as Error).message}`)
      results.push({ ok: false, code: 'SIGNING_FAILED', detail: (err as Error).message })
    }
    if (items.length > 1)
      port.postMessage({ id, type: 'progress', done: results.length, total: items.length } satisfies WorkerReply)
  }
  return results
}

function sign(req: Extract<WorkerRequest, { op: 'sign' }>): WireItemResult[] {
  closeOpen() // a stream its client abandoned (the client runs one operation at a time)
  const pin = req.pin ? Buffer.from(req.pin.buffer, req.pin.byteOffset, req.pin.byteLength) : null
  try {
    return withModule(req.module, false, (p11) => {
      const hintKey = `${req.module}\n${req.target.serial}`
      const { slot, session } = openOnToken(p11, req.target, slotHints.get(hintKey))
      slotHints.set(hintKey, slot)
      let loggedIn = false
      let keep = false
      try {
        // Same card as shown, tries state acknowledged — else the PIN is never submitted.
        const fresh = checkBeforeLogin(p11, slot, session, req.target, req.keyId, req.expect)
        login(p11, slot, session, fresh, pin)
        loggedIn = true
        pin?.fill(0) // the PIN is not needed past C_Login
        const key = findSigningKey(p11, session, req.keyId)
        const results = signChunk(p11, session, key, req.id, req.items)
        if (!req.last) {
          open = { id: req.id, p11, session, key }
          keep = true
        }
        return results
      } finally {
        if (!keep) endSession(p11, session, loggedIn)
      }
    })
  } finally {
    pin?.fill(0)
  }
}

/** A further chunk on the open login of the same operation; the last one (or any failure) logs out. */
function signMore(req: Extract<WorkerRequest, { op: 'signMore' }>): WireItemResult[] {
  if (!open || open.id !== req.id) throw new AppError('INTERNAL', 'no open signing session for this operation')
  let keep = false
  try {
    const results = signChunk(open.p11, open.session, open.key, req.id, req.items)
    keep = !req.last
    return results
  } finally {
    if (!keep) closeOpen()
  }
}

function toReply(id: number, err: unknown, fallback: 'TOKEN_NOT_FOUND' | 'SIGNING_FAILED'): WorkerReply {
  if (err instanceof AppError)
    return { id, type: 'error', code: err.code, ...(err.detail ? { detail: err.detail } : {}) }
  const code = pkcs11Code(err)
  if (code !== null && GONE.has(code))
    return { id, type: 'error', code: 'CARD_REMOVED', detail: (err as Error).message }
  if (code === pkcs11js.CKR_TOKEN_NOT_RECOGNIZED || code === pkcs11js.CKR_SLOT_ID_INVALID) {
    return { id, type: 'error', code: 'TOKEN_NOT_FOUND', detail: (err as Error).message }
  }
  return { id, type: 'error', code: fallback, detail: (err as Error)?.message ?? String(err) }
}

port.on('message', (req: WorkerRequest) => {
  try {
    if (req.op === 'read') {
      port.postMessage({ id: req.id, type: 'read', contents: read(req.module) } satisfies WorkerReply)
    } else if (req.op === 'state') {
      port.postMessage({ id: req.id, type: 'state', state: state(req) } satisfies WorkerReply)
    } else if (req.op === 'logout') {
      logout(req)
      port.postMessage({ id: req.id, type: 'done' } satisfies WorkerReply)
    } else {
      const results = req.op === 'sign' ? sign(req) : signMore(req)
      const signatures = results.flatMap((r) => (r.ok ? [r.signature.buffer as ArrayBuffer] : []))
      port.postMessage({ id: req.id, type: 'signed', results, last: req.last } satisfies WorkerReply, signatures)
    }
  } catch (err) {
    const signing = req.op === 'sign' || req.op === 'signMore'
    port.postMessage(toReply(req.id, err, signing ? 'SIGNING_FAILED' : 'TOKEN_NOT_FOUND'))
  }
})
