import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { policySchemaText, spliceReference } from './schema-docs'

// Regenerates resources/policy/policy.schema.json and the policy reference in docs/deployment.md
// after a change to schema.ts:  npx tsx src/main/policy/generate.ts

const root = join(__dirname, '../../..')
const schemaFile = join(root, 'resources', 'policy', 'policy.schema.json')
const docFile = join(root, 'docs', 'deployment.md')

mkdirSync(join(root, 'resources', 'policy'), { recursive: true })
writeFileSync(schemaFile, policySchemaText())
console.log(`wrote ${schemaFile}`)
if (existsSync(docFile)) {
  writeFileSync(docFile, spliceReference(readFileSync(docFile, 'utf8')))
  console.log(`updated ${docFile}`)
}
