import { test as base, expect, type Page } from '@playwright/test'
import { MOICA_ATR } from '../rig/virtual-card'
import { axeClean, enterPin, loginPassword, registerCitizen } from './flows'
import { startPlatform, type PlatformApp } from './platform-fixture'

// A platform of this file's own (its own worker): the rig's card is registered here, which it
// cannot be on a platform another spec already registered it on.
const test = base.extend<object, { platform: PlatformApp }>({
  platform: [
    async ({}, use) => {
      const p = await startPlatform()
      try {
        await use(p)
      } finally {
        await p.stop()
      }
    },
    { scope: 'worker' }
  ]
})

// The recipient's experience (issue 15): a reload keeps the user where they were; answering on
// the result row with a PIN dialog that names the parcel; an end-before-start query is stopped
// with a message beside the field; times shown in Taipei time.
test.describe.configure({ mode: 'serial' })

const ACCOUNT = 'recipient'
const PASSWORD = 'Recipient123'

/** Taipei wall-clock time of an ISO instant, computed here without the app's date library. */
function taipei(iso: string): string {
  const d = new Date(Date.parse(iso) + 8 * 3_600_000)
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`
}

async function freshLogin(page: Page, appUrl: string): Promise<void> {
  await page.goto(appUrl)
  // Wait until the app knows whether main holds a session (the header shows one or the other).
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="logged-in-as"]') !== null ||
      [...document.querySelectorAll('a')].some((a) => a.textContent?.trim() === '登入')
  )
  if (await page.getByTestId('logged-in-as').isVisible()) return
  await loginPassword(page, ACCOUNT, PASSWORD)
  await expect(page.getByTestId('logged-in-as')).toContainText('王小明')
}

test('register once (set-up for the tests below)', async ({ page, platform }) => {
  test.setTimeout(120_000)
  await page.goto(platform.appUrl)
  await platform.rig.cards[0].insert(MOICA_ATR)
  await expect(page.getByTestId('card-status')).toHaveText('讀卡機準備完成', { timeout: 30_000 })
  await registerCitizen(page, platform, ACCOUNT, PASSWORD)
})

test('a reload on each logged-in page keeps the session and the page (no half state)', async ({ page, platform }) => {
  await platform.dev('/dev/delegations', { account: ACCOUNT, count: 2, status: 'PENDING' })
  await freshLogin(page, platform.appUrl)
  const pages = [
    { link: '海關實名委任確認', hash: '#/delegations', heading: '海關實名委任確認' },
    { link: '委任確認紀錄查詢', hash: '#/records', heading: '委任確認紀錄查詢' },
    { link: '用戶資料維護', hash: '#/profile', heading: '個人帳號資料維護' },
    { link: '首頁', hash: '#/', heading: '首頁' }
  ]
  for (const p of pages) {
    await page.getByRole('link', { name: p.link, exact: true }).click()
    await expect(page.getByRole('heading', { name: p.heading, level: 2 })).toBeVisible()
    await page.reload()
    await expect(page.getByRole('heading', { name: p.heading, level: 2 })).toBeVisible()
    expect(new URL(page.url()).hash).toBe(p.hash)
    await expect(page.getByTestId('logged-in-as')).toContainText('王小明')
    await expect(page.getByRole('heading', { name: '登入', level: 2 })).toHaveCount(0)
  }
  // 首頁 shows both statuses of the manual once logged in.
  await expect(page.getByTestId('registration-status')).toContainText('自然人憑證認證：已啟用')
  await expect(page.getByTestId('confirmation-status')).toContainText('筆尚未確認')

  // The query and its results survive a reload too.
  await page.getByRole('link', { name: '海關實名委任確認', exact: true }).first().click()
  await page.getByLabel('尚未確認').check()
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('result-count')).toContainText('共 2 筆')
  await page.reload()
  await expect(page.getByTestId('result-count')).toContainText('共 2 筆')
  await expect(page.getByLabel('尚未確認')).toBeChecked()

  // After logging out, a reload of a logged-in page shows the login page — and a header that agrees.
  await page.getByRole('button', { name: '登出' }).click()
  await page.goto(`${platform.appUrl.split('#')[0]}#/profile`)
  await expect(page.getByRole('heading', { name: '登入', level: 2 })).toBeVisible()
  await expect(page.getByTestId('logged-in-as')).toHaveCount(0)
})

