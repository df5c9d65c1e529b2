import { bridgeEvents, bridgeMethods } from '../../../src/shared/bridge-names'
import type { EccsBridge, IpcChannel, IpcRequest, IpcResponse } from '../../../src/shared/ipc-contract'
import { createDispatcher, type IpcHandlers } from '../../../src/main/ipc/dispatcher'

// A window.eccs for component tests: every call goes through the REAL dispatcher (so each request
// a form sends is validated against the IPC contract exactly as main does), into handlers the test
// supplies. It records the calls it received — the form's observable behaviour.

export interface ContractBridge {
  bridge: EccsBridge
  calls: { channel: IpcChannel; request: unknown }[]
  /** Emits a main → renderer event to the subscribed listeners. */
  emit(event: (typeof bridgeEvents)[keyof typeof bridgeEvents], payload: unknown): void
}

export function contractBridge(
  handlers: Partial<{ [C in IpcChannel]: (r: IpcRequest<C>) => Promise<IpcResponse<C>> }>
): ContractBridge {
  const calls: ContractBridge['calls'] = []
  const dispatch = createDispatcher(handlers as Partial<IpcHandlers>)
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const api: Record<string, unknown> = {}
  for (const [name, channel] of Object.entries(bridgeMethods)) {
    api[name] = async (request?: unknown) => {
      calls.push({ channel, request })
      return dispatch(channel, request)
    }
  }
  for (const [name, event] of Object.entries(bridgeEvents)) {
    api[name] = (listener: (p: unknown) => void) => {
      const set = listeners.get(event) ?? new Set()
      set.add(listener)
      listeners.set(event, set)
      return () => set.delete(listener)
    }
  }
  return {
    bridge: api as EccsBridge,
    calls,
    emit: (event, payload) => listeners.get(event)?.forEach((l) => l(payload))
  }
}

export const READY_STATUS = {
  phase: 'ready' as const,
  readers: [{ name: 'Virtual PCD 00 00', cardPresent: true, atr: '3B' }],
  reader: 'Virtual PCD 00 00',
  module: '/usr/lib/softhsm/libsofthsm2.so',
  chain: 'valid' as const,
  certificate: {
    subjectName: '王小明',
    cardSerial: 'TP03000001',
    issuer: 'TEST MOICA',
    notBefore: '2024-01-01T00:00:00Z',
    notAfter: '2030-01-01T00:00:00Z'
  },
  updatedAt: new Date().toISOString()
}

export const PROFILE = {
  account: 'xiaoming',
  name: '王小明',
  nationalIdMasked: 'A12****789',
  category: '個人' as const,
  email: 'xm@example.tw',
  email2: null,
  mobile: '0911222333',
  phone: null,
  address: null,
  birthDate: null,
  registeredVia: 'certificate' as const,
  certificateEnabled: true,
  certificate: null,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z'
}
