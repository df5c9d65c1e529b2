import { generateKeyPairSync, sign } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { createClientErrorLog } from '../../src/main/logging/client-errors'
import { BusyTracker, CARD_CHANNELS } from '../../src/main/shell/busy'
import { installProcessErrorHandlers, RendererWatchdog } from '../../src/main/shell/crash-handlers'
import { buildAppMenu, buildContextMenu, type MenuItemSpec } from '../../src/main/shell/menus'
import { closeAction, loginItemPlan, trayView } from '../../src/main/shell/presence'
import { answerRendererRequest, loadRendererFiles, resolveRendererPath } from '../../src/main/shell/renderer-files'
import { shellLocale, shellStrings } from '../../src/main/shell/strings'
import { onUpdateDownloaded, type UpdateFlowDeps } from '../../src/main/shell/update-flow'
import {
  feedUrlFromAppUpdateYml,
  loadUpdateKey,
  signatureUrl,
  verifyFileSignature
} from '../../src/main/shell/update-signature'
import { ipcContract } from '../../src/shared/ipc-contract'

// The Electron shell's decisions, as plain-Node modules (src/main/shell/*). index.ts only wires
// them; electron-shell-standin.test.ts checks that wiring on the built bundle.

const tmp = mkdtempSync(join(tmpdir(), 'eccs-shell-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('eccs:// resolution (issue 14 item 3)', () => {
  // A renderer folder next to a secret, as out/renderer sits next to out/main.
  const dir = join(tmp, 'out', 'renderer')
  mkdirSync(join(dir, 'assets'), { recursive: true })
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>')
  writeFileSync(join(dir, 'assets', 'index-AbC_12.js'), 'console.log(1)')
  writeFileSync(join(dir, 'assets', 'font.woff2'), 'w')
  writeFileSync(join(dir, '.hidden'), 'h')
  writeFileSync(join(tmp, 'out', 'secret.txt'), 'SECRET')
  // Links are skipped as the docstring says (statSync followed them and served the target).
  symlinkSync(join(tmp, 'out', 'secret.txt'), join(dir, 'assets', 'linked.txt'))
  symlinkSync(join(tmp, 'out'), join(dir, 'outdir'))
  const files = loadRendererFiles(dir)

  it('maps exactly the built files', () => {
    expect([...files.keys()].sort()).toEqual(['assets/font.woff2', 'assets/index-AbC_12.js', 'index.html'])
    expect(resolveRendererPath('eccs://app/', files)).toEqual({ ok: true, path: 'index.html' })
    expect(resolveRendererPath('eccs://app/index.html', files)).toEqual({ ok: true, path: 'index.html' })
    expect(resolveRendererPath('eccs://app/assets/index-AbC_12.js', files)).toEqual({
      ok: true,
      path: 'assets/index-AbC_12.js'
    })
    expect(resolveRendererPath('eccs://app/delegations', files)).toEqual({ ok: true, path: 'index.html' }) // client-side route
    expect(resolveRendererPath('eccs://app/assets/missing.js', files)).toMatchObject({ ok: false, status: 404 })
  })

  const attacks = [
    'eccs://app/../secret.txt',
    'eccs://app/../../etc/passwd',
    'eccs://app/..',
    'eccs://app/./index.html',
    'eccs://app/%2e%2e/secret.txt',
    'eccs://app/%2E%2E/secret.txt',
    'eccs://app/.%2e/secret.txt',
    'eccs://app/%2e./secret.txt',
    'eccs://app/%252e%252e/secret.txt',
    'eccs://app/%25252e%25252e/secret.txt',
    'eccs://app/..%2fsecret.txt',
    'eccs://app/..%2Fsecret.txt',
    'eccs://app/..%5csecret.txt',
    'eccs://app/..%255csecret.txt',
    'eccs://app/..\\secret.txt',
    'eccs://app/assets\\..\\..\\secret.txt',
    'eccs://app/%2fetc%2fpasswd',
    'eccs://app//etc/passwd',
    'eccs://app/assets//index-AbC_12.js',
    'eccs://app/%c0%ae%c0%ae/secret.txt',
    'eccs://app/%uff0e%uff0e/secret.txt',
    'eccs://app/．．/secret.txt',
    'eccs://app/%ef%bc%8e%ef%bc%8e/secret.txt',
    'eccs://app/index.html%00.js',
    'eccs://app/index.html\u0000',
    'eccs://app/x.js#/../../secret.txt',
    'eccs://app/x.js?/../../secret.txt',
    'eccs://app/index.html?x=1',
    'eccs://app/index.html#frag',
    'eccs://app/%E0%A4%A',
    'eccs://app/%',
    'eccs://app/.hidden',
    'eccs://app/C:/Windows/win.ini',
    'eccs://app/c:%5cwindows%5cwin.ini',
    'eccs://app/\\\\server\\share',
    'eccs://app/assets/../../secret.txt',
    'eccs://app.evil/index.html',
    'eccs://evil/index.html',
    'eccs://user@app/index.html',
    'eccs://app:80/index.html',
    'ECCS://APP/../secret.txt',
    'file:///etc/passwd',
    'https://app/index.html',
    ''
  ]

  it('refuses every entry of the attack list, and none resolves outside the renderer', () => {
    for (const url of attacks) {
      const r = resolveRendererPath(url, files)
      expect(r.ok, url).toBe(false)
      const answer = answerRendererRequest(url, files, "default-src 'none'")
      expect(answer.status, url).toBeGreaterThanOrEqual(400)
      expect(String(answer.body), url).not.toContain('SECRET')
      expect(answer.headers['content-security-policy'], url).toBe("default-src 'none'")
    }
  })

  it('answers with the file type, nosniff and the CSP', () => {
    const a = answerRendererRequest('eccs://app/assets/index-AbC_12.js', files, 'CSP')
    expect(a).toEqual({
      status: 200,
      headers: {
        'content-security-policy': 'CSP',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'content-type': 'text/javascript; charset=utf-8'
      },
      body: Buffer.from('console.log(1)')
    })
    expect(answerRendererRequest('eccs://app/assets/font.woff2', files, 'CSP').headers['content-type']).toBe(
      'font/woff2'
    )
  })
})

