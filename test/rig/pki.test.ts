import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import forge from 'node-forge'
import pkcs11js from 'pkcs11js'
import {
  CITIZEN_VARIANTS,
  generateTestPki,
  identityRecordsOf,
  isTestPkiFresh,
  isValidTaiwanId,
  loadOrGenerateTestPki,
  PKI_CACHE_ENV,
  RESIDENT_NAME,
  testPkiCacheDir,
  OID_NATIONAL_ID_LAST4,
  withTaiwanIdCheckDigit,
  type TestPki
} from '../../server-mock/test-pki'
import { CARD_OBJECTS, HICOS_TOKEN_LABEL, provisionCard, type SoftHsmCard } from './softhsm'

interface OpensslResult {
  status: number | null
  out: string
}

function openssl(args: string[]): OpensslResult {
  const r = spawnSync('openssl', args, { encoding: 'utf8' })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

function verify(pki: TestPki, certPath: string, extra: string[] = []): OpensslResult {
  return openssl(['verify', ...extra, '-CAfile', pki.root.certPath, '-untrusted', pki.moica.certPath, certPath])
}

function extensionHex(pem: string, name: 'subjectKeyIdentifier' | 'authorityKeyIdentifier'): string {
  const ext = forge.pki.certificateFromPem(pem).getExtension(name) as {
    subjectKeyIdentifier?: string
    value?: string
  } | null
  if (!ext) throw new Error(`missing ${name}`)
  if (ext.subjectKeyIdentifier) return ext.subjectKeyIdentifier
  // AKI: forge leaves the raw SEQUENCE { [0] keyIdentifier }; take the [0] bytes.
  const node = forge.asn1.fromDer(ext.value ?? '')
  const keyId = Array.isArray(node.value) ? node.value[0] : undefined
  if (!keyId || typeof keyId.value !== 'string') throw new Error('AKI without keyIdentifier')
  return forge.util.bytesToHex(keyId.value)
}

const scratch: string[] = []
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  scratch.push(dir)
  return dir
}

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

describe('isValidTaiwanId', () => {
  it('accepts checksum-valid IDs and rejects the rest', () => {
    expect(isValidTaiwanId('A123456789')).toBe(true)
    expect(isValidTaiwanId('A123456788')).toBe(false)
    expect(isValidTaiwanId('A323456789')).toBe(false) // second char must be 1, 2, 8, 9 or A–D
    expect(isValidTaiwanId('A800000014')).toBe(true) // new-format 統一證號 (the resident card)
    expect(isValidTaiwanId('AC01234567')).toBe(true) // old-format 統一證號
    expect(isValidTaiwanId('a123456789')).toBe(false)
    expect(isValidTaiwanId('A12345678')).toBe(false)
    expect(withTaiwanIdCheckDigit('A12345678')).toBe('A123456789')
    for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
      expect(isValidTaiwanId(withTaiwanIdCheckDigit(`${letter}2${'1234567'}`))).toBe(true)
    }
  })
})

