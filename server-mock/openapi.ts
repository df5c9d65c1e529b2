// Loads server-mock/openapi.yaml and turns it into per-operation request/response validators.
// The YAML is the single source of truth: routes are registered by operationId from it.
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { ApiError, type ErrorDetail } from './errors'
import { assertSupported, normalizeBySchema, validate, type JsonSchema, type SchemaIssue } from './schema'

export const API_PREFIX = '/api/v1'
export const DEFAULT_OPENAPI_PATH = join(__dirname, 'openapi.yaml')

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
const METHODS: HttpMethod[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']

interface ParameterObject {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema: JsonSchema
}

interface ResponseSpec {
  /** null = no body. */
  schema: JsonSchema | null
}

export interface Operation {
  operationId: string
  method: HttpMethod
  /** OpenAPI path, e.g. /delegations/{delegationId}. */
  path: string
  /** Fastify URL, e.g. /api/v1/delegations/:delegationId. */
  url: string
  tags: string[]
  pathParams: ParameterObject[]
  queryParams: ParameterObject[]
  body: { required: boolean; schema: JsonSchema } | null
  responses: Map<string, ResponseSpec>
}

export interface ApiSpec {
  doc: Record<string, unknown>
  operations: Map<string, Operation>
  resolve: (ref: string) => JsonSchema
}

function pointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`)
  let node: unknown = doc
  for (const part of ref.slice(2).split('/')) {
    if (node === null || typeof node !== 'object') throw new Error(`unresolvable $ref ${ref}`)
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')]
  }
  if (node === undefined) throw new Error(`unresolvable $ref ${ref}`)
  return node
}

function deref<T>(doc: unknown, value: unknown): T {
  let v = value
  for (let i = 0; i < 10 && v && typeof v === 'object' && '$ref' in v; i++)
    v = pointer(doc, (v as { $ref: string }).$ref)
  return v as T
}

export function loadApiSpec(path = DEFAULT_OPENAPI_PATH): ApiSpec {
  const doc = parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  const resolve = (ref: string): JsonSchema => pointer(doc, ref) as JsonSchema
  const components = (doc.components ?? {}) as { schemas?: Record<string, unknown> }
  for (const [name, schema] of Object.entries(components.schemas ?? {}))
    assertSupported(schema, `#/components/schemas/${name}`)

  const operations = new Map<string, Operation>()
  const paths = (doc.paths ?? {}) as Record<string, Record<string, unknown>>
  for (const [path, item] of Object.entries(paths)) {
    const shared = ((item.parameters ?? []) as unknown[]).map((p) => deref<ParameterObject>(doc, p))
    for (const method of METHODS) {
      const op = item[method.toLowerCase()] as Record<string, unknown> | undefined
      if (!op) continue
      const operationId = op.operationId as string
      if (!operationId || operations.has(operationId))
        throw new Error(`missing or duplicate operationId at ${method} ${path}`)
      const params = [...shared, ...((op.parameters ?? []) as unknown[]).map((p) => deref<ParameterObject>(doc, p))]
      params.forEach((p) => assertSupported(p.schema, `${operationId} parameter ${p.name}`))
      const rb = op.requestBody
        ? deref<{ required?: boolean; content?: Record<string, { schema: JsonSchema }> }>(doc, op.requestBody)
        : null
      const bodySchema = rb?.content?.['application/json']?.schema
      if (bodySchema) assertSupported(bodySchema, `${operationId} requestBody`)
      const responses = new Map<string, ResponseSpec>()
      for (const [status, r] of Object.entries((op.responses ?? {}) as Record<string, unknown>)) {
        const resp = deref<{ content?: Record<string, { schema: JsonSchema }> }>(doc, r)
        const schema = resp.content?.['application/json']?.schema ?? null
        if (schema) assertSupported(schema, `${operationId} response ${status}`)
        responses.set(status, { schema })
      }
      operations.set(operationId, {
        operationId,
        method,
        path,
        url: API_PREFIX + path.replace(/\{([^}]+)\}/g, ':$1'),
        tags: (op.tags ?? []) as string[],
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        body: bodySchema ? { required: rb?.required === true, schema: bodySchema } : null,
        responses
      })
    }
  }
  return { doc, operations, resolve }
}

