import { join } from 'node:path'
import { expect } from '@playwright/test'
import { MOICA_ATR } from '../rig/virtual-card'
import { platformTestWith } from '../e2e/platform-fixture'
import { enterPin, loginPassword, registerCitizen, type Shot } from '../e2e/flows'

// `npm run screenshots`: every screen of the app, taken from the real renderer over the real
// main-process core on the rig (virtual reader + SoftHSM card, server-mock), into docs/screenshots/.
// A machine policy locks two settings so the settings screen shows the locked state.
const test = platformTestWith({ policy: { autoUpdate: false, updateChannel: 'latest' } })
const shots = join(__dirname, '../../docs/screenshots')

test('every screen', async ({ page, platform }) => {
  test.setTimeout(240_000)
  await page.setViewportSize({ width: 1200, height: 800 })
  const shot: Shot = async (name, opts) => {
    await page.evaluate(() => document.fonts.ready)
    if (!opts?.fullPage) await page.evaluate(() => window.scrollTo(0, 0)) // header, status and banners in view
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: opts?.fullPage ?? false })
  }
  const rows = page.getByTestId('results').getByRole('row')
  const detail = page.getByTestId('detail')

  await page.goto(platform.appUrl)
  const status = page.getByTestId('card-status')
  await expect(status).toHaveText('請插入自然人憑證', { timeout: 30_000 })
  await shot('status-no-card')
  await platform.rig.cards[0].insert(MOICA_ATR)
  await expect(status).toHaveText('讀卡機準備完成', { timeout: 30_000 })
  await shot('status-ready')

  await registerCitizen(page, platform, 'xiaoming', 'Secret123', shot)
  await platform.dev('/dev/delegations', { account: 'xiaoming', count: 6, status: 'PENDING' })
  await platform.dev('/dev/delegations', { account: 'xiaoming', count: 2, status: 'MATCH' })

  // 登入: 一般用戶, then 憑證登入 (PIN → 載入自然人憑證 → 憑證載入完成。 → 確定 → 送出)
  await page.getByRole('link', { name: '登入', exact: true }).click()
  await page.getByLabel('帳號').fill('xiaoming')
  await shot('login')
  await page.getByRole('button', { name: '憑證登入' }).click()
  await page.getByLabel('PIN碼').fill('123456')
  await page.getByRole('button', { name: '載入自然人憑證' }).click()
  await expect(page.getByText('憑證載入完成。')).toBeVisible()
  await shot('login-certificate')
  await page.getByRole('button', { name: '確定' }).click()
  await page.getByRole('button', { name: '送出' }).click()
  await expect(page.getByTestId('logged-in-as')).toContainText('王小明')
  await expect(page.getByTestId('pending-badge')).toContainText('6')

  // 首頁: 手機門號實名認證註冊狀態 and 委任確認狀態, light and dark.
  await page.getByRole('link', { name: '首頁', exact: true }).click()
  await expect(page.getByTestId('confirmation-status')).toContainText('6 筆尚未確認')
  await shot('home')
  await page.emulateMedia({ colorScheme: 'dark' })
  await shot('home-dark')
  await page.emulateMedia({ colorScheme: 'light' })

  // 海關實名委任確認: answers on the rows (圖8–9)
  await page.getByRole('link', { name: '海關實名委任', exact: true }).click()
  await page.getByLabel('尚未確認').check()
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('result-count')).toContainText('6')
  await shot('delegations-results')
  await page.emulateMedia({ colorScheme: 'dark' })
  await shot('delegations-results-dark')
  await page.emulateMedia({ colorScheme: 'light' })
  const bill = async (i: number): Promise<string> =>
    ((await rows.nth(i).getByTestId('open-row').textContent()) ?? '').trim()
  const b1 = await bill(1)
  await rows
    .nth(1)
    .getByRole('button', { name: `申報相符 ${b1}` })
    .click()
  await page.getByTestId('pin-dialog').getByLabel('PIN碼').fill('123456')
  await shot('pin-dialog')
  await page.emulateMedia({ colorScheme: 'dark' })
  await shot('pin-dialog-dark')
  await page.emulateMedia({ colorScheme: 'light' })
  await page.getByTestId('pin-dialog').getByRole('button', { name: '確定' }).click()
  await expect(page.getByTestId('pin-dialog')).toHaveCount(0)

  const b2 = await bill(2)
  await rows
    .nth(2)
    .getByRole('button', { name: `申報不符 ${b2}` })
    .click()
  await rows.nth(2).getByRole('button', { name: '送出申報不符' }).click()
  await expect(rows.nth(2).getByText('申報不符須輸入原因')).toBeVisible()
  await shot('reject-reason-required')
  await rows.nth(2).getByRole('textbox').fill('非本人訂購')
  await shot('reject-reason')
  await rows.nth(2).getByRole('button', { name: '送出申報不符' }).click()
  await enterPin(page, '123456')
  await expect(page.getByTestId('pin-dialog')).toHaveCount(0)

  await rows.nth(3).getByTestId('open-row').click()
  await expect(detail).toBeVisible()
  await shot('delegation-detail')
  await detail.getByRole('button', { name: '申報相符' }).click()
  await enterPin(page, '000000')
  await expect(page.getByTestId('pin-dialog').getByTestId('error')).toContainText('PIN碼錯誤')
  await page.getByTestId('pin-dialog').getByText('支援用的詳細資訊').click()
  await shot('pin-wrong')
  await page.getByTestId('pin-dialog').getByRole('button', { name: '取消' }).click()
  await detail.getByRole('button', { name: '關閉' }).click()

  // The pause after the wrong PIN above (3 s) is over before the batch, as for a user who reads first.
  await page.waitForTimeout(3_500)
  await page.getByRole('button', { name: '選取全部尚未確認' }).click()
  await page.getByRole('button', { name: /批次申報相符（4 筆）/ }).click()
  await expect(page.getByTestId('pin-signing-item')).toHaveCount(4)
  await shot('pin-dialog-batch')
  await enterPin(page, '123456')
  await expect(page.getByTestId('decision-summary')).toContainText('4 筆成功')
  await shot('batch-results')

  // 800×600: the left menu becomes a row, each result row two lines, nothing scrolls sideways.
  await page.setViewportSize({ width: 800, height: 600 })
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
  await shot('delegations-results-800x600', { fullPage: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await shot('delegations-results-800x600-dark', { fullPage: true })
  await page.emulateMedia({ colorScheme: 'light' })
  await page.setViewportSize({ width: 1200, height: 800 })

  // English UI of the same screen, then back.
  await page.getByRole('button', { name: 'English' }).click()
  await expect(page.getByRole('heading', { name: 'Confirm customs delegations' })).toBeVisible()
  // The table's row labels are resolved once per locale: they must follow the switch too.
  const firstRow = page.getByTestId('results').getByRole('row').nth(1)
  await expect(firstRow.getByRole('cell').nth(3)).toHaveText(/^(Import|Export)$/)
  await expect(firstRow.getByRole('cell').nth(6)).toHaveText(/^Declaration (matches|does not match)\s+· OK$/)
  await shot('delegations-results-en')
  await page.getByRole('button', { name: '中文' }).click()

  await page.getByRole('link', { name: '委任確認紀錄查詢' }).click()
  await expect(page.getByRole('heading', { name: '委任確認紀錄查詢', level: 2 })).toBeVisible()
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('records-count')).toContainText('共 8 筆')
  await shot('records')

  await page.getByRole('link', { name: '用戶資料維護', exact: true }).click()
  await page.getByLabel('聯絡電話').fill('02-1234-5678')
  await page.getByRole('button', { name: '儲存' }).click()
  await expect(page.getByTestId('profile-notice')).toHaveText('資料已更新')
  await shot('profile', { fullPage: true })

  await page.getByRole('link', { name: '環境檢查' }).click()
  await expect(page.locator('[data-check="api"]')).toHaveAttribute('data-ok', 'true')
  await expect(page.getByTestId('reader-list')).toBeVisible()
  await shot('diagnostics', { fullPage: true })

  await page.getByRole('link', { name: '設定', exact: true }).click()
  await expect(page.getByTestId('locked')).toHaveCount(2)
  await shot('settings', { fullPage: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await shot('settings-dark', { fullPage: true })
  await page.emulateMedia({ colorScheme: 'light' })

  // EZWay (phone-registered) account: may query, cannot confirm; each row says why.
  await page.getByRole('button', { name: '登出' }).click()
  await platform.dev('/dev/accounts', {
    account: 'ezway',
    password: 'Ezway1234',
    name: '林美華',
    nationalId: 'B222333440',
    mobile: '0922333444',
    email: 'ez@example.tw'
  })
  await platform.dev('/dev/delegations', { account: 'ezway', count: 2, status: 'PENDING' })
  await loginPassword(page, 'ezway', 'Ezway1234')
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('result-count')).toContainText('2')
  await shot('ezway-disabled')

  // The platform goes away: the banner, results from the offline history (with its last sync),
  // and a typed retriable error where the platform itself is needed.
  await platform.server.close()
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('offline-banner')).toBeVisible()
  await expect(page.getByTestId('from-cache')).toBeVisible()
  await shot('offline')
  await page.getByRole('link', { name: '用戶資料維護', exact: true }).click()
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'NETWORK_UNREACHABLE')
  await shot('offline-profile')
})
