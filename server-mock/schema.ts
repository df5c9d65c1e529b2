// A small, strict JSON Schema (2020-12 subset, as used by OpenAPI 3.1) validator.
// Only the keywords listed in SUPPORTED_KEYWORDS are allowed; `assertSupported` rejects others so
// the YAML cannot silently rely on a keyword this validator ignores. One extension keyword,
// `x-normalize`, names the input normaliser (src/shared/normalize.ts) a request string goes through
// on receipt, before validation (normalizeBySchema): the client's rule, applied again server-side.
import {
  normalizeBillNumber,
  normalizeCode,
  normalizeDate,
  normalizeDigits,
  normalizeIdentityNumber,
  normalizeMobile,
  normalizePhone,
  normalizeText
} from '../src/shared/normalize'

export type JsonSchema = {
  [key: string]: unknown
}

export interface SchemaIssue {
  path: string
  message: string
}

export const SUPPORTED_KEYWORDS = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'items',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'oneOf',
  'anyOf',
  'description',
  'title',
  'example',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'x-normalize'
])

/** `x-normalize` values → the shared normaliser applied to a request string on receipt. */
export const NORMALIZERS: Record<string, (s: string) => string> = {
  'identity-number': normalizeIdentityNumber,
  digits: normalizeDigits,
  mobile: normalizeMobile,
  phone: normalizePhone,
  'bill-number': normalizeBillNumber,
  code: normalizeCode,
  text: normalizeText,
  date: normalizeDate
}

/**
 * A copy of `value` with every string whose schema has `x-normalize` normalised (follows $ref,
 * properties, additionalProperties and items; oneOf/anyOf branches are left alone as ambiguous).
 */
export function normalizeBySchema(schema: JsonSchema, value: unknown, resolve: RefResolver): unknown {
  let s = schema
  for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) {
    const { $ref, ...rest } = s
    s = { ...resolve($ref as string), ...rest }
  }
  if (typeof value === 'string') {
    const fn = typeof s['x-normalize'] === 'string' ? NORMALIZERS[s['x-normalize']] : undefined
    return fn ? fn(value) : value
  }
  if (Array.isArray(value)) {
    return s.items && typeof s.items === 'object'
      ? value.map((v) => normalizeBySchema(s.items as JsonSchema, v, resolve))
      : value
  }
  if (value !== null && typeof value === 'object') {
    const props = (s.properties ?? {}) as Record<string, JsonSchema>
    const extra =
      s.additionalProperties && typeof s.additionalProperties === 'object'
        ? (s.additionalProperties as JsonSchema)
        : null
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const sub = props[k] ?? extra
      out[k] = sub ? normalizeBySchema(sub, v, resolve) : v
    }
    return out
  }
  return value
}

const FORMATS: Record<string, (s: string) => boolean> = {
  'date-time': (s) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
  date: (s) =>
    /^\d{4}-\d{2}-\d{2}$/.test(s) &&
    !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) &&
    new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
  email: (s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s),
  uri: (s) => {
    try {
      new URL(s)
      return true
    } catch {
      return false
    }
  }
}

export type RefResolver = (ref: string) => JsonSchema

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === 'number' && actual === 'integer')
}