describe('generated test PKI', () => {
  let pki: TestPki
  let generationMs = 0

  beforeAll(async () => {
    const started = Date.now()
    pki = await generateTestPki(tempDir('eccs-pki-'))
    generationMs = Date.now() - started
  })

  it('generates quickly', () => {
    expect(generationMs).toBeLessThan(15_000)
  })

  it('gives every variant a distinct, well-formed identity', () => {
    const citizens = CITIZEN_VARIANTS.map((v) => pki.citizens[v])
    expect(pki.citizens.valid.name).toBe('王小明')
    expect(pki.citizens.valid.nationalId).toBe('A123456789')
    for (const c of citizens) {
      expect(isValidTaiwanId(c.nationalId)).toBe(true)
      expect(c.cardSerial).toMatch(/^\d{16}$/)
    }
    for (const key of ['name', 'nationalId', 'cardSerial'] as const) {
      expect(new Set(citizens.map((c) => c[key])).size).toBe(citizens.length)
    }
  })

  it('builds the end-entity subject like MOICA: C, CN (UTF8String), serialNumber', () => {
    const c = pki.citizens.valid
    const subject = openssl([
      'x509',
      '-in',
      c.files.signCert,
      '-noout',
      '-subject',
      '-nameopt',
      'utf8,sep_comma_plus_space'
    ])
    expect(subject.out.trim()).toBe(`subject=C=TW, CN=王小明, serialNumber=${c.cardSerial}`)
    const parsed = openssl(['asn1parse', '-in', c.files.signCert])
    expect(parsed.out).toMatch(/UTF8STRING\s+:王小明/)
    expect(parsed.out).toMatch(/UTF8STRING\s+:TEST 內政部憑證管理中心/)
  })

  it('issues the resident card: new-format 統一證號 A800000014 (last four 0014) and a 64-character CN', () => {
    const c = pki.citizens.resident
    expect(c.nationalId).toBe('A800000014')
    expect(c.name).toBe(RESIDENT_NAME)
    expect([...c.name]).toHaveLength(64)
    const subject = openssl([
      'x509',
      '-in',
      c.files.signCert,
      '-noout',
      '-subject',
      '-nameopt',
      'utf8,sep_comma_plus_space'
    ])
    expect(subject.out.trim()).toBe(`subject=C=TW, CN=${RESIDENT_NAME}, serialNumber=${c.cardSerial}`)
    expect(new X509Certificate(c.signCertPem).verify(new X509Certificate(pki.moica.certPem).publicKey)).toBe(true)
    const records = identityRecordsOf(pki)
    expect(records).toContainEqual({
      certificateSerial: new X509Certificate(c.signCertPem).serialNumber,
      cardSerial: c.cardSerial,
      nationalId: 'A800000014'
    })
    expect(records.some((r) => r.cardSerial === pki.citizens['wrong-issuer'].cardSerial)).toBe(false) // a rogue CA's card is unknown
  })

  it('chains valid certificates to TEST GRCA', () => {
    for (const path of [pki.citizens.valid.files.signCert, pki.citizens.valid.files.encCert]) {
      const r = verify(pki, path)
      expect(r.out).toContain(': OK')
      expect(r.status).toBe(0)
    }
  })

  it('rejects expired, not-yet-valid and wrong-issuer certificates with the right error', () => {
    const cases: Array<[keyof TestPki['citizens'], RegExp]> = [
      ['expired', /error 10 .*certificate has expired/],
      ['not-yet-valid', /error 9 .*certificate is not yet valid/],
      ['wrong-issuer', /error 20 .*unable to get local issuer certificate/]
    ]
    for (const [variant, message] of cases) {
      const r = verify(pki, pki.citizens[variant].files.signCert)
      expect(r.status, variant).not.toBe(0)
      expect(r.out).toMatch(message)
    }
  })

  it('wrong-issuer verifies against the rogue pair, so only the keys differ', () => {
    const r = openssl([
      'verify',
      '-CAfile',
      pki.rogueRoot.certPath,
      '-untrusted',
      pki.rogueMoica.certPath,
      pki.citizens['wrong-issuer'].files.signCert
    ])
    expect(r.status).toBe(0)
  })

  it('has a CRL signed by TEST MOICA that revokes the revoked card only', () => {
    const check = openssl(['crl', '-in', pki.crlPath, '-noout', '-CAfile', pki.moica.certPath])
    expect(check.out).toContain('verify OK')
    const rogueCheck = openssl(['crl', '-in', pki.crlPath, '-noout', '-CAfile', pki.rogueMoica.certPath])
    expect(rogueCheck.out).not.toContain('verify OK')

    const text = openssl(['crl', '-inform', 'DER', '-in', pki.crlDerPath, '-noout', '-text']).out
    expect(text).toContain('Version 2')
    expect(text).toContain('sha256WithRSAEncryption')
    expect(text).toContain('X509v3 CRL Number')
    const moicaSki = extensionHex(pki.moica.certPem, 'subjectKeyIdentifier').toUpperCase()
    expect(text).toContain(moicaSki.replace(/(..)(?!$)/g, '$1:')) // CRL AKI = MOICA SKI
    const revokedSerial = new X509Certificate(pki.citizens.revoked.signCertPem).serialNumber
    expect(text.replace(/\s/g, '')).toContain(`SerialNumber:${revokedSerial}`)

    const crl = ['-crl_check', '-CRLfile', pki.crlPath]
    const revoked = verify(pki, pki.citizens.revoked.files.signCert, crl)
    expect(revoked.status).not.toBe(0)
    expect(revoked.out).toMatch(/error 23 .*certificate revoked/)
    expect(verify(pki, pki.citizens.valid.files.signCert, crl).status).toBe(0)
  })

  it('CRL validity window is now-1h … now+7d', () => {
    const text = openssl(['crl', '-in', pki.crlPath, '-noout', '-lastupdate', '-nextupdate']).out
    const last = Date.parse(/lastUpdate=(.*)/.exec(text)?.[1] ?? '')
    const next = Date.parse(/nextUpdate=(.*)/.exec(text)?.[1] ?? '')
    const hour = 3600_000
    expect(Math.abs(Date.now() - hour - last)).toBeLessThan(5 * 60_000)
    expect(Math.abs(Date.now() + 7 * 24 * hour - next)).toBeLessThan(5 * 60_000)
  })

  it('carries the MOICA extensions, including the national-ID suffix in Subject Directory Attributes', () => {
    const c = pki.citizens.valid
    const text = openssl(['x509', '-in', c.files.signCert, '-noout', '-text']).out
    expect(text).toContain('X509v3 Subject Directory Attributes')
    expect(text).toContain('Policy: 2.16.886.101.0.3.3')
    expect(text).toContain('OCSP - URI:http://127.0.0.1/')
    expect(text).toContain('URI:http://127.0.0.1/test-pki/MOICA.crl')
    expect(text).toContain('CA:FALSE')
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation/)

    // OpenSSL 3.0 only hex-dumps SDA; parse its extnValue to see the attribute.
    const offset = /^\s*(\d+):.*OCTET STRING/m.exec(
      openssl(['asn1parse', '-in', c.files.signCert]).out.split('Subject Directory Attributes')[1] ?? ''
    )?.[1]
    expect(offset).toBeDefined()
    const sda = openssl(['asn1parse', '-in', c.files.signCert, '-strparse', offset ?? '0']).out
    expect(sda).toContain(`OBJECT            :${OID_NATIONAL_ID_LAST4}`)
    expect(sda).toContain(`PRINTABLESTRING   :${c.nationalId.slice(-4)}`)

    const enc = openssl(['x509', '-in', c.files.encCert, '-noout', '-ext', 'keyUsage']).out
    expect(enc).toMatch(/critical\s+Key Encipherment, Data Encipherment/)
    const wrong = openssl([
      'x509',
      '-in',
      pki.citizens['wrong-key-usage'].files.signCert,
      '-noout',
      '-ext',
      'keyUsage'
    ]).out
    expect(wrong).toMatch(/critical\s+Key Encipherment\s*$/)
  })

  it('shapes the CAs like GRCA G3 / MOICA G3', () => {
    const moica = openssl([
      'x509',
      '-in',
      pki.moica.certPath,
      '-noout',
      '-text',
      '-nameopt',
      'utf8,sep_comma_plus_space'
    ]).out
    expect(moica).toContain('Subject: C=TW, O=行政院, OU=TEST 內政部憑證管理中心')
    expect(moica).toContain('Issuer: C=TW, O=行政院, CN=TEST Government Root Certification Authority')
    expect(moica).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/)
    expect(moica).toContain('Policy: 2.16.886.101.0.3.3')
    expect(moica).toContain('OCSP - URI:')
    expect(moica).toContain('X509v3 CRL Distribution Points')
    const root = openssl(['x509', '-in', pki.root.certPath, '-noout', '-text']).out
    expect(root).toMatch(/Basic Constraints: critical\s+CA:TRUE/)
    expect(root).toMatch(/Key Usage: critical\s+.*Certificate Sign, CRL Sign/)
    expect(new X509Certificate(pki.root.certPem).checkIssued(new X509Certificate(pki.root.certPem))).toBe(true)
  })

  it('rogue CAs share DNs but not key identifiers, so DN-only chain building is ambiguous', () => {
    const x = (pem: string): X509Certificate => new X509Certificate(pem)
    expect(x(pki.rogueRoot.certPem).subject).toBe(x(pki.root.certPem).subject)
    expect(x(pki.rogueMoica.certPem).subject).toBe(x(pki.moica.certPem).subject)
    expect(pki.rogueMoica.certDer.equals(pki.moica.certDer)).toBe(false)

    const ski = (pem: string): string => extensionHex(pem, 'subjectKeyIdentifier')
    const aki = (pem: string): string => extensionHex(pem, 'authorityKeyIdentifier')
    expect(ski(pki.rogueRoot.certPem)).not.toBe(ski(pki.root.certPem))
    expect(ski(pki.rogueMoica.certPem)).not.toBe(ski(pki.moica.certPem))
    expect(aki(pki.moica.certPem)).toBe(ski(pki.root.certPem))
    expect(aki(pki.rogueMoica.certPem)).toBe(ski(pki.rogueRoot.certPem))
    expect(aki(pki.citizens.valid.signCertPem)).toBe(ski(pki.moica.certPem))
    expect(aki(pki.citizens['wrong-issuer'].signCertPem)).toBe(ski(pki.rogueMoica.certPem))
    // Same issuer DN as a genuine card, yet it does not verify under the genuine MOICA key.
    const wrong = x(pki.citizens['wrong-issuer'].signCertPem)
    expect(wrong.issuer).toBe(x(pki.citizens.valid.signCertPem).issuer)
    expect(wrong.verify(x(pki.moica.certPem).publicKey)).toBe(false)
  })

  it('sets validity windows relative to now', () => {
    const now = Date.now()
    const day = 86_400_000
    const window = (pem: string): [number, number] => {
      const c = new X509Certificate(pem)
      return [Date.parse(c.validFrom), Date.parse(c.validTo)]
    }
    const [vFrom, vTo] = window(pki.citizens.valid.signCertPem)
    expect(vFrom).toBeLessThan(now)
    expect(vTo).toBeGreaterThan(now + 700 * day)
    expect(window(pki.citizens.expired.signCertPem)[1]).toBeLessThan(now)
    expect(window(pki.citizens['not-yet-valid'].signCertPem)[0]).toBeGreaterThan(now + 29 * day)
  })

  it('writes PEM files that match the returned material', () => {
    const c = pki.citizens.valid
    const fromFile = execFileSync('openssl', ['x509', '-in', c.files.signCert, '-outform', 'DER'])
    expect(fromFile.equals(c.signCertDer)).toBe(true)
    const keyMod = execFileSync('openssl', ['rsa', '-in', c.files.signKey, '-noout', '-modulus'], { encoding: 'utf8' })
    const certMod = execFileSync('openssl', ['x509', '-in', c.files.signCert, '-noout', '-modulus'], {
      encoding: 'utf8'
    })
    expect(keyMod).toBe(certMod)
    expect(c.signKeyPem).toContain('-----BEGIN PRIVATE KEY-----')
  })
})

