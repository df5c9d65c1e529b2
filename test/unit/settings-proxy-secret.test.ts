import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mergeProxyChange, redactProxy } from '../../src/main/core/proxy-secret'
import { createSettingsService, type SettingsService } from '../../src/main/core/settings-service'
import { createDispatcher } from '../../src/main/ipc/dispatcher'
import { SettingsChange } from '../../src/shared/settings'

// The proxy password never reaches the page: settings:get answers without it (a flag says one is
// stored), and a settings:update with the redacted URL sent back keeps it. Real settings service on
// a private folder, real IPC dispatcher (contract validation). The screen's side:
// test/unit/renderer/settings-proxy-password.test.ts.

const SECRET = 'pa:ss@w%rd/ü'
const STORED = `http://alice:${encodeURIComponent(SECRET)}@proxy.corp.example:3128/`
const REDACTED = 'http://alice@proxy.corp.example:3128/'

let dir: string
let service: SettingsService
let dispatch: ReturnType<typeof createDispatcher>
const settingsFile = () => join(dir, 'user', 'settings.json')
const storedProxy = () => (JSON.parse(readFileSync(settingsFile(), 'utf8')) as { proxy?: string }).proxy

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eccs-proxy-secret-'))
  service = createSettingsService({ env: {}, userDataDir: join(dir, 'user'), policyPath: join(dir, 'policy.json') })
  service.update({ proxy: STORED })
  dispatch = createDispatcher({
    'settings:get': async () => service.view(),
    'settings:update': async (change) => service.update(change)
  })
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('settings:get never returns the proxy password', () => {
  it('answers the URL without the password and a flag, through the IPC contract', async () => {
    const r = await dispatch('settings:get', {})
    if (!r.ok) throw new Error(JSON.stringify(r.error))
    const view = r.value as ReturnType<SettingsService['view']>
    expect(view.values.proxy).toBe(REDACTED)
    expect(view.proxyHasPassword).toBe(true)
    const text = JSON.stringify(r)
    expect(text).not.toContain(encodeURIComponent(SECRET))
    expect(text).not.toContain('pa:ss')
    expect(storedProxy()).toBe(STORED) // still stored in full for the network stack
  })

  it('a round trip get → set (the redacted URL sent back with another change) keeps the stored password', async () => {
    const got = await dispatch('settings:get', {})
    if (!got.ok) throw new Error(JSON.stringify(got.error))
    const { values } = got.value as ReturnType<SettingsService['view']>
    const back = await dispatch('settings:update', { proxy: values.proxy, logLevel: 'debug' })
    expect(back).toMatchObject({
      ok: true,
      value: { values: { proxy: REDACTED, logLevel: 'debug' }, proxyHasPassword: true }
    })
    expect(storedProxy()).toBe(STORED)
    expect(await dispatch('settings:update', { logLevel: 'warn' })).toMatchObject({ ok: true })
    expect(storedProxy()).toBe(STORED)
    expect(JSON.parse(readFileSync(settingsFile(), 'utf8'))).not.toHaveProperty('proxyPassword')
  })

  it('replaces or removes the password on request; a new proxy host never inherits it', async () => {
    expect(await dispatch('settings:update', { proxyPassword: 'n3w secret' })).toMatchObject({ ok: true })
    expect(storedProxy()).toBe('http://alice:n3w%20secret@proxy.corp.example:3128/')
    expect(await dispatch('settings:update', { proxyPassword: null })).toMatchObject({
      ok: true,
      value: { proxyHasPassword: false }
    })
    expect(storedProxy()).toBe(REDACTED)
    service.update({ proxy: STORED })
    service.update({ proxy: 'http://alice@other-proxy.example:3128/' })
    expect(storedProxy()).toBe('http://alice@other-proxy.example:3128/')
    expect(service.view().proxyHasPassword).toBe(false)
  })

  it('refuses a password without a user name, an empty or over-long one, and a locked proxy', async () => {
    expect(() => service.update({ proxy: 'direct', proxyPassword: 'x' })).toThrow(/user name/)
    expect(() => service.update({ proxy: 'http://proxy.example:3128', proxyPassword: 'x' })).toThrow(/user name/)
    expect(SettingsChange.safeParse({ proxyPassword: '' }).success).toBe(false)
    expect(SettingsChange.safeParse({ proxyPassword: 'x'.repeat(257) }).success).toBe(false)
    expect(await dispatch('settings:update', { proxyPassword: 1 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' }
    })
    expect(storedProxy()).toBe(STORED)
    writeFileSync(join(dir, 'policy.json'), JSON.stringify({ proxy: STORED }))
    expect(service.view().values.proxy).toBe(REDACTED) // a policy-set password is not shown either
    expect(() => service.update({ proxyPassword: 'x' })).toThrow(/locked by machine policy: proxy/)
  })
})

describe('redactProxy / mergeProxyChange', () => {
  it('redacts only URLs with a password', () => {
    expect(redactProxy('system')).toEqual({ proxy: 'system', hasPassword: false })
    expect(redactProxy('http://proxy:8080')).toEqual({ proxy: 'http://proxy:8080', hasPassword: false })
    expect(redactProxy('https://u:p@proxy:8443')).toEqual({ proxy: 'https://u@proxy:8443/', hasPassword: true })
  })
  it('keeps the password for the same scheme, host, port and user only', () => {
    const old = 'http://u:p@proxy:8080/'
    expect(mergeProxyChange(old, { proxy: 'http://u@proxy:8080/' })).toBe(old)
    expect(mergeProxyChange(old, { proxy: 'http://u@PROXY:8080' })).toBe(old) // host names are case-insensitive
    expect(mergeProxyChange(old, { proxy: 'http://U@proxy:8080' })).toBe('http://U@proxy:8080') // user differs
    expect(mergeProxyChange(old, { proxy: 'https://u@proxy:8080/' })).toBe('https://u@proxy:8080/')
    expect(mergeProxyChange(old, { proxy: 'http://u@proxy:8081/' })).toBe('http://u@proxy:8081/')
    expect(mergeProxyChange(old, { proxy: 'http://u:q@proxy:8080/' })).toBe('http://u:q@proxy:8080/')
    // Spellings of the same proxy keep it (WHATWG URL normalises them; the proxy is dialled by its parsed host)…
    expect(mergeProxyChange(old, { proxy: 'HTTP://u@proxy:08080' })).toBe(old)
    expect(mergeProxyChange(old, { proxy: 'http://u@ｐｒｏｘｙ:8080' })).toBe(old) // IDNA maps full-width to ASCII
    expect(mergeProxyChange('http://u:p@[::1]:3128', { proxy: 'http://u@[0:0::1]:3128' })).toBe(
      'http://u:p@[::1]:3128/'
    )
    // …other hosts hidden in user info, fragment, query, a trailing dot or an encoded dot never get it.
    for (const other of [
      'http://u@proxy:8080@evil.example:80',
      'http://u@evil.example#@proxy:8080',
      'http://u@evil.example?@proxy:8080',
      'http://u@proxy.:8080',
      'http://u@proxy%2eevil:8080',
      'http://%75@proxy:8080',
      'socks5://u@proxy:8080'
    ]) {
      expect(mergeProxyChange(old, { proxy: other }), other).toBe(other)
    }
    expect(mergeProxyChange(old, { proxy: null })).toBeNull()
    expect(mergeProxyChange(old, {})).toBeUndefined()
    expect(() => mergeProxyChange(old, { proxy: 'http://u:q@proxy:8080/', proxyPassword: 'r' })).toThrow(
      /already holds a password/
    )
  })
})
