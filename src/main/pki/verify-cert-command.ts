import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseCrls, validatePathStrict, type PathFailure } from './path-validation'
import { parseStrictCertificate, readDerObjects, type StrictCertificate } from './x509-strict'

// `eccs-client verify-cert` — RFC 5280 path validation for IT staff and conformance tests, through
// the same validator as the card's startup check (path-validation.ts).
// Exit 0 + "valid"; exit 1 + a reason code (a certificate in the path that cannot be parsed is
// `malformed-certificate`, exit 1); exit 2 for usage or unreadable input; --help exits 0.

export interface CommandIo {
  stdout: (s: string) => void
  stderr: (s: string) => void
}

/** Usage text (also printed by `eccs-client verify-cert --help`). */
export const VERIFY_CERT_USAGE = `usage: eccs-client verify-cert LEAF --ca FILE_OR_DIR... [options]
  LEAF                        the certificate to check (PEM or DER)
  --ca FILE_OR_DIR            trust anchor(s); a folder adds every .pem/.crt/.cer/.der in it
  --intermediate FILE         candidate intermediate CA certificate(s) (any order, repeatable)
  --crl FILE                  CRLs (complete, delta, indirect) checked per RFC 5280 §6.3
  --require-revocation        a certificate whose revocation status cannot be determined fails
  --policy OID[,OID…]         user-initial-policy-set (default any-policy)
  --require-explicit-policy   the path must assert an acceptable policy
  --inhibit-policy-mapping    policy mappings are not honoured
  --inhibit-any-policy        anyPolicy is not honoured
  --at ISO8601                validation time (default now)
  --json                      {valid, reason?, detail?, path, policies}
Prints "valid" (exit 0) or a reason (exit 1): expired, not-yet-valid, untrusted, bad-signature,
unsupported-algorithm, not-ca, path-length, key-usage, revoked, crl-expired, crl-missing,
name-chaining, name-constraints, policy, unknown-critical-extension, invalid-extension,
malformed-certificate. Exit 2: usage error or unreadable file.`
const USAGE = VERIFY_CERT_USAGE
const CERT_FILE = /\.(pem|crt|cer|der)$/i
/** Largest certificate file read (a bundle of many certificates is well below this). */
export const MAX_CERT_FILE_BYTES = 16 * 1024 * 1024
/** Largest CRL file read (a full MOICA CRL is tens of MB). */
export const MAX_CRL_FILE_BYTES = 256 * 1024 * 1024

/**
 * The bytes of a regular file of at most `maxBytes`; a device, FIFO or directory (`/dev/zero`
 * would be read for ever) or a larger file is a UsageError (exit 2) before anything is read.
 */
function readInput(file: string, maxBytes: number): Buffer {
  const st = statSync(file)
  if (!st.isFile()) throw new UsageError(`${file}: not a regular file`)
  if (st.size > maxBytes) throw new UsageError(`${file}: larger than ${maxBytes / 1024 / 1024} MiB`)
  return readFileSync(file)
}

interface Args {
  leaf: string
  ca: string[]
  intermediates: string[]
  crls: string[]
  at: Date
  json: boolean
  help: boolean
  requireRevocation: boolean
  policies: string[]
  requireExplicitPolicy: boolean
  inhibitPolicyMapping: boolean
  inhibitAnyPolicy: boolean
}

const OID_PATTERN = /^[0-2](\.(0|[1-9][0-9]*))+$/

class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    leaf: '',
    ca: [],
    intermediates: [],
    crls: [],
    at: new Date(),
    json: false,
    help: false,
    requireRevocation: false,
    policies: [],
    requireExplicitPolicy: false,
    inhibitPolicyMapping: false,
    inhibitAnyPolicy: false
  }
  const value = (i: number, flag: string): string => {
    const v = argv[i]
    if (v === undefined) throw new UsageError(`${flag} needs a value`)
    return v
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    const next = (): string => inline ?? value(++i, flag)
    if (flag === '--ca') args.ca.push(next())
    else if (flag === '--intermediate') args.intermediates.push(next())
    else if (flag === '--crl') args.crls.push(next())
    else if (flag === '--at') {
      const s = next()
      const d = new Date(s)
      if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(d.getTime()))
        throw new UsageError(`--at: not an ISO 8601 time: ${s}`)
      args.at = d
    } else if (flag === '--json') args.json = true
    else if (flag === '--help' || flag === '-h') args.help = true
    else if (flag === '--require-revocation') args.requireRevocation = true
    else if (flag === '--require-explicit-policy') args.requireExplicitPolicy = true
    else if (flag === '--inhibit-policy-mapping') args.inhibitPolicyMapping = true
    else if (flag === '--inhibit-any-policy') args.inhibitAnyPolicy = true
    else if (flag === '--policy') {
      for (const oid of next()
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)) {
        if (!OID_PATTERN.test(oid)) throw new UsageError(`--policy: not an OID: ${oid}`)
        args.policies.push(oid)
      }
    } else if (flag.startsWith('-')) throw new UsageError(`unknown option ${flag}`)
    else if (!args.leaf) args.leaf = a
    else throw new UsageError(`unexpected argument ${a}`)
  }
  if (args.help) return args
  if (!args.leaf) throw new UsageError('LEAF is required')
  if (args.ca.length === 0) throw new UsageError('at least one --ca is required')
  return args
}

