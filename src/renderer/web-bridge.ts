import { bridgeEvents, bridgeMethods } from '../shared/bridge-names'
import { AppError, type AppErrorPayload, type ErrorCode } from '../shared/errors'
import type { EccsBridge } from '../shared/ipc-contract'

// The renderer's bridge in the loopback web host (src/main/webhost/server.ts): the preload's
// named functions over same-origin fetch, and its events over one Server-Sent Events stream
// read with fetch (EventSource cannot send the session header). Nothing rides on cookies:
//   1. the App URL's single-use `?token=` is taken out of the address bar at once
//      (history.replaceState: not in the back list) and traded for a page session (POST /session);
//   2. the session secret stays in this tab (sessionStorage: same origin, survives a reload)
//      and goes with every call as a header.
// Everything the browser environment gives is injected, so the bridge runs against the real web
// host in unit tests too.

/** What the web host is to this page: reachable, stopped, or not (yet) a session of it. */
export type WebHostState = 'connecting' | 'ok' | 'stopped' | 'session-required'

export interface WebBridgeEnv {
  fetch: typeof fetch
  /** The page's address (location.href). */
  href: string
  /** history.replaceState with a same-origin relative URL. */
  replaceUrl: (url: string) => void
  /** sessionStorage (or a stand-in): this tab only, same origin only. */
  storage: {
    getItem(key: string): string | null
    setItem(key: string, value: string): void
    removeItem(key: string): void
  }
  /** Delay before an event stream reconnects (ms). */
  reconnectMs?: number
}

export interface WebBridge {
  bridge: EccsBridge
  /** Current state and its changes (the banner of the web host tab). */
  state(): WebHostState
  onState(listener: (state: WebHostState) => void): () => void
  /** Stops the event stream (tests). */
  close(): void
}

const SESSION_KEY = 'eccs-web-session'
const HEADERS = { bridge: 'x-eccs-bridge', token: 'x-eccs-token', session: 'x-eccs-session' } as const

/**
 * Typed error for an HTTP answer of the web host other than 200 (src/main/webhost/server.ts):
 * 401 → WEBHOST_SESSION_REQUIRED, 408/429/503 → WEBHOST_BUSY (retriable), 5xx → INTERNAL,
 * any other 4xx → WEBHOST_REQUEST_REFUSED. `detail` is `HTTP <status>`.
 */
export function httpFailure(status: number): AppErrorPayload {
  const code: ErrorCode =
    status === 401
      ? 'WEBHOST_SESSION_REQUIRED'
      : status === 408 || status === 429 || status === 503
        ? 'WEBHOST_BUSY'
        : status >= 500
          ? 'INTERNAL'
          : 'WEBHOST_REQUEST_REFUSED'
  return new AppError(code, `HTTP ${status}`).toPayload()
}

/**
 * Splits Server-Sent Events text into the `data` of complete events (WHATWG HTML §9.2.6, the
 * subset the web host writes: `data:` lines and `:` comments). Returns the data strings and
 * the unparsed rest.
 */
