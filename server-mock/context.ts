// Shared server state handed to every route module.
import type { TrustStore } from './certs'
import type { Db } from './db'
import type { IdentityRegistry } from './identity-registry'
import type { LoginThrottle } from './login-throttle'
import type { ApiSpec } from './openapi'
import type { RateLimiter } from './ratelimit'
import type { SmsOutbox } from './sms'

export interface Limits {
  challengeLifetimeMs: number
  sessionIdleMs: number
  sessionAbsoluteMs: number
  /** Wrong passwords per (account name, client) before the first wait (login-throttle.ts). */
  lockoutThreshold: number
  /** Longest wait of the back-off, milliseconds. */
  lockoutMs: number
  /** First wait of the back-off, milliseconds (doubles per further failure). */
  lockoutBaseMs: number
  passwordAttemptsPerIp: number
  passwordIpWindowMs: number
  signatureFailuresMax: number
  signatureFailureWindowMs: number
  challengesPerIp: number
  challengeIpWindowMs: number
  /** Registrations started per client address within `registrationIpWindowMs` (unauthenticated rows). */
  registrationsPerIp: number
  registrationIpWindowMs: number
  registrationLifetimeMs: number
  smsLifetimeMs: number
  smsCooldownMs: number
  smsMaxAttempts: number
  smsMaxSends: number
  smsPerMobilePerHour: number
  /** [檢核是否存在] account-name checks per registration within accountChecksWindowMs. */
  accountChecksPerRegistration: number
  accountChecksWindowMs: number
}

export const DEFAULT_LIMITS: Limits = {
  challengeLifetimeMs: 5 * 60_000,
  sessionIdleMs: 30 * 60_000,
  sessionAbsoluteMs: 8 * 60 * 60_000,
  lockoutThreshold: 5,
  lockoutMs: 15 * 60_000,
  lockoutBaseMs: 30_000,
  passwordAttemptsPerIp: 60,
  passwordIpWindowMs: 5 * 60_000,
  signatureFailuresMax: 10,
  signatureFailureWindowMs: 15 * 60_000,
  challengesPerIp: 600,
  challengeIpWindowMs: 60_000,
  registrationsPerIp: 60,
  registrationIpWindowMs: 60_000,
  registrationLifetimeMs: 30 * 60_000,
  smsLifetimeMs: 5 * 60_000,
  smsCooldownMs: 60_000,
  smsMaxAttempts: 5,
  smsMaxSends: 5,
  smsPerMobilePerHour: 10,
  accountChecksPerRegistration: 20,
  accountChecksWindowMs: 10 * 60_000
}

export interface Ctx {
  db: Db
  trust: TrustStore
  origin: string
  now: () => Date
  nowIso: () => string
  limits: Limits
  limiter: RateLimiter
  logins: LoginThrottle
  sms: SmsOutbox
  spec: ApiSpec
  dev: boolean
  /** The issuing authority's identity-verification service (its own data, not `db`). */
  identity: IdentityRegistry
}
