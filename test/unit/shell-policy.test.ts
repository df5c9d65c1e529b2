import { describe, expect, it } from 'vitest'
import { isAppUrl, permissionAllowed, safeExternalUrl } from '../../src/main/shell-policy'

describe('Electron shell policy', () => {
  it('accepts only documents of the eccs://app origin as IPC senders and navigation targets', () => {
    expect(isAppUrl('eccs://app/index.html')).toBe(true)
    expect(isAppUrl('eccs://app/index.html#/delegations')).toBe(true)
    for (const bad of [
      undefined,
      '',
      'about:blank',
      'file:///etc/passwd',
      'https://evil.example/',
      'eccs://app.evil/',
      'eccs://evil/app',
      'eccs://user:pw@app/',
      'eccs://app@evil/',
      'javascript:alert(1)',
      'data:text/html,x'
    ]) {
      expect(isAppUrl(bad), String(bad)).toBe(false)
    }
  })

  it('lets only plain http(s) links reach the system browser', () => {
    expect(safeExternalUrl('https://eccs.tradevan.com.tw/APISSO/ECCS')).toBe('https://eccs.tradevan.com.tw/APISSO/ECCS')
    expect(safeExternalUrl('http://example.com/a b')).toBe('http://example.com/a%20b')
    for (const bad of [
      'file:///C:/Windows/system32/calc.exe',
      'smb://host/share',
      'javascript:alert(1)',
      'ms-msdt:/id',
      'https://user:pw@example.com/',
      'not a url',
      'eccs://app/'
    ]) {
      expect(safeExternalUrl(bad), bad).toBeNull()
    }
  })
  it('grants only notifications and clipboard writes, and only to our own pages', () => {
    expect(permissionAllowed('notifications', 'eccs://app/index.html')).toBe(true)
    expect(permissionAllowed('clipboard-sanitized-write', 'eccs://app')).toBe(true)
    for (const perm of [
      'media',
      'geolocation',
      'openExternal',
      'clipboard-read',
      'fullscreen',
      'hid',
      'usb',
      'serial'
    ]) {
      expect(permissionAllowed(perm, 'eccs://app/index.html'), perm).toBe(false)
    }
    expect(permissionAllowed('notifications', 'https://evil.example/')).toBe(false)
    expect(permissionAllowed('notifications', undefined)).toBe(false)
  })
})
