import { z } from 'zod'
import { DEFAULT_SETTINGS, PolicySchema, SETTING_KEYS } from './schema'

// Generated artefacts of the policy schema: the JSON Schema shipped in resources/policy/ (for
// editors, Intune/Jamf validation and `eccs-client policy validate`) and the reference table in
// docs/deployment.md. A unit test fails when either committed copy is stale.

export const SCHEMA_ID = 'https://eccs.example.gov.tw/schemas/policy.schema.json'
export const DOC_BEGIN =
  '<!-- policy-reference:begin (generated from src/main/policy/schema.ts; npx tsx src/main/policy/generate.ts) -->'
export const DOC_END = '<!-- policy-reference:end -->'

type JsonSchema = { properties?: Record<string, JsonSchema>; [k: string]: unknown }

export function policyJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(PolicySchema, { io: 'input', target: 'draft-2020-12' }) as JsonSchema
  const properties = schema.properties ?? {}
  for (const key of SETTING_KEYS) {
    const prop = properties[key]
    const def = DEFAULT_SETTINGS[key]
    if (prop && def !== null) prop.default = def
  }
  return { $schema: schema.$schema, $id: SCHEMA_ID, ...schema }
}

export function policySchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`
}

function typeOf(prop: JsonSchema): string {
  if (Array.isArray(prop.enum)) return prop.enum.map((v) => `\`${String(v)}\``).join(' | ')
  if (prop.type === 'array') {
    const items = (prop.items ?? {}) as JsonSchema
    return `list of ${String(items.type ?? 'value')}s`
  }
  if (prop.type === 'integer') return `integer ${prop.minimum ?? ''}–${prop.maximum ?? ''}`
  return String(prop.type ?? 'value')
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function policyReferenceMarkdown(): string {
  const properties = policyJsonSchema().properties ?? {}
  const rows = SETTING_KEYS.map((key) => {
    const prop = properties[key] ?? {}
    const def = DEFAULT_SETTINGS[key]
    const example =
      Array.isArray(prop.examples) && prop.examples.length > 0
        ? ` Example: \`${JSON.stringify(prop.examples[0])}\`.`
        : ''
    return `| \`${key}\` | ${cell(typeOf(prop))} | \`${JSON.stringify(def)}\` | ${cell(String(prop.description ?? ''))}${cell(example)} |`
  })
  return [DOC_BEGIN, '', '| key | type | default | meaning |', '|---|---|---|---|', ...rows, '', DOC_END].join('\n')
}

/** Replaces the generated block in a Markdown document (which must contain both markers). */
export function spliceReference(doc: string): string {
  const start = doc.indexOf(DOC_BEGIN)
  const end = doc.indexOf(DOC_END)
  if (start < 0 || end < start) throw new Error('policy reference markers not found')
  return doc.slice(0, start) + policyReferenceMarkdown() + doc.slice(end + DOC_END.length)
}