function toDetails(issues: SchemaIssue[], prefix: string): ErrorDetail[] {
  return issues.map((i) => ({ path: `${prefix}${i.path === '/' ? '' : i.path}`, message: i.message }))
}

function invalid(details: ErrorDetail[]): ApiError {
  const first = details[0]
  return new ApiError(
    'VALIDATION_FAILED',
    first ? `${first.path || 'request'} ${first.message}` : 'invalid request',
    details
  )
}

function coerce(value: string, schema: JsonSchema, resolve: (ref: string) => JsonSchema): unknown {
  const s = typeof schema.$ref === 'string' ? resolve(schema.$ref) : schema
  if (s.type === 'integer' && /^-?[0-9]{1,15}$/.test(value)) return Number(value)
  if (s.type === 'number' && /^-?[0-9]+(\.[0-9]+)?$/.test(value)) return Number(value)
  if (s.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true'
  return value
}

export interface ValidatedRequest {
  params: Record<string, unknown>
  query: Record<string, unknown>
  body: unknown
}

/** Normalises (x-normalize) and validates path, query and body of a request; throws ApiError VALIDATION_FAILED. */
export function validateRequest(
  spec: ApiSpec,
  op: Operation,
  raw: { params: unknown; query: unknown; body: unknown }
): ValidatedRequest {
  const details: ErrorDetail[] = []
  const params: Record<string, unknown> = {}
  const rawParams = (raw.params ?? {}) as Record<string, string>
  for (const p of op.pathParams) {
    params[p.name] = rawParams[p.name]
    details.push(...toDetails(validate(p.schema, rawParams[p.name], spec.resolve), `/path/${p.name}`))
  }
  const query: Record<string, unknown> = {}
  const rawQuery = (raw.query ?? {}) as Record<string, unknown>
  for (const [name, value] of Object.entries(rawQuery)) {
    const p = op.queryParams.find((q) => q.name === name)
    if (!p) details.push({ path: `/query/${name}`, message: 'is not allowed (unknown parameter)' })
    else if (typeof value !== 'string') details.push({ path: `/query/${name}`, message: 'must be given once' })
    else {
      query[name] = coerce(normalizeBySchema(p.schema, value, spec.resolve) as string, p.schema, spec.resolve)
      details.push(...toDetails(validate(p.schema, query[name], spec.resolve), `/query/${name}`))
    }
  }
  for (const p of op.queryParams) {
    if (p.required && !(p.name in rawQuery)) details.push({ path: `/query/${p.name}`, message: 'is required' })
  }
  let body = raw.body
  if (op.body) {
    if (body === undefined || body === null) {
      if (op.body.required) details.push({ path: '/body', message: 'is required' })
      else body = {}
    } else {
      // Normalised on receipt (x-normalize), so the handler sees what the rule checked.
      body = normalizeBySchema(op.body.schema, body, spec.resolve)
      details.push(...toDetails(validate(op.body.schema, body, spec.resolve), '/body'))
    }
  } else if (body !== undefined && body !== null && !(typeof body === 'object' && Object.keys(body).length === 0)) {
    details.push({ path: '/body', message: 'this operation takes no body' })
  }
  if (details.length > 0) throw invalid(details)
  return { params, query, body }
}

/** Issues of a response against the documented schema for its status (or `default`). */
export function validateResponse(spec: ApiSpec, op: Operation, status: number, body: unknown): SchemaIssue[] {
  const resp = op.responses.get(String(status)) ?? op.responses.get('default')
  if (!resp) return [{ path: '/', message: `status ${status} is not documented for ${op.operationId}` }]
  if (resp.schema === null)
    return body === undefined || body === '' ? [] : [{ path: '/', message: `status ${status} must have no body` }]
  return validate(resp.schema, body, spec.resolve)
}
