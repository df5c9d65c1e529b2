import { join } from 'node:path'
import { expect } from '@playwright/test'
import { appTest } from '../e2e/fixtures'
import { MOICA_ATR } from '../rig/virtual-card'

const test = appTest({ insert: false })
const shots = join(__dirname, '../../docs/screenshots')

test('screens', async ({ page, app }) => {
  await page.setViewportSize({ width: 1100, height: 640 })
  await page.goto(app.appUrl)
  const status = page.getByTestId('card-status')
  await expect(status).toHaveText('請插入自然人憑證')
  await page.screenshot({ path: join(shots, 'status-no-card.png') })
  await app.rig.cards[0].insert(MOICA_ATR)
  await expect(status).toHaveText('讀卡機準備完成')
  await page.screenshot({ path: join(shots, 'status-ready.png') })
  await page.getByRole('link', { name: '環境檢查' }).click()
  await expect(page.getByTestId('reader-list')).toBeVisible()
  await page.screenshot({ path: join(shots, 'diagnostics.png') })
})
