// server-mock: strict reference HTTPS implementation of the ECCS real-name delegation API.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import { loadTrustStore } from './certs'
import { DEFAULT_LIMITS, type Ctx, type Limits } from './context'
import { openDb, type Db } from './db'
import { IdentityRegistry, type IdentityRecord } from './identity-registry'
import { ApiError, type ErrorBody } from './errors'
import { loadApiSpec, validateResponse, type ApiSpec } from './openapi'
import { loadOcspResponder } from './ocsp'
import { LoginThrottle } from './login-throttle'
import { RateLimiter } from './ratelimit'
import { challengeRoutes } from './routes/challenges'
import { decisionBatchRoutes } from './routes/decision-batches'
import { delegationRoutes } from './routes/delegations'
import { devRoutes } from './routes/dev'
import { ocspRoutes } from './routes/ocsp'
import { profileRoutes } from './routes/profile'
import { registrationRoutes } from './routes/registrations'
import { sessionRoutes } from './routes/sessions'
import { systemRoutes } from './routes/system'
import { validate } from './schema'
import { seedDemo, type DemoAccount, type SeedOptions } from './seed'
import { SmsOutbox } from './sms'
import { ensureDevTls } from './tls'

export type { DemoAccount } from './seed'

export const BODY_LIMIT = 64 * 1024

export interface MockServerOptions {
  dataDir: string
  /** 0 (default) = ephemeral port. */
  port?: number
  host?: '127.0.0.1'
  /** PEM files of trust anchors (root CAs). */
  anchors: string[]
  /** PEM files of intermediate CAs (e.g. MOICA). */
  intermediates?: string[]
  /** PEM or DER CRL files; when given, the end-entity issuer's CRL is required and must be current. */
  crls?: string[]
  /** SQLite file; default ':memory:'. */
  dbPath?: string
  seed?: SeedOptions
  now?: () => Date
  logger?: boolean
  /** Registers /dev/* endpoints (SMS outbox, creating delegations and accounts). */
  dev?: boolean
  /**
   * The origin clients reach this server at, when it sits behind a TLS-terminating proxy (the fault
   * suite's proxy): signatures are bound to it. Default: the server's own https://127.0.0.1:PORT.
   */
  publicOrigin?: string
  /** Checks every response against openapi.yaml; a mismatch becomes 500 RESPONSE_SCHEMA_VIOLATION. */
  validateResponses?: boolean
  limits?: Partial<Limits>
  openapiPath?: string
  /**
   * The issuing authority's records (certificate serial / card serial → holder's ID number) that the
   * identity proof at registration and certificate enabling asks. Empty = every proof fails.
   */
  identityRecords?: readonly IdentityRecord[]
  /** Serve POST /api/v1/ocsp for certificates of this CA (answers from its configured CRL). */
  ocsp?: { issuerCertPath: string; issuerKeyPath: string }
}

export interface MockServer {
  /** https://127.0.0.1:PORT */
  url: string
  /** API base URL (url + /api/v1). */
  apiBase: string
  origin: string
  port: number
  caCertPath: string
  dataDir: string
  smsOutboxPath: string
  accounts: DemoAccount[]
  /** Registered routes (method + fastify URL), for the OpenAPI coverage test. */
  routes: { method: string; url: string }[]
  /** Response-schema violations seen so far (only with validateResponses). */
  responseViolations: string[]
  db: Db
  /** The issuing authority's identity-verification service (tests may add records or take it down). */
  identity: IdentityRegistry
  close(): Promise<void>
}

function fastifyErrorToApi(err: FastifyError): ApiError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        'PAYLOAD_TOO_LARGE',
        `request body exceeds the limit (${BODY_LIMIT} bytes; 262144 for decideDelegations)`
      )
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('VALIDATION_FAILED', 'Content-Length does not match the body')
    default:
      if (err.statusCode === 413)
        return new ApiError(
          'PAYLOAD_TOO_LARGE',
          `request body exceeds the limit (${BODY_LIMIT} bytes; 262144 for decideDelegations)`
        )
      if (err.statusCode === 415)
        return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json')
      if (err.statusCode === 400) return new ApiError('MALFORMED_JSON', `malformed request: ${err.message}`)
      if (err.statusCode === 404) return new ApiError('NOT_FOUND', 'no such endpoint')
      return new ApiError('INTERNAL_ERROR', 'internal error')
  }
}

/** JSON pointer of the first string (or key) with an unpaired UTF-16 surrogate, or null. */
export function loneSurrogatePath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return /\p{Cs}/u.test(value) ? path : null
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const p = loneSurrogatePath(v, `${path}/${i}`)
      if (p !== null) return p
    }
    return null
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (/\p{Cs}/u.test(k)) return path
      const p = loneSurrogatePath(v, `${path}/${k}`)
      if (p !== null) return p
    }
  }
  return null
}