describe('loadOrGenerateTestPki', () => {
  it('caches under <repo>/.tmp/pki-cache/v<N> by default', () => {
    const saved = process.env[PKI_CACHE_ENV]
    delete process.env[PKI_CACHE_ENV]
    try {
      expect(testPkiCacheDir()).toMatch(/[/\\]\.tmp[/\\]pki-cache[/\\]v\d+$/)
    } finally {
      if (saved !== undefined) process.env[PKI_CACHE_ENV] = saved
    }
  })

  it('lets concurrent callers race to one published cache and then reuses it', async () => {
    const cacheRoot = tempDir('eccs-pki-cache-')
    const saved = process.env[PKI_CACHE_ENV]
    process.env[PKI_CACHE_ENV] = cacheRoot
    try {
      const [a, b] = await Promise.all([loadOrGenerateTestPki(), loadOrGenerateTestPki()])
      expect(a.dir).toBe(testPkiCacheDir())
      expect(b.dir).toBe(testPkiCacheDir())
      expect(a.root.certDer.equals(b.root.certDer)).toBe(true)
      // The loser's private copy is gone; only the published version directory remains.
      expect(readdirSync(cacheRoot)).toEqual([basename(testPkiCacheDir())])

      const started = Date.now()
      const again = await loadOrGenerateTestPki()
      expect(Date.now() - started).toBeLessThan(2_000)
      expect(again.citizens.valid.signCertDer.equals(a.citizens.valid.signCertDer)).toBe(true)
      expect(isTestPkiFresh(again)).toBe(true)
      // A week later the CRL is stale, so the cache must not be reused.
      expect(isTestPkiFresh(again, new Date(Date.now() + 7 * 86_400_000))).toBe(false)
    } finally {
      if (saved === undefined) delete process.env[PKI_CACHE_ENV]
      else process.env[PKI_CACHE_ENV] = saved
    }
  }, 60_000)

  it('replaces a stale cache', async () => {
    const cacheRoot = tempDir('eccs-pki-cache-')
    const saved = process.env[PKI_CACHE_ENV]
    process.env[PKI_CACHE_ENV] = cacheRoot
    try {
      const stale = await generateTestPki(testPkiCacheDir(), { now: new Date(Date.now() - 8 * 86_400_000) })
      expect(isTestPkiFresh(stale)).toBe(false)
      const fresh = await loadOrGenerateTestPki()
      expect(isTestPkiFresh(fresh)).toBe(true)
      expect(fresh.root.certDer.equals(stale.root.certDer)).toBe(false)
      expect(readdirSync(cacheRoot)).toEqual([basename(testPkiCacheDir())])
    } finally {
      if (saved === undefined) delete process.env[PKI_CACHE_ENV]
      else process.env[PKI_CACHE_ENV] = saved
    }
  }, 60_000)
})

