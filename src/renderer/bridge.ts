import type { EccsBridge } from '../shared/ipc-contract'
import { createWebBridge, type WebHostState } from './web-bridge'

// The renderer's only way to main: Electron's preload API, or — in the loopback web host — the
// same named functions over same-origin fetch with a per-page session header (web-bridge.ts).

const web = window.eccs
  ? null
  : createWebBridge({
      fetch: (input, init) => window.fetch(input, { ...init, credentials: 'omit', cache: 'no-store' }),
      href: window.location.href,
      replaceUrl: (url) => window.history.replaceState(window.history.state, '', url),
      storage: window.sessionStorage
    })

export const eccs: EccsBridge = window.eccs ?? (web as NonNullable<typeof web>).bridge

/** The web host's state for this page; always 'ok' in the Electron window. */
export const webHost: { state(): WebHostState; onState(l: (s: WebHostState) => void): () => void } = web ?? {
  state: () => 'ok',
  onState: () => () => undefined
}