function installErrorHandling(
  app: FastifyInstance,
  spec: ApiSpec,
  validateResponses: boolean,
  violations: string[]
): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const text = String(body)
    if (text.trim() === '') return done(null, undefined)
    try {
      const parsed = JSON.parse(text) as unknown
      // "\ud800" is valid JSON but no text: it has no UTF-8 form, and a signed statement would carry
      // U+FFFD instead of what was sent. Refused everywhere, before any handler sees it.
      const bad = loneSurrogatePath(parsed, '/body')
      if (bad !== null)
        return done(
          new ApiError('VALIDATION_FAILED', `${bad} contains an unpaired surrogate`, [
            { path: bad, message: 'must be well-formed Unicode text' }
          ]),
          undefined
        )
      done(null, parsed)
    } catch (e) {
      done(
        new ApiError('MALFORMED_JSON', `body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`),
        undefined
      )
    }
  })

  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    const apiErr = err instanceof ApiError ? err : fastifyErrorToApi(err)
    if (apiErr.code === 'INTERNAL_ERROR') request.log.error(err)
    if (apiErr.retryAfterSeconds !== undefined) reply.header('retry-after', String(apiErr.retryAfterSeconds))
    return reply.code(apiErr.status).send(apiErr.toBody())
  })
  app.setNotFoundHandler((request, reply) => {
    return reply
      .code(404)
      .send(new ApiError('NOT_FOUND', `no endpoint ${request.method} ${request.url.split('?')[0]}`).toBody())
  })

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('cache-control', 'no-store')
    if (!validateResponses) return payload
    const status = reply.statusCode
    const type = String(reply.getHeader('content-type') ?? '')
    if (status < 400 && type !== '' && !type.startsWith('application/json')) return payload
    let body: unknown = undefined
    if (typeof payload === 'string' && payload !== '') {
      try {
        body = JSON.parse(payload)
      } catch {
        body = payload
      }
    }
    const op = request.operation
    const issues = op
      ? validateResponse(spec, op, status, body)
      : validate({ $ref: '#/components/schemas/ErrorResponse' }, body, spec.resolve)
    if (issues.length === 0) return payload
    const msg = `${request.method} ${request.url} → ${status}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`
    violations.push(msg)
    request.log.error(msg)
    reply.code(500)
    const err: ErrorBody = new ApiError('RESPONSE_SCHEMA_VIOLATION', msg).toBody()
    return JSON.stringify(err)
  })
}

export async function startMockServer(opts: MockServerOptions): Promise<MockServer> {
  const dataDir = resolve(opts.dataDir)
  mkdirSync(dataDir, { recursive: true })
  const tls = ensureDevTls(dataDir)
  const spec = loadApiSpec(opts.openapiPath)
  const trust = loadTrustStore({
    anchors: opts.anchors,
    intermediates: opts.intermediates ?? [],
    crls: opts.crls ?? []
  })
  const now = opts.now ?? (() => new Date())
  const db = openDb(opts.dbPath ?? ':memory:')
  const smsOutboxPath = join(dataDir, 'sms-outbox.jsonl')
  const limits = { ...DEFAULT_LIMITS, ...opts.limits }
  const ctx: Ctx = {
    db,
    trust,
    origin: '',
    now,
    nowIso: () => now().toISOString(),
    limits,
    limiter: new RateLimiter(now),
    logins: new LoginThrottle(now, {
      freeAttempts: limits.lockoutThreshold,
      baseDelayMs: limits.lockoutBaseMs,
      maxDelayMs: limits.lockoutMs
    }),
    sms: new SmsOutbox(smsOutboxPath),
    spec,
    dev: opts.dev === true,
    identity: new IdentityRegistry(opts.identityRecords ?? [])
  }
  const accounts = seedDemo(db, trust, now(), opts.seed ?? {})
  db.exec('ANALYZE') // lets SQLite pick the right index for large seeds

  const app = Fastify({
    https: { key: tls.keyPem, cert: tls.certPem },
    bodyLimit: BODY_LIMIT,
    logger: opts.logger === true,
    return503OnClosing: true,
    exposeHeadRoutes: false,
    forceCloseConnections: true
  })
  const routes: { method: string; url: string }[] = []
  app.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method])
      if (m !== 'HEAD') routes.push({ method: m, url: r.url })
  })
  const violations: string[] = []
  installErrorHandling(app, spec, opts.validateResponses === true, violations)

  systemRoutes(app, ctx)
  challengeRoutes(app, ctx)
  registrationRoutes(app, ctx)
  sessionRoutes(app, ctx)
  profileRoutes(app, ctx)
  delegationRoutes(app, ctx)
  decisionBatchRoutes(app, ctx)
  ocspRoutes(app, ctx, opts.ocsp ? loadOcspResponder(opts.ocsp.issuerCertPath, opts.ocsp.issuerKeyPath) : null)
  if (ctx.dev) devRoutes(app, ctx)

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('server did not bind a TCP port')
  const url = `https://127.0.0.1:${address.port}`
  ctx.origin = opts.publicOrigin ?? url

  return {
    url,
    apiBase: `${url}/api/v1`,
    origin: ctx.origin,
    port: address.port,
    caCertPath: tls.caCertPath,
    dataDir,
    smsOutboxPath,
    accounts,
    routes,
    responseViolations: violations,
    db,
    identity: ctx.identity,
    async close() {
      await app.close()
      db.close()
    }
  }
}
