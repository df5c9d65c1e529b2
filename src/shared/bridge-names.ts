// Named bridge functions → IPC channel, and named event subscriptions → event. Kept free of
// imports so the sandboxed preload bundles only these names. ipc-contract.ts checks that every
// name maps to a channel/event of the contract.
export const bridgeMethods = {
  getAppInfo: 'app:getInfo',
  getCardStatus: 'card:getStatus'
} as const

export const bridgeEvents = {
  onCardStatus: 'card:status'
} as const

/** Electron channel that carries main → renderer events. */
export const EVENT_CHANNEL_PREFIX = 'event:'
