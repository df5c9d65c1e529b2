import { z } from 'zod'
import { CardStatus } from './card-status'
import type { AppErrorPayload } from './errors'
import { bridgeEvents, bridgeMethods } from './bridge-names'

export { bridgeEvents, bridgeMethods }

// The one IPC contract: channel → request schema → response schema. Main validates every request
// against it; preload and the web bridge expose exactly the named functions listed in `bridgeMethods`.

const Empty = z.object({}).strict()

export const AppInfo = z.object({
  version: z.string(),
  demo: z.boolean(),
  host: z.enum(['electron', 'web']),
  apiBaseUrl: z.string().nullable(),
  platform: z.string()
})
export type AppInfo = z.infer<typeof AppInfo>

export const ipcContract = {
  'app:getInfo': { request: Empty, response: AppInfo },
  'card:getStatus': { request: Empty, response: CardStatus }
} as const

export const ipcEvents = {
  'card:status': CardStatus
} as const

export type IpcChannel = keyof typeof ipcContract
export type IpcEvent = keyof typeof ipcEvents
export type IpcRequest<C extends IpcChannel> = z.infer<(typeof ipcContract)[C]['request']>
export type IpcResponse<C extends IpcChannel> = z.infer<(typeof ipcContract)[C]['response']>
export type IpcEventPayload<E extends IpcEvent> = z.infer<(typeof ipcEvents)[E]>

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: AppErrorPayload }

type MethodChannel<M extends keyof typeof bridgeMethods> = (typeof bridgeMethods)[M]
type EventName<S extends keyof typeof bridgeEvents> = (typeof bridgeEvents)[S]

/** The API that preload (Electron) and the loopback web bridge put on `window.eccs`. */
export type EccsBridge = {
  readonly [M in keyof typeof bridgeMethods]: (
    request?: IpcRequest<MethodChannel<M>>
  ) => Promise<IpcResult<IpcResponse<MethodChannel<M>>>>
} & {
  readonly [S in keyof typeof bridgeEvents]: (listener: (payload: IpcEventPayload<EventName<S>>) => void) => () => void
}

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && Object.hasOwn(ipcContract, value)
}

// Compile-time check that the bridge names only point at real channels/events.
const _methodsAreChannels: Record<string, IpcChannel> = bridgeMethods
const _eventsAreEvents: Record<string, IpcEvent> = bridgeEvents
void _methodsAreChannels
void _eventsAreEvents
