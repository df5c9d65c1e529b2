import { expect } from '@playwright/test'
import { loginPassword } from './flows'
import { isolatedPlatformTest as test } from './platform-fixture'

// Offline: server-mock stops mid-session → the banner shows and actions fail with the typed,
// retriable NETWORK_UNREACHABLE. New pending delegations: the badge counts up on refresh, and a
// notification is shown — with permission asked only from the user's click, never on its own.

const EZWAY = {
  account: 'ezway',
  password: 'Ezway1234',
  name: '林美華',
  nationalId: 'B222333440',
  mobile: '0922333444',
  email: 'ez@example.tw'
}

test('the platform stops mid-session: offline banner, typed retriable NETWORK_UNREACHABLE', async ({
  page,
  platform
}) => {
  await platform.dev('/dev/accounts', EZWAY)
  await platform.dev('/dev/delegations', { account: 'ezway', count: 2, status: 'PENDING' })
  await page.goto(platform.appUrl)
  await loginPassword(page, EZWAY.account, EZWAY.password)
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('result-count')).toContainText('2')
  await expect(page.getByTestId('offline-banner')).toHaveCount(0)

  await platform.server.close()
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('offline-banner')).toBeVisible()
  await expect(page.getByTestId('offline-banner')).toHaveAttribute('role', 'alert')
  // The query is answered from the offline history, labelled as such…
  await expect(page.getByTestId('from-cache')).toContainText('離線資料')
  await expect(page.getByTestId('result-count')).toContainText('2')
  // …while what needs the platform fails with the typed, retriable error.
  await page.getByRole('link', { name: '用戶資料維護', exact: true }).click()
  const error = page.getByTestId('error')
  await expect(error).toHaveAttribute('data-code', 'NETWORK_UNREACHABLE')
  await expect(error).toHaveAttribute('data-retriable', 'true')
  await expect(error).toContainText('無法連線到平台')
  // The same answer at the IPC boundary the renderer uses.
  const raw = await page.evaluate(async () => {
    // The tab's page session (web-bridge.ts keeps it in sessionStorage and sends it as a header).
    const session = sessionStorage.getItem('eccs-web-session') ?? ''
    const res = await fetch('/ipc/delegations:pendingCount', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-eccs-bridge': '1', 'x-eccs-session': session },
      body: '{}'
    })
    return (await res.json()) as unknown
  })
  expect(raw).toMatchObject({ ok: false, error: { code: 'NETWORK_UNREACHABLE', retriable: true } })
  await page.getByRole('link', { name: '海關實名委任', exact: true }).click()
  // The rows already shown stay; the query form stays usable for a retry.
  await expect(page.getByRole('button', { name: '查詢' })).toBeEnabled()
})

test('new pending delegations: badge counts up on refresh; notification permission only from a click', async ({
  page,
  platform
}) => {
  // Record what the page asks of the Notification API (Chromium headless has no notification UI).
  await page.addInitScript(() => {
    const w = window as unknown as { __perm: string; __asked: number; __shown: { title: string; body: string }[] }
    w.__perm = 'default'
    w.__asked = 0
    w.__shown = []
    class RecordingNotification {
      static get permission(): string {
        return w.__perm
      }
      static requestPermission(): Promise<string> {
        w.__asked++
        w.__perm = 'granted'
        return Promise.resolve('granted')
      }
      constructor(title: string, opts?: { body?: string }) {
        w.__shown.push({ title, body: opts?.body ?? '' })
      }
    }
    Object.defineProperty(window, 'Notification', { value: RecordingNotification, configurable: true, writable: true })
  })
  await platform.dev('/dev/accounts', EZWAY)
  await platform.dev('/dev/delegations', { account: 'ezway', count: 1, status: 'PENDING' })
  await page.goto(platform.appUrl)
  await loginPassword(page, EZWAY.account, EZWAY.password)
  const badge = page.getByTestId('pending-badge')
  await expect(badge).toHaveText('1 筆尚未確認')
  expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(0)

  await page.getByRole('button', { name: '開啟桌面通知' }).click()
  await expect(page.getByRole('button', { name: '開啟桌面通知' })).toHaveCount(0)
  expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(1)

  await platform.dev('/dev/delegations', { account: 'ezway', count: 2, status: 'PENDING' })
  await page.getByRole('button', { name: '重新整理' }).click()
  await expect(badge).toHaveText('3 筆尚未確認')
  const shown = await page.evaluate(() => (window as unknown as { __shown: { title: string; body: string }[] }).__shown)
  expect(shown).toEqual([{ title: '新的海關實名委任', body: '有 2 筆新的委任尚未確認' }])
  // A refresh with nothing new shows nothing new.
  await page.getByRole('button', { name: '重新整理' }).click()
  await expect(badge).toHaveText('3 筆尚未確認')
  expect(await page.evaluate(() => (window as unknown as { __shown: unknown[] }).__shown.length)).toBe(1)
})
