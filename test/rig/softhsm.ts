/**
 * Provisions a SoftHSM2 token that looks like a MOICA citizen card behind the HiCOS PKCS#11
 * module: token label 'HiCOS PKI Smart Card', a 6–8 digit user PIN, and two RSA-2048 key pairs
 * (signing + encryption) with their certificates.
 *
 * Provisioning runs in a child Node process because SoftHSM is a per-process singleton that reads
 * SOFTHSM2_CONF only at C_Initialize: doing it in-process would clash with a caller that already
 * has the module initialised (and C_Finalize would kill the caller's sessions). The PINs travel
 * over the child's stdin, never argv, so they do not show up in `ps` or logs.
 */
import { spawn } from 'node:child_process'
import { createPrivateKey } from 'node:crypto'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import pkcs11js from 'pkcs11js'
import { isPin } from '../../src/shared/form-rules'
import type { IssuedCitizen } from '../../server-mock/test-pki'

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so'
export const HICOS_TOKEN_LABEL = 'HiCOS PKI Smart Card'

/** CKA_ID / CKA_LABEL of the two key pairs (the certificate shares its key pair's CKA_ID). */
export const CARD_OBJECTS = {
  sign: { id: Buffer.from([0x01]), label: 'Signature' },
  enc: { id: Buffer.from([0x02]), label: 'Encryption' }
} as const

export interface SoftHsmCard {
  dir: string
  conf: string
  env: { SOFTHSM2_CONF: string }
  module: string
  tokenLabel: string
  /** SoftHSM's token serial (hex); slot IDs change between C_Initialize calls, this does not. */
  tokenSerial: string
  pin: string
  soPin: string
  citizen: IssuedCitizen
}

// ---------------------------------------------------------------------------------------------
// DER helpers: exact byte slices for CKA_SUBJECT / CKA_ISSUER / CKA_SERIAL_NUMBER
// ---------------------------------------------------------------------------------------------

function tlvEnd(buf: Buffer, offset: number): { contentStart: number; end: number } {
  const first = buf[offset + 1] ?? 0
  if (first < 0x80) return { contentStart: offset + 2, end: offset + 2 + first }
  const lengthBytes = first & 0x7f
  let length = 0
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + (buf[offset + 2 + i] ?? 0)
  const contentStart = offset + 2 + lengthBytes
  return { contentStart, end: contentStart + length }
}

/** Raw TLVs directly inside the constructed TLV `tlv`. */
function derChildren(tlv: Buffer): Buffer[] {
  const { contentStart, end } = tlvEnd(tlv, 0)
  const out: Buffer[] = []
  for (let at = contentStart; at < end;) {
    const child = tlvEnd(tlv, at)
    out.push(tlv.subarray(at, child.end))
    at = child.end
  }
  return out
}

export interface CertIdentity {
  subject: Buffer
  issuer: Buffer
  /** DER INTEGER, as PKCS#11 wants for CKA_SERIAL_NUMBER. */
  serialNumber: Buffer
}

export function certIdentity(certDer: Buffer): CertIdentity {
  const tbs = derChildren(certDer)[0]
  if (!tbs) throw new Error('certificate DER has no TBSCertificate')
  const fields = derChildren(tbs)
  const base = fields[0]?.[0] === 0xa0 ? 1 : 0 // skip explicit [0] version
  const [serialNumber, , issuer, , subject] = fields.slice(base, base + 5)
  if (!serialNumber || !issuer || !subject) throw new Error('truncated TBSCertificate')
  return { subject, issuer, serialNumber }
}

// ---------------------------------------------------------------------------------------------
// Object templates (serialisable, decoded into pkcs11js attributes by the child)
// ---------------------------------------------------------------------------------------------

type WireAttribute = { type: number; b: boolean } | { type: number; n: number } | { type: number; h: string }
type WireTemplate = WireAttribute[]

const bool = (type: number, b: boolean): WireAttribute => ({ type, b })
const num = (type: number, n: number): WireAttribute => ({ type, n })
const bytes = (type: number, value: Buffer): WireAttribute => ({ type, h: value.toString('hex') })
const text = (type: number, value: string): WireAttribute => bytes(type, Buffer.from(value, 'utf8'))

interface RsaComponents {
  n: Buffer
  e: Buffer
  d: Buffer
  p: Buffer
  q: Buffer
  dp: Buffer
  dq: Buffer
  qi: Buffer
}

function rsaComponents(privatePem: string): RsaComponents {
  const jwk = createPrivateKey(privatePem).export({ format: 'jwk' })
  const part = (v: string | undefined): Buffer => {
    if (!v) throw new Error('not an RSA private key')
    return Buffer.from(v, 'base64url')
  }
  return {
    n: part(jwk.n),
    e: part(jwk.e),
    d: part(jwk.d),
    p: part(jwk.p),
    q: part(jwk.q),
    dp: part(jwk.dp),
    dq: part(jwk.dq),
    qi: part(jwk.qi)
  }
}

