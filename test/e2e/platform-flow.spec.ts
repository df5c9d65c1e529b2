import AxeBuilder from '@axe-core/playwright'
import { expect, type Page } from '@playwright/test'
import { MOICA_ATR } from '../rig/virtual-card'
import { platformTest as test } from './platform-fixture'

// The recipient's whole journey on the rig: register with the card → log in → query → 申報相符 →
// 申報不符 with 原因 → wrong PIN (shown, not retried) → batch → card removed mid-flow → profile.
test.describe.configure({ mode: 'serial' })

async function axeClean(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze()
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${screen}: ${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

async function enterPin(page: Page, pin: string): Promise<void> {
  const dialog = page.getByTestId('pin-dialog')
  await dialog.getByLabel('PIN碼').fill(pin)
  // The dialog holds main's PIN ticket for the card it names (after a wrong PIN: once main's
  // pause is over); a card with wrong PINs behind it needs its tries warning acknowledged.
  await expect(dialog).toHaveAttribute('data-pin-state', /^(ready|confirm|error)$/, { timeout: 15_000 })
  if ((await dialog.getAttribute('data-pin-state')) === 'confirm') await dialog.getByTestId('pin-acknowledge').check()
  await dialog.getByRole('button', { name: '確定' }).click()
}

test('register → log in → query → confirm → reject → wrong PIN → batch → card removed → profile', async ({
  page,
  platform
}) => {
  test.setTimeout(180_000)
  await page.goto(platform.appUrl)
  await platform.rig.cards[0].insert(MOICA_ATR)
  await expect(page.getByTestId('card-status')).toHaveText('讀卡機準備完成', { timeout: 30_000 })

  // 自然人憑證註冊 (seed 000)
  await page.getByRole('link', { name: '註冊', exact: true }).click()
  await expect(page.getByTestId('env-result')).toContainText('檢查通過')
  await axeClean(page, '環境檢查')
  await page.getByRole('button', { name: '下一步' }).click()
  await page.getByLabel('身分證號或統一編號').fill('A123456789')
  await page.getByLabel('PIN碼').fill('123456')
  await axeClean(page, '身分驗證')
  await page.getByRole('button', { name: '執行身分驗證' }).click()
  await expect(page.getByText('身分驗證完成：王小明')).toBeVisible()
  await page.getByLabel('出生年月日').fill('1990/01/02')
  await page.getByLabel('聯絡電話').fill('02-2345-6789')
  await page.getByLabel('聯絡地址').fill('臺北市中正區')
  await page.getByLabel('帳號', { exact: true }).fill('xiaoming')
  const pw = page.getByLabel('設定登入密碼')
  await pw.fill('secret')
  await expect(page.getByTestId('password-rules').locator('[data-ok="false"]')).toHaveCount(3)
  await pw.fill('Secret123')
  await expect(page.getByTestId('password-rules').locator('[data-ok="false"]')).toHaveCount(0)
  await page.getByLabel('確認密碼').fill('Secret123')
  await page.getByLabel('Email1', { exact: true }).fill('xm@example.tw')
  await page.getByLabel('手機號碼').fill('0911222333')
  await page.getByRole('button', { name: '傳送簡訊碼' }).click()
  await expect(page.getByText('驗證碼已傳送至 0911***333')).toBeVisible()
  await page.getByLabel('驗證碼').fill(platform.lastSmsCode())
  await page.getByLabel('個資閱讀宣告').check()
  await axeClean(page, '資料填寫')
  await page.getByRole('button', { name: '送出' }).click()
  await expect(page.getByTestId('reg-success')).toHaveText('註冊成功')
  await page.getByRole('link', { name: '回首頁' }).click()

  // 一般用戶 login
  await platform.dev('/dev/delegations', { account: 'xiaoming', count: 6, status: 'PENDING' })
  await platform.dev('/dev/delegations', { account: 'xiaoming', count: 2, status: 'MATCH' })
  await axeClean(page, '登入')
  await page.getByLabel('帳號').fill('xiaoming')
  await page.getByLabel('密碼').fill('Secret123')
  await page.getByRole('button', { name: '登入', exact: true }).click()
  await expect(page.getByTestId('logged-in-as')).toContainText('王小明')
  await expect(page.getByTestId('pending-badge')).toContainText('6')

  // 海關實名委任確認: query 尚未確認
  await page.getByLabel('尚未確認').check()
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('result-count')).toContainText('6')
  await axeClean(page, '海關實名委任確認')
  const rows = page.getByTestId('results').getByRole('row')
  await expect(rows).toHaveCount(7)

  // 申報相符 on the first row, answered on the row as the manual (圖8–9) has it
  const bill1 = ((await rows.nth(1).getByTestId('open-row').textContent()) ?? '').trim()
  await rows
    .nth(1)
    .getByRole('button', { name: `申報相符 ${bill1}` })
    .click()
  await expect(page.getByRole('dialog').getByTestId('pin-signing-item')).toContainText(bill1)
  await axeClean(page, 'PIN')
  await enterPin(page, '123456')
  await expect(page.getByRole('dialog')).toHaveCount(0)
  await expect(page.locator(`[data-id] .status-text`).filter({ hasText: '申報相符' })).toHaveCount(1)

  // 申報不符 needs 原因 (in the detail this time)
  const detail = page.getByTestId('detail')
  await rows.nth(2).getByTestId('open-row').click()
  await expect(detail).toBeVisible()
  await detail.getByRole('button', { name: '申報不符' }).click()
  await expect(detail.getByText('申報不符須輸入原因')).toBeVisible()
  await expect(page.getByRole('dialog')).toHaveCount(1) // only the detail; no PIN dialog
  await detail.getByLabel('原因').fill('非本人訂購')
  await detail.getByRole('button', { name: '申報不符' }).click()
  await enterPin(page, '123456')
  await expect(page.getByTestId('detail-status')).toHaveText('申報不符')
  await detail.getByRole('button', { name: '關閉' }).click()

  // A wrong PIN is shown and not retried; the dialog waits for the user.
  await rows.nth(3).getByTestId('open-row').click()
  await detail.getByRole('button', { name: '申報相符' }).click()
  await enterPin(page, '000000')
  await expect(page.getByTestId('pin-dialog').getByTestId('error')).toHaveAttribute(
    'data-code',
    /PIN_INCORRECT|PIN_FINAL_TRY/
  )
  await expect(page.getByTestId('pin-dialog').getByTestId('error')).toContainText('PIN碼錯誤')
  await page.getByTestId('pin-dialog').getByRole('button', { name: '取消' }).click()
  await expect(page.getByTestId('detail-status')).toHaveText('尚未確認')
  await detail.getByRole('button', { name: '關閉' }).click()

  // Batch: every remaining 尚未確認 row with one PIN, per-row results.
  await page.getByRole('button', { name: '選取全部尚未確認' }).click()
  await page.getByRole('button', { name: /批次申報相符（4 筆）/ }).click()
  await enterPin(page, '123456')
  await expect(page.getByTestId('decision-summary')).toContainText('4 筆成功')
  await expect(page.getByTestId('row-outcome').and(page.locator('[data-ok="true"]'))).toHaveCount(6) // 2 single + 4 batch

  // Card pulled while the PIN dialog is open: the dialog says so, clears the typed PIN and keeps OK
  // disabled (nothing is sent); re-inserted, it offers to continue with a new ticket for the card.
  await platform.dev('/dev/delegations', { account: 'xiaoming', count: 1, status: 'PENDING' })
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('result-count')).toContainText('1')
  await rows.nth(1).getByTestId('open-row').click()
  await detail.getByRole('button', { name: '申報相符' }).click()
  const dialog = page.getByTestId('pin-dialog')
  await expect(dialog).toHaveAttribute('data-pin-state', 'ready', { timeout: 15_000 })
  await dialog.getByLabel('PIN碼').fill('123456')
  await platform.rig.cards[0].remove()
  await expect(page.getByTestId('card-status')).toHaveText('請插入自然人憑證')
  const gone = dialog.getByTestId('pin-card-gone')
  await expect(gone).toHaveAttribute('data-presence', 'removed')
  await expect(gone).toContainText('卡片已被取出')
  await expect(dialog.getByLabel('PIN碼')).toHaveValue('')
  await expect(dialog.getByRole('button', { name: '確定' })).toBeDisabled()
  await platform.rig.cards[0].insert(MOICA_ATR)
  await expect(gone).toHaveAttribute('data-presence', 'returned', { timeout: 30_000 })
  await expect(gone).toContainText('卡片已重新插入')
  await expect(dialog.getByTestId('pin-other-card')).toHaveCount(0)
  await dialog.getByTestId('pin-continue').click()
  await expect(gone).toHaveCount(0)
  await expect(dialog).toHaveAttribute('data-pin-state', 'ready')
  await dialog.getByRole('button', { name: '取消' }).click()
  await expect(page.getByTestId('detail-status')).toHaveText('尚未確認')
  await detail.getByRole('button', { name: '關閉' }).click()

  // 委任確認紀錄查詢
  await page.getByRole('link', { name: '委任確認紀錄查詢' }).click()
  await expect(page.getByRole('heading', { name: '委任確認紀錄查詢', level: 2 })).toBeVisible()
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('records-count')).toContainText('共 8 筆') // 6 answered here + 2 created answered
  await axeClean(page, '委任確認紀錄查詢')

  // 用戶資料維護 → 個人帳號資料維護
  await page.getByRole('link', { name: '用戶資料維護', exact: true }).click()
  await page.getByLabel('聯絡電話').fill('02-1234-5678')
  await page.getByLabel('地址').fill('臺北市中正區')
  await page.getByRole('button', { name: '儲存' }).click()
  await expect(page.getByTestId('profile-notice')).toHaveText('資料已更新')
  await axeClean(page, '個人帳號資料維護')

  await page.getByRole('button', { name: '登出' }).click()
  await expect(page.getByRole('link', { name: '登入', exact: true })).toBeVisible()
})