export function parseSse(buffer: string): { data: string[]; rest: string } {
  const data: string[] = []
  const events = buffer.replace(/\r\n?/g, '\n').split('\n\n')
  const rest = events.pop() ?? ''
  for (const ev of events) {
    const lines = ev.split('\n').filter((l) => l.startsWith('data:'))
    if (lines.length > 0) data.push(lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n'))
  }
  return { data, rest }
}

/** Builds the web bridge; takes the App URL token out of `env.href` synchronously. */
export function createWebBridge(env: WebBridgeEnv): WebBridge {
  const reconnectMs = env.reconnectMs ?? 1_000
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const stateListeners = new Set<(s: WebHostState) => void>()
  let state: WebHostState = 'connecting'
  let closed = false
  let streaming = false
  let abort: AbortController | null = null

  const setState = (s: WebHostState): void => {
    if (s === state) return
    state = s
    stateListeners.forEach((l) => l(s))
  }

  // 1. The token leaves the address bar before anything else happens.
  const url = new URL(env.href)
  const token = url.searchParams.get('token')
  if (token !== null) {
    url.searchParams.delete('token')
    env.replaceUrl(url.pathname + url.search + url.hash)
  }

  const session: Promise<string | null> = (async () => {
    if (token) {
      try {
        const res = await env.fetch('/session', {
          method: 'POST',
          headers: { [HEADERS.bridge]: '1', [HEADERS.token]: token }
        })
        if (res.ok) {
          const body = (await res.json()) as { session?: unknown }
          if (typeof body.session === 'string') {
            env.storage.setItem(SESSION_KEY, body.session)
            return body.session
          }
        }
      } catch {
        setState('stopped')
        return null
      }
    }
    return env.storage.getItem(SESSION_KEY) // a reload of this tab, or an already used token
  })()

  /** One IPC call: the dispatcher's result, or a typed error for the transport. */
  async function call(channel: string, request: unknown): Promise<unknown> {
    const secret = await session
    if (!secret) {
      if (state !== 'stopped') setState('session-required')
      return {
        ok: false,
        error: new AppError(state === 'stopped' ? 'WEBHOST_STOPPED' : 'WEBHOST_SESSION_REQUIRED').toPayload()
      }
    }
    let res: Response
    try {
      res = await env.fetch(`/ipc/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [HEADERS.bridge]: '1', [HEADERS.session]: secret },
        body: request === undefined ? '' : JSON.stringify(request)
      })
    } catch {
      setState('stopped')
      return { ok: false, error: new AppError('WEBHOST_STOPPED').toPayload() }
    }
    if (!res.ok) {
      if (res.status === 401) {
        env.storage.removeItem(SESSION_KEY)
        setState('session-required')
      }
      return { ok: false, error: httpFailure(res.status) }
    }
    setState('ok')
    try {
      return (await res.json()) as unknown
    } catch {
      return { ok: false, error: new AppError('INTERNAL', 'malformed answer from the web host').toPayload() }
    }
  }

  /** The event stream, reconnected after a drop; its state tells whether the app is running. */
  async function stream(): Promise<void> {
    const secret = await session
    if (!secret) {
      if (state !== 'stopped') setState('session-required')
      return
    }
    while (!closed) {
      abort = new AbortController()
      try {
        const res = await env.fetch('/events', {
          headers: { [HEADERS.bridge]: '1', [HEADERS.session]: secret },
          signal: abort.signal
        })
        if (res.status === 401) {
          setState('session-required')
          return
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`)
        setState('ok')
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          const parsed = parseSse(buffer + value)
          buffer = parsed.rest
          for (const d of parsed.data) deliver(d)
        }
        // Ended by the host (stream age limit, shutdown): reconnecting tells which.
      } catch {
        if (closed) return
        setState('stopped')
      }
      await new Promise((r) => setTimeout(r, reconnectMs))
    }
  }

  function deliver(data: string): void {
    try {
      const { event, payload } = JSON.parse(data) as { event: string; payload: unknown }
      listeners.get(event)?.forEach((l) => l(payload))
    } catch {
      // a malformed frame is dropped; the next status event replaces it
    }
  }

  const api: Record<string, unknown> = {}
  for (const [name, channel] of Object.entries(bridgeMethods)) {
    api[name] = (request?: unknown) => call(channel, request)
  }
  for (const [name, event] of Object.entries(bridgeEvents)) {
    api[name] = (listener: (payload: unknown) => void) => {
      if (!streaming) {
        streaming = true
        void stream()
      }
      const set = listeners.get(event) ?? new Set()
      set.add(listener)
      listeners.set(event, set)
      return () => set.delete(listener)
    }
  }
  return {
    bridge: Object.freeze(api) as EccsBridge,
    state: () => state,
    onState: (l) => {
      stateListeners.add(l)
      return () => stateListeners.delete(l)
    },
    close: () => {
      closed = true
      abort?.abort()
    }
  }
}