type PairKind = keyof typeof CARD_OBJECTS

function commonAttributes(kind: PairKind, cls: number, subject: Buffer): WireAttribute[] {
  const { id, label } = CARD_OBJECTS[kind]
  return [
    num(pkcs11js.CKA_CLASS, cls),
    bool(pkcs11js.CKA_TOKEN, true),
    bytes(pkcs11js.CKA_ID, id),
    text(pkcs11js.CKA_LABEL, label),
    bytes(pkcs11js.CKA_SUBJECT, subject)
  ]
}

function privateKeyTemplate(kind: PairKind, keyPem: string, subject: Buffer): WireTemplate {
  const k = rsaComponents(keyPem)
  const signing = kind === 'sign'
  return [
    ...commonAttributes(kind, pkcs11js.CKO_PRIVATE_KEY, subject),
    num(pkcs11js.CKA_KEY_TYPE, pkcs11js.CKK_RSA),
    bool(pkcs11js.CKA_PRIVATE, true),
    bool(pkcs11js.CKA_SENSITIVE, true),
    bool(pkcs11js.CKA_EXTRACTABLE, false),
    // Separate usages like a real card, so using the wrong key pair fails loudly in tests.
    bool(pkcs11js.CKA_SIGN, signing),
    bool(pkcs11js.CKA_DECRYPT, !signing),
    bool(pkcs11js.CKA_UNWRAP, !signing),
    bytes(pkcs11js.CKA_MODULUS, k.n),
    bytes(pkcs11js.CKA_PUBLIC_EXPONENT, k.e),
    bytes(pkcs11js.CKA_PRIVATE_EXPONENT, k.d),
    bytes(pkcs11js.CKA_PRIME_1, k.p),
    bytes(pkcs11js.CKA_PRIME_2, k.q),
    bytes(pkcs11js.CKA_EXPONENT_1, k.dp),
    bytes(pkcs11js.CKA_EXPONENT_2, k.dq),
    bytes(pkcs11js.CKA_COEFFICIENT, k.qi)
  ]
}

function publicKeyTemplate(kind: PairKind, keyPem: string, subject: Buffer): WireTemplate {
  const k = rsaComponents(keyPem)
  const signing = kind === 'sign'
  return [
    ...commonAttributes(kind, pkcs11js.CKO_PUBLIC_KEY, subject),
    num(pkcs11js.CKA_KEY_TYPE, pkcs11js.CKK_RSA),
    bool(pkcs11js.CKA_PRIVATE, false),
    bool(pkcs11js.CKA_VERIFY, signing),
    bool(pkcs11js.CKA_ENCRYPT, !signing),
    bool(pkcs11js.CKA_WRAP, !signing),
    bytes(pkcs11js.CKA_MODULUS, k.n),
    bytes(pkcs11js.CKA_PUBLIC_EXPONENT, k.e)
  ]
}

const CERTIFICATE_CATEGORY_TOKEN_USER = 1

function certificateTemplate(kind: PairKind, certDer: Buffer): WireTemplate {
  const ident = certIdentity(certDer)
  return [
    ...commonAttributes(kind, pkcs11js.CKO_CERTIFICATE, ident.subject),
    num(pkcs11js.CKA_CERTIFICATE_TYPE, pkcs11js.CKC_X_509),
    num(pkcs11js.CKA_CERTIFICATE_CATEGORY, CERTIFICATE_CATEGORY_TOKEN_USER),
    bool(pkcs11js.CKA_PRIVATE, false),
    bytes(pkcs11js.CKA_ISSUER, ident.issuer),
    bytes(pkcs11js.CKA_SERIAL_NUMBER, ident.serialNumber),
    bytes(pkcs11js.CKA_VALUE, certDer)
  ]
}

function cardTemplates(citizen: IssuedCitizen): WireTemplate[] {
  const pairs: Array<[PairKind, Buffer, string]> = [
    ['sign', citizen.signCertDer, citizen.signKeyPem],
    ['enc', citizen.encCertDer, citizen.encKeyPem]
  ]
  return pairs.flatMap(([kind, certDer, keyPem]) => {
    const { subject } = certIdentity(certDer)
    return [
      certificateTemplate(kind, certDer),
      publicKeyTemplate(kind, keyPem, subject),
      privateKeyTemplate(kind, keyPem, subject)
    ]
  })
}

// ---------------------------------------------------------------------------------------------
// Child process
// ---------------------------------------------------------------------------------------------

interface ProvisionJob {
  pkcs11js: string
  module: string
  /** Already blank-padded to 32 bytes (see padLabel). */
  label: string
  pin: string
  soPin: string
  objects: WireTemplate[]
}

