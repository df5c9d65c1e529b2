import { AppError, type AppErrorPayload } from '../../shared/errors'
import {
  ipcContract,
  isIpcChannel,
  type IpcChannel,
  type IpcRequest,
  type IpcResponse,
  type IpcResult
} from '../../shared/ipc-contract'

// The single entry point for every IPC call, whatever the transport (Electron ipcMain or the
// loopback web host). It never throws: unknown channels, malformed payloads and handler failures
// all come back as typed errors, and nothing a handler throws escapes this boundary.

export type IpcHandlers = { [C in IpcChannel]: (request: IpcRequest<C>) => Promise<IpcResponse<C>> }

export type Dispatch = (channel: unknown, payload: unknown) => Promise<IpcResult<unknown>>

export interface DispatcherOptions {
  /** Called for unexpected (non-AppError) failures; must not log request payloads (PINs). */
  onInternalError?: (channel: string, err: unknown) => void
}

function fail(error: AppErrorPayload): IpcResult<never> {
  return { ok: false, error }
}

/** Accepts a partial set (tests, staged hosts); a channel without a handler is UNKNOWN_CHANNEL. */
export function createDispatcher(handlers: Partial<IpcHandlers>, opts: DispatcherOptions = {}): Dispatch {
  return async (channel, payload) => {
    if (!isIpcChannel(channel) || !handlers[channel]) return fail(new AppError('UNKNOWN_CHANNEL').toPayload())
    const spec = ipcContract[channel]
    const parsed = spec.request.safeParse(payload === undefined ? {} : payload)
    if (!parsed.success) {
      // Report which fields were wrong, never their values (a field may be a PIN).
      const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')
      return fail(new AppError('INVALID_REQUEST', fields).toPayload())
    }
    try {
      const handler = handlers[channel] as (req: unknown) => Promise<unknown>
      const value = await handler(parsed.data)
      const checked = spec.response.safeParse(value)
      if (!checked.success) {
        opts.onInternalError?.(channel, checked.error)
        return fail(new AppError('INTERNAL', 'response failed validation').toPayload())
      }
      return { ok: true, value: checked.data }
    } catch (err) {
      if (err instanceof AppError) return fail(err.toPayload())
      opts.onInternalError?.(channel, err)
      return fail(new AppError('INTERNAL').toPayload())
    }
  }
}
