// Every platform endpoint the client calls (method + OpenAPI path template). The client builds its
// requests from this table only, and test/unit/api-contract.test.ts checks each row against
// server-mock/openapi.yaml.
export const ENDPOINTS = {
  getHealth: ['GET', '/health'],
  createChallenge: ['POST', '/challenges'],
  createRegistration: ['POST', '/registrations'],
  getRegistration: ['GET', '/registrations/{registrationId}'],
  verifyRegistrationIdentity: ['POST', '/registrations/{registrationId}/identity'],
  checkRegistrationAccount: ['POST', '/registrations/{registrationId}/account-check'],
  sendRegistrationSms: ['POST', '/registrations/{registrationId}/sms'],
  completeRegistration: ['POST', '/registrations/{registrationId}/complete'],
  createPasswordSession: ['POST', '/sessions/password'],
  createCertificateSession: ['POST', '/sessions/certificate'],
  getCurrentSession: ['GET', '/sessions/current'],
  deleteCurrentSession: ['DELETE', '/sessions/current'],
  getProfile: ['GET', '/profile'],
  updateProfile: ['PATCH', '/profile'],
  changePassword: ['POST', '/profile/password'],
  enableCertificate: ['POST', '/profile/certificate'],
  listDelegations: ['GET', '/delegations'],
  getDelegation: ['GET', '/delegations/{delegationId}'],
  decideDelegation: ['POST', '/delegations/{delegationId}/decision'],
  prepareDecisions: ['POST', '/decisions/prepare'],
  decideDelegations: ['POST', '/decisions'],
  listConfirmations: ['GET', '/confirmations'],
  syncDelegations: ['GET', '/sync']
} as const satisfies Record<string, readonly ['GET' | 'POST' | 'PATCH' | 'DELETE', string]>

export type OperationId = keyof typeof ENDPOINTS

/** Fills `{param}` placeholders (URL-encoded). */
export function endpointPath(op: OperationId, params: Record<string, string> = {}): string {
  return ENDPOINTS[op][1].replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = params[name]
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${op}`)
    return encodeURIComponent(value)
  })
}
