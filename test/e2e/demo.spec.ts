import { expect } from '@playwright/test'
import { appTest } from './fixtures'

// What `npm start` shows with no platform configured: the demo card ready and a clear DEMO label.
const test = appTest({ insert: true, server: true }, { ECCS_DEMO: '1' })

test('demo mode is clearly labelled and the demo card is ready', async ({ page, app }) => {
  await page.goto(app.appUrl)
  await expect(page.getByTestId('demo-badge')).toHaveText('DEMO 示範模式')
  await expect(page.getByText('示範環境：虛擬讀卡機')).toBeVisible()
  await expect(page.getByTestId('card-status')).toHaveText('讀卡機準備完成')
  await page.getByRole('link', { name: '環境檢查' }).click()
  await expect(page.getByText(app.rig.server?.url ?? 'missing')).toBeVisible()
  await page.getByRole('button', { name: 'English' }).click()
  await expect(page.getByTestId('demo-badge')).toHaveText('DEMO mode')
  await expect(page.getByTestId('card-status')).toHaveText('Card reader ready')
})

test('the static shell paints first, and says so when the app bundle cannot load', async ({ page, app }) => {
  // The shell of index.html is what the first frame shows; Vue replaces it once mounted.
  await page.route(/\/assets\/start-app-[^/]+\.js$/, (route) => route.fulfill({ status: 404, body: 'gone' }))
  await page.goto(app.appUrl)
  await expect(page.getByRole('heading', { name: '實名認證桌面用戶端' })).toBeVisible()
  await expect(page.getByRole('status')).toHaveText(
    '無法載入應用程式，請重新啟動。 The app could not be loaded; please restart it.'
  )
  await expect(page.getByTestId('card-status')).toHaveCount(0)
})
