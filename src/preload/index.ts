import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { bridgeEvents, bridgeMethods, EVENT_CHANNEL_PREFIX } from '../shared/bridge-names'

// Sandboxed preload: exposes exactly the named functions of the contract on window.eccs.
// No raw ipcRenderer, no channel names chosen by the page, no Node objects, no process/env.

const api: Record<string, unknown> = {}

for (const [name, channel] of Object.entries(bridgeMethods)) {
  api[name] = (request?: unknown) => ipcRenderer.invoke(channel, request)
}

for (const [name, event] of Object.entries(bridgeEvents)) {
  api[name] = (listener: (payload: unknown) => void) => {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function')
    const wrapped = (_e: IpcRendererEvent, payload: unknown): void => listener(payload)
    ipcRenderer.on(EVENT_CHANNEL_PREFIX + event, wrapped)
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL_PREFIX + event, wrapped)
    }
  }
}

contextBridge.exposeInMainWorld('eccs', Object.freeze(api))