test('an EZWay account may query but its confirm buttons are disabled with the reason and a path to enable', async ({
  page,
  platform
}) => {
  await platform.dev('/dev/accounts', {
    account: 'ezway',
    password: 'Ezway1234',
    name: '林美華',
    nationalId: 'B222333440',
    mobile: '0922333444',
    email: 'ez@example.tw'
  })
  await platform.dev('/dev/delegations', { account: 'ezway', count: 2, status: 'PENDING' })
  await page.goto(platform.appUrl)
  await page.getByRole('link', { name: '登入', exact: true }).click()
  await page.getByLabel('帳號').fill('ezway')
  await page.getByLabel('密碼').fill('Ezway1234')
  await page.getByRole('button', { name: '登入', exact: true }).click()
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('result-count')).toContainText('2')
  await expect(page.getByTestId('confirm-disabled-reason')).toContainText('尚未啟用自然人憑證認證')
  // No answer buttons and no selection on the rows; each says why.
  const row = page.getByTestId('results').getByRole('row').nth(1)
  await expect(row.getByRole('checkbox')).toHaveCount(0)
  await expect(row).toContainText('須先啟用自然人憑證認證')
  // ...in full: not cut off at the row's edge (eyes-user: it read 「須先啟用自然人憑證認」).
  const clipped = await row
    .locator('.need-cert, .status-text')
    .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent))
  expect(clipped).toEqual([])
  await row.getByTestId('open-row').click()
  await expect(page.getByTestId('detail').getByRole('button', { name: '申報相符' })).toBeDisabled()
  await expect(page.getByTestId('detail')).toContainText('尚未啟用自然人憑證認證')
  await page.keyboard.press('Escape')
  await page.getByRole('link', { name: '前往用戶資料維護啟用自然人憑證認證' }).click()
  await expect(page.getByTestId('cert-enabled')).toContainText('未啟用')
})
