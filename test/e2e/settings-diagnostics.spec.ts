import { expect } from '@playwright/test'
import { MOICA_ATR } from '../rig/virtual-card'
import { axeClean } from './flows'
import { platformTestWith } from './platform-fixture'

// 設定 with a machine policy locking two keys, and 環境檢查 with "copy support info", on the rig.
const test = platformTestWith({ policy: { autoUpdate: false, updateChannel: 'latest' } })
test.describe.configure({ mode: 'serial' })

test('settings: policy-locked fields are locked, others save; the language choice persists', async ({
  page,
  platform
}) => {
  await page.goto(platform.appUrl)
  await page.getByRole('link', { name: '設定', exact: true }).click()
  const table = page.getByTestId('settings-table')
  await expect(table.locator('tr[data-locked="true"]')).toHaveCount(2)
  await expect(page.getByLabel('更新管道')).toBeDisabled()
  await expect(page.getByLabel('自動更新')).toBeDisabled()
  await expect(page.getByLabel('憑證廢止檢查')).toBeEnabled()
  await expect(table.locator('tr[data-key="updateChannel"]')).toContainText('由電腦管理原則鎖定')
  await expect(table.locator('tr[data-key="apiBaseUrl"]')).toContainText('啟動環境')
  await expect(page.getByTestId('policy-state')).toContainText('已套用')
  await axeClean(page, '設定')

  await page.getByLabel('記錄檔層級').selectOption('debug')
  await page.getByLabel('離線紀錄保存天數').fill('30')
  await page.getByRole('button', { name: '儲存設定' }).click()
  await expect(page.getByTestId('settings-notice')).toContainText('設定已儲存')
  await expect(table.locator('tr[data-key="logLevel"] td.source')).toHaveText('個人設定')

  await page.getByLabel('English').check()
  await expect(page.getByRole('heading', { name: 'Settings', level: 2 })).toBeVisible()
  await page.reload()
  await expect(page.getByRole('heading', { name: 'Settings', level: 2 })).toBeVisible()
  await expect(page.getByLabel('Log level')).toHaveValue('debug')
  await expect(page.getByLabel('Days the offline history is kept')).toHaveValue('30')
  await expect(page.locator('html')).toHaveAttribute('lang', 'en')
  await page.getByLabel('中文（台灣）').check()
  await expect(page.getByRole('heading', { name: '設定', level: 2 })).toBeVisible()
})

test('diagnostics: every check in detail, and the support info copied is redacted', async ({
  page,
  platform,
  context
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(platform.appUrl).origin })
  await page.goto(platform.appUrl)
  await platform.rig.cards[0].insert(MOICA_ATR)
  await expect(page.getByTestId('card-status')).toHaveText('讀卡機準備完成', { timeout: 30_000 })
  await page.getByRole('link', { name: '環境檢查' }).click()
  for (const id of ['pcsc', 'reader', 'card', 'module', 'chain', 'api', 'policy']) {
    await expect(page.locator(`[data-check="${id}"]`)).toHaveAttribute('data-ok', 'true')
  }
  await expect(page.getByTestId('support-text')).toHaveValue(/card: ready/)
  await axeClean(page, '環境檢查')
  await page.getByRole('button', { name: '複製支援資訊' }).click()
  await expect(page.getByTestId('copy-state')).toHaveText('已複製到剪貼簿')
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  expect(copied).toContain('chain: valid')
  expect(copied).toMatch(/api probe: reachable in \d+ ms/)
  expect(copied).toContain('policy: valid; locked: autoUpdate, updateChannel')
  expect(copied).not.toContain(platform.rig.pki.citizens.valid.nationalId)
  expect(copied).not.toMatch(/token|pin/i)

  // Card removed: the checks follow.
  await platform.rig.cards[0].remove()
  await expect(page.locator('[data-check="card"]')).toHaveAttribute('data-ok', 'false')
  await expect(page.getByTestId('support-text')).toHaveValue(/card: no-card/)
})
