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
  await page.setViewportSize({ width: 1200, height: 760 })
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

  // 海關實名委任確認
  await page.getByLabel('尚未確認').check()
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('result-count')).toContainText('6')
  await shot('delegations-results')
  await rows.nth(1).getByRole('button').first().click()
  await expect(detail).toBeVisible()
  await shot('delegation-detail', { fullPage: true })
  await detail.getByRole('button', { name: '申報相符' }).click()
  await page.getByRole('dialog').getByLabel('PIN碼').fill('123456')
  await shot('pin-dialog')
  await page.getByRole('dialog').getByRole('button', { name: '確定' }).click()
  await expect(page.getByTestId('detail-status')).toHaveText('申報相符')

  await rows.nth(2).getByRole('button').first().click()
  await detail.getByRole('button', { name: '申報不符' }).click()
  await expect(page.getByText('申報不符須輸入原因')).toBeVisible()
  await shot('reject-reason-required', { fullPage: true })
  await page.getByLabel('原因').fill('非本人訂購')
  await shot('reject-reason', { fullPage: true })
  await detail.getByRole('button', { name: '申報不符' }).click()
  await enterPin(page, '123456')
  await expect(page.getByTestId('detail-status')).toHaveText('申報不符')

  await rows.nth(3).getByRole('button').first().click()
  await detail.getByRole('button', { name: '申報相符' }).click()
  await enterPin(page, '000000')
  await expect(page.getByRole('dialog').getByTestId('error')).toContainText('PIN碼錯誤')
  await shot('pin-wrong')
  await page.getByRole('dialog').getByRole('button', { name: '取消' }).click()
  await detail.getByRole('button', { name: '關閉' }).click()

  await page.getByRole('button', { name: '選取全部尚未確認' }).click()
  await page.getByRole('button', { name: /批次申報相符（4 筆）/ }).click()
  await enterPin(page, '123456')
  await expect(page.getByTestId('decision-summary')).toContainText('4 筆成功')
  await shot('batch-results')

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
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('records-count')).toContainText('共 8 筆')
  await shot('records')

  await page.getByRole('link', { name: '個人帳號資料維護' }).click()
  await page.getByLabel('連絡電話').fill('02-1234-5678')
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

  // EZWay (phone-registered) account: may query, cannot confirm.
  await page.getByRole('button', { name: '登出' }).click()
  await platform.dev('/dev/accounts', { account: 'ezway', password: 'Ezway1234', name: '林美華', nationalId: 'B222333440', mobile: '0922333444', email: 'ez@example.tw' })
  await platform.dev('/dev/delegations', { account: 'ezway', count: 2, status: 'PENDING' })
  await loginPassword(page, 'ezway', 'Ezway1234')
  await page.getByRole('button', { name: '查詢' }).click()
  await rows.nth(1).getByRole('button').first().click()
  await expect(detail.getByRole('button', { name: '申報相符' })).toBeDisabled()
  await shot('ezway-disabled', { fullPage: true })

  // The platform goes away: the banner, results from the offline history (with its last sync),
  // and a typed retriable error where the platform itself is needed.
  await platform.server.close()
  await detail.getByRole('button', { name: '關閉' }).click()
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('offline-banner')).toBeVisible()
  await expect(page.getByTestId('from-cache')).toBeVisible()
  await shot('offline')
  await page.getByRole('link', { name: '個人帳號資料維護' }).click()
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'NETWORK_UNREACHABLE')
  await shot('offline-profile')
})