test('answer on the result row: the PIN dialog names the parcel, the answer and the platform', async ({
  page,
  platform
}) => {
  const created = await platform.dev('/dev/delegations', {
    account: ACCOUNT,
    count: 1,
    status: 'PENDING',
    houseBillNo: 'SF770011223344556677'
  })
  const bill = (created.body as { items: { houseBillNo: string }[] }).items[0]?.houseBillNo ?? 'missing'
  await freshLogin(page, platform.appUrl)
  await page.getByRole('link', { name: '海關實名委任', exact: true }).click()
  await page.getByLabel('分提單號碼').fill(bill)
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('result-count')).toContainText('共 1 筆')
  const row = page.getByTestId('results').locator(`[role="row"][data-id]`).first()
  await expect(row.getByTitle(bill)).toBeVisible() // the full number as tooltip of a truncated cell

  // 申報不符 on the row opens 原因 inline; without one nothing is signed.
  await row.getByRole('button', { name: `申報不符 ${bill}` }).click()
  const reason = row.getByLabel(`原因（分提單號碼 ${bill} 申報不符）`)
  await expect(reason).toBeFocused()
  await row.getByRole('button', { name: '送出申報不符' }).click()
  await expect(row.getByText('申報不符須輸入原因')).toBeVisible()
  await expect(page.getByRole('dialog')).toHaveCount(0)
  await reason.fill('非本人訂購')
  await row.getByRole('button', { name: '送出申報不符' }).click()

  const dialog = page.getByRole('dialog')
  await expect(dialog.getByTestId('pin-signing-item')).toHaveCount(1)
  await expect(dialog.getByTestId('pin-signing-item')).toContainText(bill)
  await expect(dialog.getByTestId('pin-signing-item')).toContainText('申報不符')
  await expect(dialog.getByTestId('pin-signing-item')).toContainText('原因：非本人訂購')
  await expect(dialog.getByTestId('pin-platform')).toContainText(new URL(platform.server.url).host)
  await expect(dialog.getByLabel('PIN碼')).toBeFocused()
  await axeClean(page, 'PIN dialog naming the parcel')
  await enterPin(page, '123456')
  await expect(page.getByRole('dialog')).toHaveCount(0)
  await expect(row.locator('.c-status')).toContainText('申報不符')
  await expect(row.getByTestId('row-outcome')).toHaveAttribute('data-ok', 'true')
})

test('an end date before the start date is stopped before sending, with the message beside the field', async ({
  page,
  platform
}) => {
  await freshLogin(page, platform.appUrl)
  await page.getByRole('link', { name: '海關實名委任', exact: true }).click()
  await page.getByLabel('分提單號碼').fill('')
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('result-count')).toBeVisible()
  let queries = 0
  page.on('request', (r) => {
    if (decodeURIComponent(r.url()).includes('/ipc/delegations:query')) queries++
  })
  await page.getByLabel('報關日期（起）').fill('2026/11/30')
  await page.getByLabel('報關日期（迄）').fill('115/11/01') // ROC year: 2026/11/01
  await page.getByRole('button', { name: '查詢' }).click()
  const to = page.getByLabel('報關日期（迄）')
  await expect(page.getByTestId('date-to-error')).toHaveText(
    '報關日期（迄）早於報關日期（起）。請把迄日改成起日當天或之後，再按查詢。'
  )
  await expect(to).toHaveAttribute('aria-invalid', 'true')
  await expect(to).toBeFocused()
  await expect(page.getByTestId('result-count')).toHaveCount(0) // the previous results are cleared
  expect(queries).toBe(0)
  await axeClean(page, 'end before start')
  await page.getByLabel('報關日期（迄）').fill('115/12/01')
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('date-to-error')).toHaveText('')
  await expect(page.getByTestId('result-count')).toBeVisible()
  expect(queries).toBe(1)
})

test('confirmation times are shown in Taipei time (YYYY/MM/DD HH:mm), also with ROC years', async ({
  page,
  platform
}) => {
  const created = await platform.dev('/dev/delegations', { account: ACCOUNT, count: 1, status: 'MATCH' })
  const item = (created.body as { items: { houseBillNo: string; confirmedAt: string }[] }).items[0]
  if (!item) throw new Error('no delegation created')
  await freshLogin(page, platform.appUrl)
  await page.getByRole('link', { name: '海關實名委任', exact: true }).click()
  await page.getByLabel('報關日期（起）').fill('')
  await page.getByLabel('報關日期（迄）').fill('')
  await page.getByLabel('分提單號碼').fill(item.houseBillNo)
  await page.getByRole('button', { name: '查詢' }).click()
  await page.getByTestId('results').getByRole('button', { name: item.houseBillNo, exact: true }).click()
  await expect(page.getByTestId('detail-confirmed-at')).toHaveText(taipei(item.confirmedAt))
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('detail')).not.toBeVisible()

  await page.getByRole('link', { name: '委任確認紀錄查詢' }).click()
  await expect(page.getByRole('heading', { name: '委任確認紀錄查詢', level: 2 })).toBeVisible()
  await page.getByRole('button', { name: '查詢' }).click()
  const cells = page.getByTestId('record-confirmed-at')
  await expect(cells.first()).toHaveText(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}$/)
  await expect(page.getByTestId('records')).toContainText(taipei(item.confirmedAt))

  // 設定 → 以民國年顯示日期
  await page.getByRole('link', { name: '設定', exact: true }).click()
  await page.getByTestId('roc-years').check()
  await page.getByRole('link', { name: '海關實名委任', exact: true }).click()
  await page.getByTestId('results').getByRole('button', { name: item.houseBillNo, exact: true }).click()
  const roc = taipei(item.confirmedAt).replace(/^(\d{4})/, (y) => `民國 ${Number(y) - 1911}`)
  await expect(page.getByTestId('detail-confirmed-at')).toHaveText(roc)
  await page.keyboard.press('Escape')
  await page.getByRole('link', { name: '設定', exact: true }).click()
  await page.getByTestId('roc-years').uncheck()
})
