import { X509Certificate } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { AppError } from '../../shared/errors'
import { describeIssues, issuesFromZod, type PolicyIssue } from './issues'
import { PolicySchema, type Policy } from './schema'

// Reads and validates the machine policy. Anything but "no file" or "a fully valid file" is
// POLICY_INVALID: a policy that exists but cannot be read or understood must not silently fall
// back to defaults (that would undo the administrator's lock-down), so the app stays offline.

const MAX_POLICY_BYTES = 1024 * 1024

export type PolicyState =
  | { status: 'absent'; path: string }
  | { status: 'valid'; path: string; policy: Policy; /** extraCaCertificates resolved to PEM text. */ caPems: string[] }
  | { status: 'invalid'; path: string; issues: PolicyIssue[]; error: AppError }

export function invalid(path: string, issues: PolicyIssue[]): PolicyState {
  return {
    status: 'invalid',
    path,
    issues,
    error: new AppError('POLICY_INVALID', `${path}: ${describeIssues(issues)}`)
  }
}

/** Parses JSON text (a UTF-8 BOM, as Windows Notepad writes, is accepted) and validates it. */
export function parsePolicyText(text: string, path: string): PolicyState {
  const body = text.replace(/^\uFEFF/, '')
  if (body.trim() === '') return invalid(path, [{ key: '', message: 'the file is empty (delete it or write {})' }])
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (err) {
    return invalid(path, [{ key: '', message: `not valid JSON: ${(err as Error).message}` }])
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return invalid(path, [{ key: '', message: 'must be a JSON object ({ "key": value, … })' }])
  }
  const parsed = PolicySchema.safeParse(json)
  if (!parsed.success) return invalid(path, issuesFromZod(parsed.error))
  const ca = resolveCaEntries(parsed.data.extraCaCertificates ?? [], 'extraCaCertificates')
  if (ca.issues.length > 0) return invalid(path, ca.issues)
  return { status: 'valid', path, policy: parsed.data, caPems: ca.pems }
}

export function loadPolicyFile(path: string): PolicyState {
  let size: number
  try {
    const st = statSync(path)
    if (!st.isFile()) return invalid(path, [{ key: '', message: 'is not a regular file' }])
    size = st.size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent', path }
    return invalid(path, [{ key: '', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` }])
  }
  if (size > MAX_POLICY_BYTES) return invalid(path, [{ key: '', message: `is larger than ${MAX_POLICY_BYTES} bytes` }])
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    return invalid(path, [{ key: '', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` }])
  }
  return parsePolicyText(text, path)
}

/** Largest CA file read for extraCaCertificates (a system bundle of ~150 roots is ~220 KB). */
export const MAX_CA_FILE_BYTES = 4 * 1024 * 1024

/**
 * Each entry is PEM text or an absolute path to a regular PEM file (≤ MAX_CA_FILE_BYTES) holding
 * one or more certificates.
 */
export function resolveCaEntries(entries: string[], key: string): { pems: string[]; issues: PolicyIssue[] } {
  const pems: string[] = []
  const issues: PolicyIssue[] = []
  entries.forEach((entry, i) => {
    const where = `${key}[${i}]`
    let text = entry
    if (!entry.includes('-----BEGIN')) {
      if (!isAbsolute(entry) && !/^[A-Za-z]:[\\/]/.test(entry)) {
        issues.push({ key: where, message: 'must be PEM text or an absolute path to a PEM file' })
        return
      }
      try {
        // A device or FIFO (/dev/zero) would be read for ever, a huge file into memory.
        const st = statSync(entry)
        if (!st.isFile()) {
          issues.push({ key: where, message: `${entry} is not a regular file` })
          return
        }
        if (st.size > MAX_CA_FILE_BYTES) {
          issues.push({ key: where, message: `${entry} is larger than ${MAX_CA_FILE_BYTES} bytes` })
          return
        }
        text = readFileSync(entry, 'utf8')
      } catch (err) {
        issues.push({ key: where, message: `cannot read ${entry} (${(err as NodeJS.ErrnoException).code ?? 'error'})` })
        return
      }
    }
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
    if (blocks.length === 0) {
      issues.push({ key: where, message: 'contains no PEM certificate (-----BEGIN CERTIFICATE-----)' })
      return
    }
    for (const block of blocks) {
      try {
        const cert = new X509Certificate(block)
        if (!cert.ca) {
          issues.push({ key: where, message: `${cert.subject.replace(/\n/g, ', ')} is not a CA certificate` })
          return
        }
        pems.push(block)
      } catch (err) {
        issues.push({ key: where, message: `certificate cannot be parsed (${(err as Error).message})` })
        return
      }
    }
  })
  return { pems, issues }
}