function filesOf(path: string): string[] {
  if (!existsSync(path)) throw new UsageError(`no such file or directory: ${path}`)
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path)
    .filter((f) => CERT_FILE.test(f))
    .sort()
    .map((f) => join(path, f))
}

/** Anchors must parse (they are configuration, not part of the path): exit 2 otherwise. */
function loadAnchors(paths: string[]): StrictCertificate[] {
  return paths.flatMap(filesOf).flatMap((file) =>
    readDerObjects(readInput(file, MAX_CERT_FILE_BYTES)).map((der) => {
      try {
        return parseStrictCertificate(der)
      } catch (err) {
        throw new UsageError(`${file}: not a certificate (${(err as Error).message})`)
      }
    })
  )
}

/** Intermediates that do not parse are kept as DER: a path that needs one is malformed-certificate. */
function loadIntermediates(paths: string[], io: CommandIo): { certs: StrictCertificate[]; malformed: Buffer[] } {
  const certs: StrictCertificate[] = []
  const malformed: Buffer[] = []
  for (const file of paths.flatMap(filesOf)) {
    for (const der of readDerObjects(readInput(file, MAX_CERT_FILE_BYTES))) {
      try {
        certs.push(parseStrictCertificate(der))
      } catch (err) {
        io.stderr(`${file}: malformed certificate (${(err as Error).message})\n`)
        malformed.push(der)
      }
    }
  }
  return { certs, malformed }
}

function report(
  io: CommandIo,
  json: boolean,
  outcome: { valid: boolean; reason?: PathFailure; detail?: string; path: StrictCertificate[]; policies?: string[] }
): number {
  if (json) {
    const body = {
      valid: outcome.valid,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      ...(outcome.detail ? { detail: outcome.detail } : {}),
      path: outcome.path.map((c) => c.subject.text),
      ...(outcome.policies ? { policies: outcome.policies } : {})
    }
    io.stdout(`${JSON.stringify(body)}\n`)
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
  if (args.help) {
    io.stdout(`${USAGE}\n`)
    return 0
  }
  try {
    const leafObjects = readDerObjects(readInput(args.leaf, MAX_CERT_FILE_BYTES))
    let leaf: StrictCertificate
    try {
      leaf = parseStrictCertificate(leafObjects[0] as Buffer)
    } catch (err) {
      return report(io, args.json, {
        valid: false,
        reason: 'malformed-certificate',
        detail: `${args.leaf}: ${(err as Error).message}`,
        path: []
      })
    }
    const anchors = loadAnchors(args.ca)
    const { certs: intermediates, malformed } = loadIntermediates(args.intermediates, io)
    const { crls, errors } = parseCrls(args.crls.flatMap((f) => readDerObjects(readInput(f, MAX_CRL_FILE_BYTES))))
    for (const e of errors) io.stderr(`ignoring unparsable CRL: ${e}\n`)
    const result = validatePathStrict({
      leaf,
      anchors,
      intermediates,
      malformed,
      crls,
      at: args.at,
      checkRevocation: args.crls.length > 0 || args.requireRevocation,
      requireRevocation: args.requireRevocation,
      policy: {
        initialPolicySet: args.policies,
        initialExplicitPolicy: args.requireExplicitPolicy,
        initialPolicyMappingInhibit: args.inhibitPolicyMapping,
        initialAnyPolicyInhibit: args.inhibitAnyPolicy
      },
      // A signing/authentication certificate; an end entity without keyUsage is unrestricted.
      leafKeyUsage: ['digitalSignature', 'nonRepudiation']
    })
    return report(io, args.json, result)
  } catch (err) {
    io.stderr(`${(err as Error).message}\n`)
    return 2
  }
}
