// Named bridge functions → IPC channel, and named event subscriptions → event. Kept free of
// imports so the sandboxed preload bundles only these names. ipc-contract.ts checks that every
// name maps to a channel/event of the contract.
export const bridgeMethods = {
  getAppInfo: 'app:getInfo',
  getCardStatus: 'card:getStatus',
  cancelCardOperation: 'card:cancel',
  promptPin: 'card:pinPrompt',
  getApiStatus: 'api:getStatus',
  loginPassword: 'session:loginPassword',
  loginCertificate: 'session:loginCertificate',
  logout: 'session:logout',
  getSession: 'session:get',
  queryDelegations: 'delegations:query',
  getDelegation: 'delegations:get',
  prepareDecisions: 'delegations:prepareBatch',
  decideDelegations: 'delegations:decideBatch',
  getPendingCount: 'delegations:pendingCount',
  exportHistory: 'history:export',
  clearHistory: 'history:clear',
  queryConfirmations: 'confirmations:query',
  getProfile: 'profile:get',
  updateProfile: 'profile:update',
  changePassword: 'profile:changePassword',
  enableCertificate: 'profile:enableCertificate',
  startRegistration: 'registration:start',
  verifyRegistrationIdentity: 'registration:verifyIdentity',
  checkRegistrationAccount: 'registration:checkAccount',
  sendRegistrationSms: 'registration:sendSms',
  completeRegistration: 'registration:complete',
  getSettings: 'settings:get',
  updateSettings: 'settings:update',
  getDiagnostics: 'diagnostics:get',
  reportError: 'app:reportError',
  notify: 'app:notify'
} as const

export const bridgeEvents = {
  onCardStatus: 'card:status',
  onCardProgress: 'card:progress',
  onApiStatus: 'api:status',
  onSessionEnded: 'session:ended',
  onNavigate: 'app:navigate'
} as const

/** Electron channel that carries main → renderer events. */
export const EVENT_CHANNEL_PREFIX = 'event:'