function codePoints(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

const patternCache = new Map<string, RegExp>()
function regex(pattern: string): RegExp {
  let re = patternCache.get(pattern)
  if (!re) {
    re = new RegExp(pattern, 'u')
    patternCache.set(pattern, re)
  }
  return re
}

export function validate(schema: JsonSchema, value: unknown, resolve: RefResolver, path = ''): SchemaIssue[] {
  const issues: SchemaIssue[] = []
  const at = path || '/'
  if (typeof schema.$ref === 'string') {
    issues.push(...validate(resolve(schema.$ref), value, resolve, path))
  }
  const actual = typeOf(value)
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string]
    if (!types.some((t) => typeMatches(t, actual))) {
      return [...issues, { path: at, message: `must be ${types.join(' or ')}` }]
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) {
    issues.push({ path: at, message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` })
  }
  if (schema.const !== undefined && schema.const !== value) {
    issues.push({ path: at, message: `must be ${JSON.stringify(schema.const)}` })
  }
  if (typeof value === 'string') {
    const len = codePoints(value)
    if (typeof schema.minLength === 'number' && len < schema.minLength)
      issues.push({ path: at, message: `must have at least ${schema.minLength} characters` })
    if (typeof schema.maxLength === 'number' && len > schema.maxLength)
      issues.push({ path: at, message: `must have at most ${schema.maxLength} characters` })
    if (typeof schema.pattern === 'string' && !regex(schema.pattern).test(value))
      issues.push({ path: at, message: `must match ${schema.pattern}` })
    if (typeof schema.format === 'string') {
      const check = FORMATS[schema.format]
      if (check && !check(value)) issues.push({ path: at, message: `must be a valid ${schema.format}` })
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      issues.push({ path: at, message: `must be ≥ ${schema.minimum}` })
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      issues.push({ path: at, message: `must be ≤ ${schema.maximum}` })
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      issues.push({ path: at, message: `must have at least ${schema.minItems} items` })
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      issues.push({ path: at, message: `must have at most ${schema.maxItems} items` })
    if (schema.items && typeof schema.items === 'object') {
      value.forEach((item, i) => issues.push(...validate(schema.items as JsonSchema, item, resolve, `${path}/${i}`)))
    }
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>
    for (const key of (schema.required ?? []) as string[]) {
      if (!(key in obj) || obj[key] === undefined) issues.push({ path: `${path}/${key}`, message: 'is required' })
    }
    const keys = Object.keys(obj)
    if (typeof schema.minProperties === 'number' && keys.length < schema.minProperties) {
      issues.push({ path: at, message: `must have at least ${schema.minProperties} properties` })
    }
    for (const key of keys) {
      if (obj[key] === undefined) continue
      const sub = props[key]
      if (sub) issues.push(...validate(sub, obj[key], resolve, `${path}/${key}`))
      else if (schema.additionalProperties === false)
        issues.push({ path: `${path}/${key}`, message: 'is not allowed (unknown field)' })
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        issues.push(...validate(schema.additionalProperties as JsonSchema, obj[key], resolve, `${path}/${key}`))
      }
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = (schema.oneOf as JsonSchema[]).filter((s) => validate(s, value, resolve, path).length === 0).length
    if (passing !== 1) issues.push({ path: at, message: `must match exactly one schema in oneOf (matched ${passing})` })
  }
  if (Array.isArray(schema.anyOf)) {
    if (!(schema.anyOf as JsonSchema[]).some((s) => validate(s, value, resolve, path).length === 0)) {
      issues.push({ path: at, message: 'must match at least one schema in anyOf' })
    }
  }
  return issues
}

/** Throws when a schema uses a keyword this validator does not implement. */
export function assertSupported(schema: unknown, where: string): void {
  if (schema === null || typeof schema !== 'object') return
  if (Array.isArray(schema)) {
    schema.forEach((s, i) => assertSupported(s, `${where}[${i}]`))
    return
  }
  for (const [key, sub] of Object.entries(schema as Record<string, unknown>)) {
    if (!SUPPORTED_KEYWORDS.has(key)) throw new Error(`unsupported JSON Schema keyword "${key}" at ${where}`)
    if (key === 'properties') {
      for (const [name, prop] of Object.entries(sub as Record<string, unknown>))
        assertSupported(prop, `${where}.properties.${name}`)
    } else if (key === 'x-normalize') {
      if (!(String(sub) in NORMALIZERS)) throw new Error(`unknown x-normalize "${String(sub)}" at ${where}`)
    } else if (key === 'format') {
      if (!(String(sub) in FORMATS) && !['int32', 'int64', 'byte'].includes(String(sub)))
        throw new Error(`unsupported format "${String(sub)}" at ${where}`)
    } else if (['items', 'additionalProperties', 'oneOf', 'anyOf'].includes(key)) {
      assertSupported(sub, `${where}.${key}`)
    }
  }
}