describe('menus', () => {
  const zh = shellStrings('zh-TW')
  const clicked: string[] = []
  const actions = {
    openSettings: () => clicked.push('settings'),
    openDiagnostics: () => clicked.push('diagnostics'),
    openLogFolder: () => clicked.push('logs'),
    showAbout: () => clicked.push('about')
  }
  const roles = (items: MenuItemSpec[]): string[] =>
    items.flatMap((i) => [...(i.role ? [i.role] : []), ...roles(i.submenu ?? [])])

  it('picks zh-TW for Chinese system locales, English otherwise', () => {
    expect(['zh-TW', 'zh', 'zh-Hant-TW', 'zh-HK'].map(shellLocale)).toEqual(['zh-TW', 'zh-TW', 'zh-TW', 'zh-TW'])
    expect(['en-US', 'ja', '', undefined].map(shellLocale)).toEqual(['en', 'en', 'en', 'en'])
  })

  it('has File/Edit/View/Window/Help with standard roles; Reload and DevTools only in development', () => {
    const dev = buildAppMenu({ strings: zh, packaged: false, platform: 'win32', actions })
    const packaged = buildAppMenu({ strings: shellStrings('en'), packaged: true, platform: 'linux', actions })
    expect(dev.map((m) => m.label)).toEqual(['檔案', '編輯', '檢視', '視窗', '說明'])
    expect(packaged.map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Window', 'Help'])
    expect(roles(dev)).toEqual(expect.arrayContaining(['reload', 'forceReload', 'toggleDevTools']))
    for (const r of ['reload', 'forceReload', 'toggleDevTools']) expect(roles(packaged)).not.toContain(r)
    expect(roles(packaged)).toEqual([
      'quit',
      'undo',
      'redo',
      'cut',
      'copy',
      'paste',
      'selectAll',
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'togglefullscreen',
      'minimize',
      'close'
    ])
    const edit = dev.find((m) => m.id === 'edit')?.submenu ?? []
    expect(edit.filter((i) => i.role).map((i) => i.label)).toEqual(['復原', '重做', '剪下', '複製', '貼上', '全選'])
    const file = dev.find((m) => m.id === 'file')?.submenu ?? []
    expect(file[0]).toMatchObject({ label: '設定…', accelerator: 'CmdOrCtrl+,' })
    for (const item of [...file, ...(dev.find((m) => m.id === 'help')?.submenu ?? [])]) item.click?.()
    expect(clicked).toEqual(['settings', 'diagnostics', 'logs', 'about'])
  })

  it('on macOS puts About, Settings and Quit in the app menu', () => {
    const mac = buildAppMenu({ strings: zh, packaged: true, platform: 'darwin', actions })
    expect(mac[0]?.label).toBe('實名認證桌面用戶端')
    expect(roles([mac[0] as MenuItemSpec])).toEqual(['services', 'hide', 'hideOthers', 'unhide', 'quit'])
  })

  it('offers 剪下/複製/貼上/全選 in inputs as the page allows, 複製 on selected text, nothing elsewhere', () => {
    const flags = { canCut: true, canCopy: true, canPaste: false, canSelectAll: true }
    expect(
      buildContextMenu({ isEditable: true, selectionText: 'abc', editFlags: flags }, zh)
        ?.filter((i) => i.role)
        .map((i) => [i.label, i.enabled])
    ).toEqual([
      ['剪下', true],
      ['複製', true],
      ['貼上', false],
      ['全選', true]
    ])
    expect(
      buildContextMenu({ isEditable: false, selectionText: 'AB1234567', editFlags: flags }, shellStrings('en'))
    ).toEqual([{ role: 'copy', label: 'Copy', enabled: true }])
    expect(buildContextMenu({ isEditable: false, selectionText: '  ', editFlags: flags }, zh)).toBeNull()
  })
})

describe('background presence', () => {
  it('tray tooltip and menu follow the pending count', () => {
    const actions = { show: () => undefined, quit: () => undefined }
    const zero = trayView(0, shellStrings('zh-TW'), actions)
    expect(zero.tooltip).toBe('實名認證桌面用戶端')
    expect(zero.menu[0]).toEqual({ id: 'pending', label: '沒有尚未確認的委任', enabled: false })
    const three = trayView(3, shellStrings('zh-TW'), actions)
    expect(three).toMatchObject({ tooltip: '實名認證桌面用戶端 — 尚未確認 3 筆', title: '3' })
    expect(trayView(1, shellStrings('en'), actions).menu[0]?.label).toBe('1 delegation to confirm')
  })

  it('the close button hides to the tray only with the setting on, a tray, and not while quitting', () => {
    expect(closeAction({ closeToTray: true, trayAvailable: true, quitting: false })).toBe('hide')
    expect(closeAction({ closeToTray: false, trayAvailable: true, quitting: false })).toBe('close')
    expect(closeAction({ closeToTray: true, trayAvailable: false, quitting: false })).toBe('close')
    expect(closeAction({ closeToTray: true, trayAvailable: true, quitting: true })).toBe('close')
  })

  it('start at login: login items on Windows/macOS, an XDG autostart entry on Linux, nothing in development', () => {
    const base = {
      packaged: true,
      startAtLogin: true,
      executable: '/opt/ECCS "x"/eccs-client',
      env: {},
      homeDir: '/home/u'
    }
    expect(loginItemPlan({ ...base, platform: 'win32' })).toEqual({
      kind: 'login-item',
      openAtLogin: true,
      args: ['--hidden']
    })
    expect(loginItemPlan({ ...base, platform: 'darwin', startAtLogin: false })).toEqual({
      kind: 'login-item',
      openAtLogin: false,
      args: ['--hidden']
    })
    const linux = loginItemPlan({ ...base, platform: 'linux', env: { XDG_CONFIG_HOME: '/x/cfg' } })
    expect(linux).toMatchObject({ kind: 'xdg-autostart', file: '/x/cfg/autostart/eccs-client.desktop' })
    expect(linux.kind === 'xdg-autostart' && linux.content).toContain('Exec="/opt/ECCS \\"x\\"/eccs-client" --hidden\n')
    expect(loginItemPlan({ ...base, platform: 'linux', startAtLogin: false })).toEqual({
      kind: 'xdg-autostart',
      file: '/home/u/.config/autostart/eccs-client.desktop',
      content: null
    })
    expect(loginItemPlan({ ...base, platform: 'linux', env: { XDG_CONFIG_HOME: 'relative' } })).toMatchObject({
      file: '/home/u/.config/autostart/eccs-client.desktop'
    })
    expect(loginItemPlan({ ...base, platform: 'win32', packaged: false })).toEqual({
      kind: 'none',
      reason: 'not a packaged build'
    })
  })
})

describe('crash and error capture', () => {
  it('logs uncaught exceptions and rejections instead of ending the process, and uninstalls', async () => {
    const lines: string[] = []
    const { EventEmitter } = await import('node:events')
    const proc = new EventEmitter()
    const off = installProcessErrorHandlers(proc as never, {
      error: (m, e) => lines.push(`${m}: ${String(e)}`),
      warn: () => undefined
    })
    proc.emit('uncaughtException', new Error('boom'), 'uncaughtException')
    proc.emit('unhandledRejection', 'nope')
    expect(lines).toEqual(['uncaught exception (uncaughtException): Error: boom', 'unhandled promise rejection: nope'])
    off()
    expect(proc.listenerCount('uncaughtException') + proc.listenerCount('unhandledRejection')).toBe(0)
  })

  it('reloads a gone renderer at most 3 times a minute, and a hung one after 15 s', () => {
    let t = 0
    let reloads = 0
    const timers: { fn: () => void; at: number }[] = []
    const lines: string[] = []
    const w = new RendererWatchdog({
      reload: () => reloads++,
      sink: { error: (m) => lines.push(m), warn: (m) => lines.push(m) },
      now: () => t,
      setTimer: (fn, ms) => {
        const timer = { fn, at: t + ms }
        timers.push(timer)
        return timer
      },
      clearTimer: (x) => timers.splice(timers.indexOf(x as never), 1)
    })
    expect(w.gone({ reason: 'clean-exit', exitCode: 0 })).toBe('ignored')
    expect([1, 2, 3, 4].map(() => w.gone({ reason: 'crashed', exitCode: 139 }))).toEqual([
      'reloaded',
      'reloaded',
      'reloaded',
      'gave-up'
    ])
    t += 61_000
    expect(w.gone({ reason: 'oom', exitCode: 1 })).toBe('reloaded')
    expect(reloads).toBe(4)
    w.unresponsive()
    w.responsive() // recovered: no reload
    expect(timers).toHaveLength(0)
    t += 61_000
    w.unresponsive()
    expect(timers[0]?.at).toBe(t + 15_000)
    timers.shift()?.fn()
    expect(reloads).toBe(5)
    expect(lines).toContain('renderer process gone: crashed (exit code 139)')
  })

  it('writes renderer reports redacted and rate-limited, then says how many were dropped', () => {
    let t = 0
    const lines: string[] = []
    const log = createClientErrorLog({ write: (l) => lines.push(l), perMinute: 3, now: () => t })
    expect(log.report({ kind: 'vue', message: 'failed for A123456789 with pin 123456', info: 'setup function' })).toBe(
      true
    )
    expect(lines[0]).toBe('[renderer] vue (setup function): failed for A12****789 with pin [REDACTED]')
    log.report({ kind: 'console', message: 'b' })
    log.report({ kind: 'console', message: 'c' })
    expect(log.report({ kind: 'console', message: 'd' })).toBe(false)
    expect(log.report({ kind: 'console', message: 'e' })).toBe(false)
    t += 20_000 // one token back
    expect(log.report({ kind: 'error', message: 'f', stack: 'Error: f\n    at x (eccs://app/assets/a.js:1:2)' })).toBe(
      true
    )
    expect(lines.slice(3)).toEqual([
      '[renderer] 2 more error report(s) were dropped (rate limit 3/min)',
      '[renderer] error: f\nError: f\n    at x (eccs://app/assets/a.js:1:2)'
    ])
  })
})

describe('updates', () => {
  it('counts exactly the channels whose request carries a PIN as card operations', () => {
    const withPin = (Object.keys(ipcContract) as (keyof typeof ipcContract)[]).filter((c) => {
      const shape = (ipcContract[c].request as unknown as { shape?: Record<string, z.ZodType> }).shape
      return shape !== undefined && 'pin' in shape
    })
    expect([...CARD_CHANNELS].sort()).toEqual(withPin.sort())
  })

  it('BusyTracker: busy while a card call runs, idle() resolves when the last ends', async () => {
    const b = new BusyTracker()
    let release: () => void = () => undefined
    const running = b.track('delegations:decideBatch', () => new Promise<string>((r) => (release = () => r('done'))))
    await b.track('app:getInfo', async () => 'x') // not a card call
    expect(b.busy).toBe(true)
    let idle = false
    void b.idle().then(() => (idle = true))
    await Promise.resolve()
    expect(idle).toBe(false)
    release()
    expect(await running).toBe('done')
    await Promise.resolve()
    expect(idle).toBe(true)
    expect(b.busy).toBe(false)
  })

  function deps(over: Partial<UpdateFlowDeps> & { events: string[] }): UpdateFlowDeps {
    const e = over.events
    return {
      busy: () => false,
      idle: () => Promise.resolve(),
      ask: async () => {
        e.push('ask')
        return 'now'
      },
      verify: async () => null,
      allowInstallOnQuit: (a) => e.push(`on-quit:${a}`),
      install: () => e.push('install'),
      log: () => undefined,
      ...over
    }
  }
  const info = { version: '1.2.3', downloadedFile: '/tmp/x.AppImage' }

  it('asks only after the card operation ends, and installs on "now"', async () => {
    const events: string[] = []
    let busy = true
    let release: () => void = () => undefined
    const p = onUpdateDownloaded(
      info,
      deps({
        events,
        busy: () => busy,
        idle: () =>
          new Promise(
            (r) =>
              (release = () => {
                busy = false
                r()
              })
          )
      }),
      { requireSignature: false }
    )
    await new Promise((r) => setTimeout(r, 10))
    expect(events).toEqual(['on-quit:true'])
    release()
    expect(await p).toBe('installing')
    expect(events).toEqual(['on-quit:true', 'ask', 'install'])
  })

  it('"later" installs on quit; "now" while a card operation started waits for it', async () => {
    const later: string[] = []
    expect(
      await onUpdateDownloaded(info, deps({ events: later, ask: async () => 'later' }), { requireSignature: false })
    ).toBe('deferred')
    expect(later).toEqual(['on-quit:true'])
    const events: string[] = []
    let busyChecks = 0
    const result = await onUpdateDownloaded(
      info,
      deps({ events, busy: () => busyChecks++ === 1, idle: async () => void events.push('waited') }),
      { requireSignature: false }
    )
    expect(result).toBe('installing')
    expect(events).toEqual(['on-quit:true', 'ask', 'waited', 'install'])
  })

  it('Linux: a failed signature check installs nothing, not even on quit, and asks nobody', async () => {
    for (const verify of [async () => 'signature does not verify', async () => Promise.reject(new Error('HTTP 404'))]) {
      const events: string[] = []
      expect(await onUpdateDownloaded(info, deps({ events, verify }), { requireSignature: true })).toBe('rejected')
      expect(events).toEqual(['on-quit:false'])
    }
    const ok: string[] = []
    expect(await onUpdateDownloaded(info, deps({ events: ok }), { requireSignature: true })).toBe('installing')
    expect(ok).toEqual(['on-quit:false', 'on-quit:true', 'ask', 'install'])
  })

  it('verifies a detached signature (openssl dgst -sha256 -sign) with the policy key or the shipped one', async () => {
    const file = join(tmp, 'eccs-client-1.2.3.AppImage')
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024 + 17, 1))
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 })
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 1)
    const resources = join(tmp, 'res')
    mkdirSync(join(resources, 'update'), { recursive: true })
    expect(loadUpdateKey(null, resources)).toEqual({
      ok: false,
      reason: 'no update-signing key (policy updatePublicKey or resources/update/update-public-key.pem)'
    })
    writeFileSync(
      join(resources, 'update', 'update-public-key.pem'),
      ec.publicKey.export({ type: 'spki', format: 'pem' })
    )
    const shipped = loadUpdateKey(null, resources)
    expect(shipped).toMatchObject({ ok: true, source: 'resources' })
    const policy = loadUpdateKey(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string, resources)
    expect(policy).toMatchObject({ ok: true, source: 'policy' })
    if (!shipped.ok || !policy.ok) return
    expect(await verifyFileSignature(file, sign('sha256', data, ec.privateKey), shipped.key)).toBe(true)
    expect(await verifyFileSignature(file, sign('sha256', data, rsa.privateKey), policy.key)).toBe(true)
    const tampered = Buffer.from(data)
    tampered[1000] = 2
    expect(await verifyFileSignature(file, sign('sha256', tampered, ec.privateKey), shipped.key)).toBe(false)
    expect(await verifyFileSignature(file, sign('sha256', data, rsa.privateKey), shipped.key)).toBe(false)
    expect(await verifyFileSignature(file, Buffer.from('garbage'), shipped.key)).toBe(false)
    await expect(verifyFileSignature(join(tmp, 'missing'), Buffer.alloc(64), shipped.key)).rejects.toThrow(/ENOENT/)
    // Weak or unsuitable keys are refused.
    const weak = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem'
    }) as string
    expect(loadUpdateKey(weak, resources)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not accepted \(rsa\)/)
    })
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string
    expect(loadUpdateKey(ed, resources)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not accepted \(ed25519\)/)
    })
    expect(loadUpdateKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', resources)).toEqual({
      ok: false,
      reason: 'update-signing key is not a PEM public key'
    })
  })

  it('finds the signature next to the artifact on the feed', () => {
    expect(signatureUrl('https://u.example/eccs', '/tmp/dl/eccs-client-1.2.3.AppImage')).toBe(
      'https://u.example/eccs/eccs-client-1.2.3.AppImage.sig'
    )
    expect(signatureUrl('https://u.example/eccs/', '/tmp/dl/eccs client #1.deb')).toBe(
      'https://u.example/eccs/eccs%20client%20%231.deb.sig'
    )
    expect(
      feedUrlFromAppUpdateYml('provider: generic\nurl: https://updates.eccs.example.gov.tw/desktop/\nchannel: latest\n')
    ).toBe('https://updates.eccs.example.gov.tw/desktop/')
    expect(feedUrlFromAppUpdateYml('provider: generic\nurl: http://insecure.example/\n')).toBeNull()
    expect(feedUrlFromAppUpdateYml('provider: github\nowner: x\n')).toBeNull()
  })
})