// Plain CommonJS so it runs under bare `node -e` with no TypeScript loader.
const CHILD_SCRIPT = `
'use strict'
const chunks = []
process.stdin.on('data', (c) => chunks.push(c))
process.stdin.on('end', () => {
  try {
    run(JSON.parse(Buffer.concat(chunks).toString('utf8')))
  } catch (err) {
    process.stderr.write(String(err && err.message ? err.message : err))
    process.exitCode = 1
  }
})
function decode(a) {
  return { type: a.type, value: 'h' in a ? Buffer.from(a.h, 'hex') : 'b' in a ? a.b : a.n }
}
function run(job) {
  const p = require(job.pkcs11js)
  const m = new p.PKCS11()
  m.load(job.module)
  m.C_Initialize()
  try {
    const slot = m.C_GetSlotList(true).find((s) => (m.C_GetTokenInfo(s).flags & p.CKF_TOKEN_INITIALIZED) === 0)
    if (!slot) throw new Error('SoftHSM has no free slot')
    m.C_InitToken(slot, job.soPin, job.label)
    const s = m.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION)
    m.C_Login(s, p.CKU_SO, job.soPin)
    m.C_InitPIN(s, job.pin)
    m.C_Logout(s)
    m.C_Login(s, p.CKU_USER, job.pin)
    for (const tpl of job.objects) m.C_CreateObject(s, tpl.map(decode))
    m.C_Logout(s)
    m.C_CloseSession(s)
    process.stdout.write(JSON.stringify({ tokenSerial: m.C_GetTokenInfo(slot).serialNumber.trim() }))
  } finally {
    m.C_Finalize()
  }
}
`

function runChild(input: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD_SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolvePromise(stdout)
      else reject(new Error(`SoftHSM provisioning failed (exit ${code}): ${stderr.trim()}`))
    })
    child.stdin.end(input)
  })
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * pkcs11js copies the label into CK_UTF8CHAR[32] and pads with NUL bytes, not blanks as PKCS#11
 * requires, so C_GetTokenInfo would return 'HiCOS PKI Smart Card\0\0…'. Pad it ourselves.
 */
function padLabel(label: string): string {
  const length = Buffer.byteLength(label, 'utf8')
  if (length === 0 || length > 32) throw new Error('token label must be 1–32 bytes')
  return label + ' '.repeat(32 - length)
}

function softHsmConf(tokenDir: string): string {
  return [
    '# Generated by test/rig/softhsm.ts — one virtual MOICA card',
    `directories.tokendir = ${tokenDir}`,
    'objectstore.backend = file',
    'log.level = ERROR',
    'slots.removable = false',
    ''
  ].join('\n')
}

async function assertEmptyTokenDir(tokenDir: string): Promise<void> {
  await mkdir(tokenDir, { recursive: true })
  if ((await readdir(tokenDir)).length > 0) throw new Error(`${tokenDir} already holds a token`)
}

/** Creates <dir>/softhsm2.conf and one initialised token holding both key pairs of `citizen`. */
export async function provisionCard(
  citizen: IssuedCitizen,
  opts: { dir: string; pin?: string; soPin?: string; label?: string }
): Promise<SoftHsmCard> {
  const pin = opts.pin ?? '123456'
  const soPin = opts.soPin ?? '12345678'
  const tokenLabel = opts.label ?? HICOS_TOKEN_LABEL
  // Real HiCOS cards take 6–8 digits; SoftHSM itself would accept 4–255 characters.
  if (!isPin(pin)) throw new Error('card PIN must be 6–8 digits')
  if (soPin.length < 4 || soPin.length > 255) throw new Error('SO PIN must be 4–255 characters')

  const dir = resolve(opts.dir)
  const tokenDir = join(dir, 'tokens')
  const conf = join(dir, 'softhsm2.conf')
  await assertEmptyTokenDir(tokenDir)
  await writeFile(conf, softHsmConf(tokenDir))

  const job: ProvisionJob = {
    // __filename, not import.meta: Playwright and tsx load the rig as CommonJS.
    pkcs11js: createRequire(__filename).resolve('pkcs11js'),
    module: SOFTHSM_MODULE,
    label: padLabel(tokenLabel),
    pin,
    soPin,
    objects: cardTemplates(citizen)
  }
  const out = await runChild(JSON.stringify(job), { ...process.env, SOFTHSM2_CONF: conf })
  const { tokenSerial } = JSON.parse(out) as { tokenSerial: string }
  return {
    dir,
    conf,
    env: { SOFTHSM2_CONF: conf },
    module: SOFTHSM_MODULE,
    tokenLabel,
    tokenSerial,
    pin,
    soPin,
    citizen
  }
}
