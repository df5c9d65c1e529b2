import { bridgeEvents, bridgeMethods } from '../shared/bridge-names'
import type { EccsBridge } from '../shared/ipc-contract'

// The renderer's only way to main: Electron's preload API, or — in the loopback web host — the
// same named functions over same-origin fetch (cookie-authenticated) and Server-Sent Events.

function createHttpBridge(): EccsBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  let source: EventSource | null = null

  function ensureEvents(): void {
    if (source) return
    source = new EventSource('/events')
    source.onmessage = (msg: MessageEvent<string>) => {
      try {
        const { event, payload } = JSON.parse(msg.data) as { event: string; payload: unknown }
        listeners.get(event)?.forEach((l) => l(payload))
      } catch {
        // a malformed frame is dropped; the next status event replaces it
      }
    }
  }

  const api: Record<string, unknown> = {}
  for (const [name, channel] of Object.entries(bridgeMethods)) {
    api[name] = async (request?: unknown) => {
      try {
        const res = await fetch(`/ipc/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-eccs-bridge': '1' },
          body: request === undefined ? '' : JSON.stringify(request),
          credentials: 'same-origin'
        })
        if (!res.ok) return { ok: false, error: { code: 'FORBIDDEN_SENDER', retriable: false, detail: `HTTP ${res.status}` } }
        return (await res.json()) as unknown
      } catch {
        return { ok: false, error: { code: 'INTERNAL', retriable: true, detail: 'web host unreachable' } }
      }
    }
  }
  for (const [name, event] of Object.entries(bridgeEvents)) {
    api[name] = (listener: (payload: unknown) => void) => {
      ensureEvents()
      const set = listeners.get(event) ?? new Set()
      set.add(listener)
      listeners.set(event, set)
      return () => set.delete(listener)
    }
  }
  return Object.freeze(api) as EccsBridge
}

export const eccs: EccsBridge = window.eccs ?? createHttpBridge()
