import { readFileSync } from 'node:fs'
import { Agent } from 'node:https'
import { createSecureContext, rootCertificates } from 'node:tls'
import axios, { type AxiosInstance } from 'axios'
import type { z } from 'zod'
import { AppError } from '../../shared/errors'
import { transportAdapter, type Transport } from '../net'
import { errorFromResponse, errorFromTransport } from './error-mapping'

// One HTTPS client for the platform API: TLS verified against the system CAs plus the one
// explicitly configured CA file (server-mock's dev CA); verification is never switched off.
// Every response body is validated; a body that does not match is SERVER_RESPONSE_INVALID.

export interface HttpClientOptions {
  /** Server URL, e.g. https://127.0.0.1:48123 (API paths live under /api/v1). */
  baseUrl: string
  /** PEM file with an extra trusted CA, or null. */
  caFile: string | null
  timeoutMs?: number
  /**
   * The app's network stack (src/main/net): proxy, bypass list and CAs from the settings, Chromium's
   * network service in Electron. Without it: a direct connection trusting Node's CAs + `caFile`.
   */
  transport?: Transport
  /** Called after every exchange: true when the server answered, false on a transport failure. */
  onReachability?: (reachable: boolean, problem?: AppError) => void
}

export interface RequestSpec<T> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  body?: unknown
  query?: Record<string, string | number | undefined>
  token?: string | null
  headers?: Record<string, string>
  /** null: the endpoint answers 204 without a body. */
  schema: z.ZodType<T> | null
  /** Per-call limits of one user action (see core/user-action.ts). */
  limits?: CallLimits
}

/** Limits a caller puts on one request: a cancel/deadline signal and a shorter timeout. */
export interface CallLimits {
  /** Aborting it stops the request at once: OPERATION_CANCELLED, or ACTION_TIMEOUT when its reason says so. */
  signal?: AbortSignal
  /** Milliseconds for this request (default: the client's timeout). */
  timeoutMs?: number
}

/** The AppError for a request stopped by `signal` (its reason is an AppError when a deadline stopped it). */
export function abortError(signal: AbortSignal): AppError {
  const reason: unknown = signal.reason
  return reason instanceof AppError ? reason : new AppError('OPERATION_CANCELLED')
}

export function trustedCas(caFile: string | null): string[] {
  const cas = [...rootCertificates]
  if (caFile) {
    try {
      cas.push(readFileSync(caFile, 'utf8'))
    } catch (err) {
      throw new AppError('NOT_CONFIGURED', `API CA file unreadable: ${caFile}`, { cause: err })
    }
  }
  return cas
}

export class HttpClient {
  private readonly axios: AxiosInstance
  readonly baseUrl: string

  constructor(private readonly opts: HttpClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '')
    this.axios = axios.create({
      baseURL: `${this.baseUrl}/api/v1`,
      timeout: opts.timeoutMs ?? 20_000,
      // One secure context for all sockets: with `ca` in the agent options, Node builds each
      // request's agent key from ~150 PEM roots (~200 KB string per request) and a new secure
      // context per socket — 60 ms of CPU per request in bench/batch.
      ...(opts.transport
        ? { adapter: transportAdapter(opts.transport) }
        : {
            httpsAgent: new Agent({
              secureContext: createSecureContext({ ca: trustedCas(opts.caFile) }),
              rejectUnauthorized: true,
              keepAlive: true
            })
          }),
      maxRedirects: 0,
      proxy: false,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true
    })
  }

  async request<T>(spec: RequestSpec<T>): Promise<T> {
    if (spec.limits?.signal?.aborted) throw abortError(spec.limits.signal)
    const headers: Record<string, string> = { accept: 'application/json', ...spec.headers }
    if (spec.token) headers.authorization = `Bearer ${spec.token}`
    if (spec.body !== undefined) headers['content-type'] = 'application/json'
    let res
    try {
      res = await this.axios.request<string>({
        method: spec.method,
        url: spec.path,
        headers,
        ...(spec.query ? { params: dropUndefined(spec.query) } : {}),
        ...(spec.body !== undefined ? { data: JSON.stringify(spec.body) } : {}),
        ...(spec.limits?.signal ? { signal: spec.limits.signal } : {}),
        ...(spec.limits?.timeoutMs !== undefined ? { timeout: Math.max(1, Math.round(spec.limits.timeoutMs)) } : {})
      })
    } catch (err) {
      // Stopped by the user or the action's deadline: says nothing about the platform's reachability.
      if (spec.limits?.signal?.aborted) throw abortError(spec.limits.signal)
      const appErr = errorFromTransport(err)
      this.opts.onReachability?.(false, appErr)
      throw appErr
    }
    this.opts.onReachability?.(true)
    const body = parseJson(res.data)
    if (res.status >= 400) throw errorFromResponse(res.status, body)
    if (spec.schema === null) {
      if (res.status !== 204) throw new AppError('SERVER_RESPONSE_INVALID', `expected 204, got ${res.status}`)
      return undefined as T
    }
    const parsed = spec.schema.safeParse(body)
    if (!parsed.success) {
      const where = parsed.error.issues
        .slice(0, 3)
        .map((i) => i.path.join('.') || '(root)')
        .join(', ')
      throw new AppError('SERVER_RESPONSE_INVALID', `${spec.method} ${spec.path}: ${where}`)
    }
    return parsed.data
  }
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function dropUndefined(query: Record<string, string | number | undefined>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as Record<string, string | number>
}
