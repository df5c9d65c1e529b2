import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseCrls, validatePathStrict, type PathFailure } from './path-validation'
import { parseStrictCertificate, readDerObjects, type StrictCertificate } from './x509-strict'

// `eccs-client verify-cert LEAF [--ca FILE_OR_DIR]... [--intermediate FILE]... [--crl FILE]...
//  [--at ISO8601] [--json]` — RFC 5280 path validation for IT staff and conformance tests.
// Exit 0 + "valid"; exit 1 + a reason code; exit 2 for usage or unreadable input.

export interface CommandIo {
  stdout: (s: string) => void
  stderr: (s: string) => void
}

const USAGE = 'usage: verify-cert LEAF [--ca FILE_OR_DIR]... [--intermediate FILE]... [--crl FILE]... [--at ISO8601] [--json]'
const CERT_FILE = /\.(pem|crt|cer|der)$/i

interface Args {
  leaf: string
  ca: string[]
  intermediates: string[]
  crls: string[]
  at: Date
  json: boolean
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
  const args: Args = { leaf: '', ca: [], intermediates: [], crls: [], at: new Date(), json: false }
  const value = (i: number, flag: string): string => {
    const v = argv[i]
    if (v === undefined) throw new UsageError(`${flag} needs a value`)
    return v
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    const next = (): string => inline ?? value(++i, flag)
    if (flag === '--ca') args.ca.push(next())
    else if (flag === '--intermediate') args.intermediates.push(next())
    else if (flag === '--crl') args.crls.push(next())
    else if (flag === '--at') {
      const s = next()
      const d = new Date(s)
      if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(d.getTime())) throw new UsageError(`--at: not an ISO 8601 time: ${s}`)
      args.at = d
    } else if (flag === '--json') args.json = true
    else if (flag.startsWith('-')) throw new UsageError(`unknown option ${flag}`)
    else if (!args.leaf) args.leaf = a
    else throw new UsageError(`unexpected argument ${a}`)
  }
  if (!args.leaf) throw new UsageError('LEAF is required')
  if (args.ca.length === 0) throw new UsageError('at least one --ca is required')
  return args
}

function filesOf(path: string): string[] {
  if (!existsSync(path)) throw new UsageError(`no such file or directory: ${path}`)
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path).filter((f) => CERT_FILE.test(f)).sort().map((f) => join(path, f))
}

function loadCertificates(paths: string[]): StrictCertificate[] {
  return paths.flatMap(filesOf).flatMap((file) =>
    readDerObjects(readFileSync(file)).map((der) => {
      try {
        return parseStrictCertificate(der)
      } catch (err) {
        throw new UsageError(`${file}: not a certificate (${(err as Error).message})`)
      }
    })
  )
}

function report(io: CommandIo, json: boolean, outcome: { valid: boolean; reason?: PathFailure; detail?: string; path: StrictCertificate[] }): number {
  if (json) {
    io.stdout(`${JSON.stringify({ valid: outcome.valid, ...(outcome.reason ? { reason: outcome.reason } : {}), ...(outcome.detail ? { detail: outcome.detail } : {}), path: outcome.path.map((c) => c.subject.text) })}\n`)
  } else {
    io.stdout(`${outcome.valid ? 'valid' : outcome.reason}\n`)
    if (outcome.detail) io.stderr(`${outcome.detail}\n`)
  }
  return outcome.valid ? 0 : 1
}

export async function runVerifyCert(argv: string[], io: CommandIo): Promise<number> {
  let args: Args
  try {
    args = parseArgs(argv)
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}\n`)
    return 2
  }
  try {
    const leafObjects = readDerObjects(readFileSync(args.leaf))
    let leaf: StrictCertificate
    try {
      leaf = parseStrictCertificate(leafObjects[0] as Buffer)
    } catch (err) {
      return report(io, args.json, { valid: false, reason: 'malformed', detail: `${args.leaf}: ${(err as Error).message}`, path: [] })
    }
    const anchors = loadCertificates(args.ca)
    const intermediates = loadCertificates(args.intermediates)
    const { crls, errors } = parseCrls(args.crls.flatMap((f) => readDerObjects(readFileSync(f))))
    for (const e of errors) io.stderr(`ignoring unparsable CRL: ${e}\n`)
    const result = validatePathStrict({
      leaf,
      anchors,
      intermediates,
      crls,
      at: args.at,
      checkRevocation: args.crls.length > 0,
      // A signing/authentication certificate; an end entity without keyUsage is unrestricted.
      leafKeyUsage: ['digitalSignature', 'nonRepudiation']
    })
    return report(io, args.json, result)
  } catch (err) {
    io.stderr(`${(err as Error).message}\n`)
    return 2
  }
}
