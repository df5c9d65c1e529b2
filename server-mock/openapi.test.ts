// openapi.yaml ↔ server: every registered route is documented and every documented operation is
// registered; schemas only use keywords the validator implements; response checking really bites.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { API_PREFIX, DEFAULT_OPENAPI_PATH, loadApiSpec } from './openapi'
import { ERRORS } from './errors'
import { startTestServer, type TestServer } from './test-helpers'

const spec = loadApiSpec()
const documented = [...spec.operations.values()].map((op) => `${op.method} ${op.url}`).sort()

describe('openapi.yaml', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer({ dev: true })
  })
  afterAll(async () => {
    await t.close()
  })

  it('is OpenAPI 3.1 with operationIds, tags and typed errors', () => {
    expect(spec.doc.openapi).toBe('3.1.0')
    for (const op of spec.operations.values()) {
      expect(op.tags.length, op.operationId).toBeGreaterThan(0)
      expect(op.responses.has('default'), `${op.operationId} documents default errors`).toBe(true)
      expect(
        [...op.responses.keys()].some((s) => /^2\d\d$/.test(s)),
        `${op.operationId} has a success response`
      ).toBe(true)
      if (op.body) expect(spec.resolve('#/components/schemas/ErrorResponse')).toBeTruthy()
    }
  })

  it('documents exactly the routes the server registers (dev on)', () => {
    const registered = t.server.routes.map((r) => `${r.method} ${r.url}`).sort()
    expect(registered).toEqual(documented)
    expect(registered.every((r) => r.split(' ')[1]?.startsWith(API_PREFIX))).toBe(true)
  })

  it('registers the dev operations only with the dev flag', async () => {
    const s = await startTestServer({ dev: false })
    try {
      const registered = s.server.routes.map((r) => `${r.method} ${r.url}`).sort()
      const nonDev = [...spec.operations.values()]
        .filter((op) => !op.tags.includes('dev'))
        .map((op) => `${op.method} ${op.url}`)
        .sort()
      expect(registered).toEqual(nonDev)
      const res = await s.api.get('/dev/sms-outbox')
      expect(res.status).toBe(404)
    } finally {
      await s.close()
    }
  })

  it('every error code the server can emit is SNAKE_CASE with a documented status', () => {
    for (const [code, [status]] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/)
      expect(status).toBeGreaterThanOrEqual(400)
    }
  })

  it('response validation catches a response that does not match the schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-mutant-'))
    try {
      const doc = parse(readFileSync(DEFAULT_OPENAPI_PATH, 'utf8')) as {
        components: { schemas: { Health: { required: string[]; properties: Record<string, unknown> } } }
      }
      doc.components.schemas.Health.required.push('uptime')
      doc.components.schemas.Health.properties.uptime = { type: 'integer' }
      const path = join(dir, 'openapi.yaml')
      writeFileSync(path, stringify(doc))
      const s = await startTestServer({ openapiPath: path })
      try {
        const res = await s.api.get('/health')
        expect(res.status).toBe(500)
        expect(res.body.error.code).toBe('RESPONSE_SCHEMA_VIOLATION')
        expect(s.server.responseViolations).toHaveLength(1)
        expect(s.server.responseViolations[0]).toContain('/uptime is required')
      } finally {
        await s.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('rejects schemas with keywords the validator does not implement', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-kw-'))
    try {
      const doc = parse(readFileSync(DEFAULT_OPENAPI_PATH, 'utf8')) as {
        components: { schemas: Record<string, unknown> }
      }
      doc.components.schemas.Bad = { type: 'object', allOf: [] }
      const path = join(dir, 'openapi.yaml')
      writeFileSync(path, stringify(doc))
      expect(() => loadApiSpec(path)).toThrow(/unsupported JSON Schema keyword "allOf"/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
