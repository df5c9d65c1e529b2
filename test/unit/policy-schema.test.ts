import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePolicyText } from '../../src/main/policy/load-policy'
import { DEFAULT_SETTINGS, SETTING_KEYS } from '../../src/main/policy/schema'
import { DOC_BEGIN, DOC_END, policyReferenceMarkdown, policySchemaText } from '../../src/main/policy/schema-docs'

// The committed JSON Schema and the docs' policy reference are generated from the zod schema;
// these fail when someone edits schema.ts without `npx tsx src/main/policy/generate.ts`.

const root = join(__dirname, '../..')
const regenerate = 'stale: run `npx tsx src/main/policy/generate.ts`'

describe('policy schema artefacts', () => {
  it('resources/policy/policy.schema.json is up to date', () => {
    expect(readFileSync(join(root, 'resources/policy/policy.schema.json'), 'utf8'), regenerate).toBe(policySchemaText())
  })

  it('docs/deployment.md carries the current generated reference', () => {
    const doc = readFileSync(join(root, 'docs/deployment.md'), 'utf8')
    const block = doc.slice(doc.indexOf(DOC_BEGIN), doc.indexOf(DOC_END) + DOC_END.length)
    expect(block, regenerate).toBe(policyReferenceMarkdown())
  })

  it('covers the required keys with defaults and the example policy is valid', () => {
    for (const key of [
      'apiBaseUrl',
      'pkcs11Modules',
      'extraCaCertificates',
      'proxy',
      'revocationCheck',
      'autoUpdate',
      'updateChannel',
      'updateUrl',
      'cacheRetentionDays',
      'wipeCacheOnSignOut',
      'allowedReaders',
      'logLevel'
    ]) {
      expect(SETTING_KEYS).toContain(key)
    }
    const schema = JSON.parse(policySchemaText()) as {
      properties: Record<string, { default?: unknown }>
      additionalProperties: unknown
    }
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties.revocationCheck?.default).toBe(DEFAULT_SETTINGS.revocationCheck)
    const example = readFileSync(join(root, 'resources/policy/policy.example.json'), 'utf8')
    expect(parsePolicyText(example, 'policy.example.json').status).toBe('valid')
  })
})
