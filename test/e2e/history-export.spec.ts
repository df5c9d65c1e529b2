import { readFileSync } from 'node:fs'
import { expect } from '@playwright/test'
import { loginPassword } from './flows'
import { isolatedPlatformTest as test } from './platform-fixture'

// The offline history from the user's side: export the current query (Excel-safe CSV with BOM,
// formula-injection neutralised) and clear the local copy in 設定.

const USER = {
  account: 'export01',
  password: 'Export1234',
  name: '陳小華',
  nationalId: 'B223456782',
  mobile: '0922000111',
  email: 'ex@example.tw'
}

test('export the current query as CSV and clear the local history', async ({ page, platform }) => {
  await platform.dev('/dev/accounts', USER)
  await platform.dev('/dev/delegations', { account: USER.account, count: 3, status: 'PENDING' })
  await page.goto(platform.appUrl)
  await loginPassword(page, USER.account, USER.password)
  await page.getByRole('button', { name: '查詢' }).click()
  await expect(page.getByTestId('result-count')).toContainText('3')

  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: '匯出 CSV' }).click()
  const file = await (await download).path()
  const csv = readFileSync(file, 'utf8')
  expect(csv.startsWith('\uFEFF')).toBe(true)
  expect(csv).toContain('分提單號碼')
  expect(csv.trim().split('\r\n')).toHaveLength(4) // header + 3 rows

  await page.getByRole('link', { name: '設定' }).click()
  await page.getByTestId('clear-cache').click()
  await expect(page.getByText('確定要清除此帳號保存在本機的委任紀錄？')).toBeVisible()
  await page.getByTestId('clear-cache-confirm').click()
  await expect(page.getByText('已清除本機紀錄。')).toBeVisible()
})