describe('SoftHSM virtual card', () => {
  let pki: TestPki
  let card: SoftHsmCard
  let p11: pkcs11js.PKCS11
  let savedConf: string | undefined

  beforeAll(async () => {
    pki = await loadOrGenerateTestPki()
    card = await provisionCard(pki.citizens.valid, { dir: tempDir('eccs-card-') })
    savedConf = process.env.SOFTHSM2_CONF
    // SoftHSM reads SOFTHSM2_CONF once, at C_Initialize.
    process.env.SOFTHSM2_CONF = card.env.SOFTHSM2_CONF
    p11 = new pkcs11js.PKCS11()
    p11.load(card.module)
    p11.C_Initialize()
  })

  afterAll(() => {
    p11?.C_Finalize()
    p11?.close()
    if (savedConf === undefined) delete process.env.SOFTHSM2_CONF
    else process.env.SOFTHSM2_CONF = savedConf
  })

  function findSlot(): Buffer {
    const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label === card.tokenLabel.padEnd(32, ' '))
    if (!slot) throw new Error('token not found')
    return slot
  }

  function findObjects(session: Buffer, template: pkcs11js.Template): Buffer[] {
    p11.C_FindObjectsInit(session, template)
    const found = p11.C_FindObjects(session, 10)
    p11.C_FindObjectsFinal(session)
    return found
  }

  function attr(session: Buffer, handle: Buffer, type: number): Buffer {
    const value = p11.C_GetAttributeValue(session, handle, [{ type }])[0]?.value
    if (!value) throw new Error(`attribute ${type} missing`)
    return value
  }

  it('rejects PINs that a HiCOS card would not take', async () => {
    await expect(provisionCard(pki.citizens.valid, { dir: tempDir('eccs-card-'), pin: '12345' })).rejects.toThrow(
      /6–8 digits/
    )
    await expect(provisionCard(pki.citizens.valid, { dir: tempDir('eccs-card-'), pin: '12a456' })).rejects.toThrow(
      /6–8 digits/
    )
  })

  it('exposes a blank-padded HiCOS label and a 6-digit PIN token', () => {
    const info = p11.C_GetTokenInfo(findSlot())
    expect(info.label).toBe(HICOS_TOKEN_LABEL.padEnd(32, ' '))
    expect(info.serialNumber.trim()).toBe(card.tokenSerial)
    expect(info.flags & pkcs11js.CKF_USER_PIN_INITIALIZED).toBeTruthy()
    expect(info.flags & pkcs11js.CKF_LOGIN_REQUIRED).toBeTruthy()
  })

  it('reads certificates without login, signs after login, and the signature verifies in OpenSSL', () => {
    const session = p11.C_OpenSession(findSlot(), pkcs11js.CKF_SERIAL_SESSION)
    try {
      const certs = findObjects(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }])
      expect(certs).toHaveLength(2)
      const byValue = new Map(certs.map((h) => [attr(session, h, pkcs11js.CKA_VALUE).toString('hex'), h]))
      const signCert = byValue.get(card.citizen.signCertDer.toString('hex'))
      expect(signCert).toBeDefined()
      expect(byValue.has(card.citizen.encCertDer.toString('hex'))).toBe(true)
      // No private objects are visible before login.
      expect(findObjects(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }])).toHaveLength(0)

      const id = attr(session, signCert ?? Buffer.alloc(0), pkcs11js.CKA_ID)
      expect(id.equals(CARD_OBJECTS.sign.id)).toBe(true)

      p11.C_Login(session, pkcs11js.CKU_USER, card.pin)
      const [key] = findObjects(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_ID, value: id }
      ])
      if (!key) throw new Error('signing key not found')
      expect(attr(session, key, pkcs11js.CKA_SENSITIVE)[0]).toBe(1)
      expect(attr(session, key, pkcs11js.CKA_SIGN)[0]).toBe(1)
      expect(attr(session, key, pkcs11js.CKA_DECRYPT)[0]).toBe(0)

      const data = Buffer.alloc(64, 0x5a)
      p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key)
      const signature = p11.C_Sign(session, data, Buffer.alloc(256))
      p11.C_Logout(session)

      const dir = tempDir('eccs-sig-')
      const pub = new X509Certificate(card.citizen.signCertPem).publicKey.export({ type: 'spki', format: 'pem' })
      writeFileSync(join(dir, 'pub.pem'), pub)
      writeFileSync(join(dir, 'data.bin'), data)
      writeFileSync(join(dir, 'sig.bin'), signature)
      const r = openssl([
        'dgst',
        '-sha256',
        '-verify',
        join(dir, 'pub.pem'),
        '-signature',
        join(dir, 'sig.bin'),
        join(dir, 'data.bin')
      ])
      expect(r.out).toContain('Verified OK')
      expect(r.status).toBe(0)
    } finally {
      p11.C_CloseSession(session)
    }
  })

  it('keeps the encryption key for decryption only', () => {
    const session = p11.C_OpenSession(findSlot(), pkcs11js.CKF_SERIAL_SESSION)
    try {
      p11.C_Login(session, pkcs11js.CKU_USER, card.pin)
      const [key] = findObjects(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_ID, value: CARD_OBJECTS.enc.id }
      ])
      if (!key) throw new Error('encryption key not found')
      expect(attr(session, key, pkcs11js.CKA_DECRYPT)[0]).toBe(1)
      expect(attr(session, key, pkcs11js.CKA_UNWRAP)[0]).toBe(1)
      expect(attr(session, key, pkcs11js.CKA_SIGN)[0]).toBe(0)
      p11.C_Logout(session)
    } finally {
      p11.C_CloseSession(session)
    }
  })

  it('answers a wrong PIN with CKR_PIN_INCORRECT (one attempt only)', () => {
    const slot = findSlot()
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION)
    try {
      let code: number | undefined
      try {
        p11.C_Login(session, pkcs11js.CKU_USER, '000000')
      } catch (err) {
        code = err instanceof pkcs11js.Pkcs11Error ? err.code : undefined
      }
      expect(code).toBe(pkcs11js.CKR_PIN_INCORRECT)
      // SoftHSM's whole retry model: COUNT_LOW after any failure, never FINAL_TRY / LOCKED.
      const flags = p11.C_GetTokenInfo(slot).flags
      expect(flags & pkcs11js.CKF_USER_PIN_COUNT_LOW).toBeTruthy()
      expect(flags & (pkcs11js.CKF_USER_PIN_FINAL_TRY | pkcs11js.CKF_USER_PIN_LOCKED)).toBe(0)
    } finally {
      p11.C_CloseSession(session)
    }
  })
})
