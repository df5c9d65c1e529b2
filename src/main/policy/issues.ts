import type { z } from 'zod'

// Turns zod issues into messages an administrator can act on: each one starts with the key path
// as it appears in the JSON file (pkcs11Modules[1]), never with zod's internals.

export interface PolicyIssue {
  /** Key path in the file, e.g. "revocationCheck" or "pkcs11Modules[1]"; "" for the whole file. */
  key: string
  message: string
}

export function keyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`
    return acc ? `${acc}.${String(part)}` : String(part)
  }, '')
}

export function issuesFromZod(error: z.ZodError): PolicyIssue[] {
  return error.issues.flatMap((issue): PolicyIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({
        key: keyPath([...issue.path, k]),
        message: 'unknown key (check the spelling; see policy.schema.json)'
      }))
    }
    if (issue.code === 'invalid_value' && 'values' in issue) {
      return [
        { key: keyPath(issue.path), message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }
      ]
    }
    if (issue.code === 'invalid_type') {
      return [{ key: keyPath(issue.path), message: `must be ${article(issue.expected)}` }]
    }
    return [{ key: keyPath(issue.path), message: issue.message }]
  })
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer'
  if (expected === 'array') return 'a list (JSON array)'
  if (expected === 'object') return 'an object'
  if (expected === 'boolean') return 'true or false'
  return `a ${expected}`
}

export function describeIssues(issues: PolicyIssue[]): string {
  return issues.map((i) => (i.key ? `${i.key}: ${i.message}` : i.message)).join('; ')
}
