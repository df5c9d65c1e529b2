import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { captureConsole, createAppLogger, LOG_FILE } from '../../src/main/logging/logger'
import { maskNationalIds, redactText } from '../../src/main/logging/redact'
import { startAppLogging } from '../../src/main/logging/setup'
import { exportSupportBundle } from '../../src/main/logging/support-bundle'
import { resolveSettings } from '../../src/main/policy/effective'
import { parsePolicyText } from '../../src/main/policy/load-policy'

// Pushes PIN-like, ID-like and token-like strings through every way the app can log — message
// text, printf arguments, structured fields (top level and nested), child-logger bindings, error
// messages and stacks, captured console output — then greps the files on disk and the support
// bundle for any of them.

const dir = mkdtempSync(join(tmpdir(), 'eccs-logs-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const PIN = '482913'
const PIN8 = '55127730'
const ID = 'A123456789'
const ID2 = 'F231234567'
const TOKEN = 'tok_9f8e7d6c5b4a3210ffee'
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
const PASSWORD = 'Demo1234!'
const SECRETS = [PIN, PIN8, ID, ID2, TOKEN, JWT, PASSWORD]

function filesIn(d: string): string {
  return readdirSync(d)
    .map((f) => readFileSync(join(d, f), 'utf8'))
    .join('\n')
}

describe('log redaction', () => {
  it('masks IDs, drops PINs and tokens in free text', () => {
    expect(maskNationalIds(`holder ${ID} and ${ID2}`)).toBe('holder A12****789 and F23****567')
    expect(redactText(`PIN=${PIN} pin: ${PIN8} 輸入PIN碼${PIN} 密碼 ${PIN}`)).not.toMatch(/482913|55127730/)
    expect(redactText(`Authorization: Bearer ${TOKEN}`)).toBe('Authorization: Bearer [REDACTED]')
    expect(redactText(`GET /x?token=${TOKEN}&a=1`)).toBe('GET /x?token=[REDACTED]&a=1')
    expect(redactText(`{"pin":"${PIN}","newPin":${PIN8},"reader":"ACS"}`)).toBe(
      '{"pin":"[REDACTED]","newPin":"[REDACTED]","reader":"ACS"}'
    )
    // a proxy password in a URL (settings, policy in effect, support bundle, error messages)
    expect(redactText('{"proxy":"http://alice:S3cret%40pw@proxy.corp:3128"}')).toBe(
      '{"proxy":"http://alice:[REDACTED]@proxy.corp:3128"}'
    )
    expect(redactText('via https://u:p@h/x and http://h:8080/a@b')).toBe(
      'via https://u:[REDACTED]@h/x and http://h:8080/a@b'
    )
    // ordinary numbers and card serials are left alone
    expect(redactText('card serial 1234567890123456, delegation 20240101')).toBe(
      'card serial 1234567890123456, delegation 20240101'
    )
  })

  it('no secret reaches the log file or the support bundle through any log path', async () => {
    const logDir = join(dir, 'logs')
    const { logger, close } = createAppLogger({ dir: logDir, level: 'debug' })
    logger.info(`user typed PIN ${PIN} for ${ID}`)
    logger.info('login for %s with pin %s and password=%s', ID2, PIN8, PASSWORD)
    logger.info(
      {
        pin: PIN,
        password: PASSWORD,
        token: TOKEN,
        authorization: `Bearer ${TOKEN}`,
        cookie: `sid=${TOKEN}`,
        nationalId: ID
      },
      'structured'
    )
    logger.warn(
      {
        request: {
          headers: { Authorization: `Bearer ${JWT}`, 'set-cookie': [`s=${TOKEN}`] },
          body: { pinCode: PIN8, idNumber: ID2 }
        }
      },
      'nested'
    )
    logger.child({ user: ID, sessionToken: TOKEN }).info('child bindings')
    const err = new Error(`card rejected PIN ${PIN} of ${ID} (Bearer ${TOKEN})`)
    logger.error({ err }, 'error object')
    logger.error(err)
    logger.debug({ list: [ID, { pin: PIN8 }], text: `{"pin":"${PIN}"}` }, 'arrays and JSON strings')
    const restore = captureConsole(logger)
    try {
      console.error('[ipc] failed for', ID, `pin=${PIN}`, new Error(`token=${TOKEN}`))
      console.log({ password: PASSWORD, id: ID2 })
    } finally {
      restore()
    }
    await close()

    const text = filesIn(logDir)
    expect(readdirSync(logDir)).toContain(LOG_FILE)
    expect(text.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(10)
    for (const secret of SECRETS) expect(text, `log contains ${secret}`).not.toContain(secret)
    expect(text).toContain('A12****789')
    expect(text).toContain('F23****567')
    expect(text).toContain('[REDACTED]')
    expect(text).toContain('child bindings') // the lines are there, only the secrets are gone

    const settings = resolveSettings({
      policy: parsePolicyText('{"logLevel":"debug","proxy":"http://proxy.corp:3128"}', 'p.json'),
      user: { path: 'u', values: {}, warnings: [] },
      env: {}
    })
    const out = join(dir, 'bundle', 'eccs-support.tar.gz')
    const bundle = exportSupportBundle({
      outFile: out,
      logDir,
      settings,
      doctor: { checks: [{ id: 'card', detail: `holder ${ID} pin ${PIN}` }] },
      versions: { app: '0.1.0' }
    })
    expect(bundle.entries).toEqual(
      expect.arrayContaining([
        'README.txt',
        'versions.json',
        'doctor.json',
        'policy-in-effect.json',
        `logs/${LOG_FILE}`
      ])
    )
    const raw = gunzipSync(readFileSync(out)).toString('utf8')
    for (const secret of SECRETS) expect(raw, `bundle contains ${secret}`).not.toContain(secret)
    expect(raw).toContain('http://proxy.corp:3128')
    // a real tar: the system tar lists the same entries
    const listed = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' }).trim().split('\n')
    expect(listed).toEqual(bundle.entries)
  })

  it('honours the level and rotates by size', async () => {
    const logDir = join(dir, 'rotate')
    const { logger, close } = createAppLogger({ dir: logDir, level: 'warn', size: '1K', maxFiles: 3 })
    logger.info('not written at warn level')
    for (let i = 0; i < 60; i++) logger.warn({ i }, `line ${i} ${'x'.repeat(60)}`)
    await new Promise((r) => setTimeout(r, 300))
    await close()
    const names = readdirSync(logDir).filter((n) => n.endsWith(LOG_FILE))
    expect(names.length).toBeGreaterThan(1)
    expect(names.length).toBeLessThanOrEqual(4)
    expect(filesIn(logDir)).not.toContain('not written at warn level')
  })
})

describe('startAppLogging', () => {
  it('records the policy state, and why the app is offline when the policy is invalid', async () => {
    const logDir = join(dir, 'startup')
    const settings = resolveSettings({
      policy: parsePolicyText('{"logLevel":"warn","revocationCheck":"nope"}', '/etc/eccs/policy.json'),
      user: { path: 'u', values: {}, warnings: [] },
      env: {}
    })
    const log = startAppLogging({ logDir, settings, version: '0.1.0' })
    try {
      console.error(`internal error for ${ID}`)
    } finally {
      log.restoreConsole()
    }
    await log.close()
    const lines = filesIn(logDir)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; level: string; issues?: { key: string }[] })
    const offline = lines.find((l) => l.msg === 'machine policy invalid: network disabled')
    expect(offline?.level).toBe('error')
    expect(offline?.issues?.[0]?.key).toBe('revocationCheck')
    expect(lines.some((l) => l.msg === 'internal error for A12****789')).toBe(true)
  })
})
