import { expect } from '@playwright/test'
import { MOICA_ATR } from '../rig/virtual-card'
import { appTest } from './fixtures'

const test = appTest({ insert: false })

test('status area follows the virtual card: 讀卡機準備完成 on insert, changes within 1 s on removal', async ({
  page,
  app
}) => {
  await page.goto(app.appUrl)
  const status = page.getByTestId('card-status')
  await expect(status).toHaveText('請插入自然人憑證')

  await app.rig.cards[0].insert(MOICA_ATR)
  await expect(status).toHaveText('讀卡機準備完成')
  await expect(page.getByText(app.rig.token.citizen.name)).toBeVisible()

  const removedAt = Date.now()
  await app.rig.cards[0].remove()
  await expect(status).toHaveText('請插入自然人憑證', { timeout: 1000 })
  expect(Date.now() - removedAt).toBeLessThan(1000)

  // And back again: a re-inserted card is picked up without restarting anything.
  await app.rig.cards[0].insert(MOICA_ATR)
  await expect(status).toHaveText('讀卡機準備完成')
})

// Issue 12 item 5: an ATR outside the table is tried, read-only and without a PIN, with the configured
// PKCS#11 module before it is called unsupported — here the rig's module reads it, so it is ready.
// (The unsupported state with reader, ATR and modules tried: test/rig/card-atr-fallback.test.ts.)
test('a card whose ATR is not in the table is tried with the configured module and becomes ready', async ({
  page,
  app
}) => {
  await page.goto(app.appUrl)
  const unknownAtr = '3B8F8001804F0CA000000306030001000000006A'
  await app.rig.cards[0].remove()
  const status = page.getByTestId('card-status')
  await expect(status).toHaveText('請插入自然人憑證')
  await app.rig.cards[1].insert(unknownAtr)
  await expect(status).toHaveText('讀卡機準備完成', { timeout: 30_000 })
  await app.rig.cards[1].remove()
  await expect(status).toHaveText('請插入自然人憑證')
})
