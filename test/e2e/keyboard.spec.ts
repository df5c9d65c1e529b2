import { expect, type Page } from '@playwright/test'
import { MOICA_ATR } from '../rig/virtual-card'
import { registerCitizen } from './flows'
import { isolatedPlatformTest as test } from './platform-fixture'

// The confirm flow driven by the keyboard alone (Tab, Enter, Space, Escape and typing): log in,
// query, 申報相符 on a row (≤ 10 Tab presses from 查詢), 申報不符 with 原因 inline, then select a
// row and batch-confirm it. Registration before it is set-up, done by the shared (pointer) helper.

type Kind = 'button' | 'link' | 'field' | 'checkbox'

/** Presses Tab until the focused element is of `kind` with the accessible name `name`. */
async function tabTo(page: Page, kind: Kind, name: string | RegExp, maxPresses = 80): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      if (!el) return null
      const input = el as HTMLInputElement
      const label = el.getAttribute('aria-label') ?? input.labels?.[0]?.textContent ?? el.textContent ?? ''
      const kind =
        el.tagName === 'A'
          ? 'link'
          : el.tagName === 'BUTTON'
            ? 'button'
            : input.type === 'checkbox'
              ? 'checkbox'
              : ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)
                ? 'field'
                : 'other'
      return { kind, name: label.trim() }
    })
    if (
      focused &&
      focused.kind === kind &&
      (typeof name === 'string' ? focused.name === name : name.test(focused.name))
    )
      return
  }
  throw new Error(`Tab never reached ${kind} "${String(name)}"`)
}

test('confirm flow by keyboard only', async ({ page, platform }) => {
  test.setTimeout(120_000)
  await page.goto(platform.appUrl)
  await platform.rig.cards[0].insert(MOICA_ATR)
  await expect(page.getByTestId('card-status')).toHaveText('讀卡機準備完成', { timeout: 30_000 })
  await registerCitizen(page, platform, 'kbuser', 'Keyboard123')
  await platform.dev('/dev/delegations', { account: 'kbuser', count: 3, status: 'PENDING' })
  await page.goto(platform.appUrl) // start from a fresh page: focus at the top of the document

  // 登入 (一般用戶): Tab to the link, Enter; type; Enter submits.
  await tabTo(page, 'link', '登入')
  await page.keyboard.press('Enter')
  await tabTo(page, 'field', '帳號')
  await page.keyboard.type('kbuser')
  await page.keyboard.press('Tab')
  await page.keyboard.type('Keyboard123')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('logged-in-as')).toContainText('王小明')
  await expect(page.getByRole('heading', { name: '海關實名委任確認' })).toBeVisible()

  // 查詢; Enter moves focus to the results, from where the first row's answer is a few Tabs away.
  await tabTo(page, 'button', '查詢')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('result-count')).toContainText('3')
  await expect(page.getByTestId('result-count')).toBeFocused()
  const rows = page.getByTestId('results').locator('[role="row"][data-id]')
  const bills = await rows.getByTestId('open-row').allTextContents()
  const [first, second, third] = bills.map((b) => b.trim())
  if (!first || !second || !third) throw new Error('three rows expected')

  // 申報相符 on the first row: at most 10 Tab presses from the query (issue 15: ~10).
  await tabTo(page, 'button', `申報相符 ${first}`, 10)
  await page.keyboard.press('Enter')
  const dialog = page.getByTestId('pin-dialog')
  await expect(dialog.getByLabel('PIN碼')).toBeFocused() // the dialog takes focus
  await expect(dialog.getByTestId('pin-signing-item')).toContainText(first)
  await page.keyboard.type('123456')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('pin-dialog')).toHaveCount(0)
  await expect(rows.filter({ hasText: first }).locator('.status-text')).toHaveText('申報相符')

  // 申報不符 on the second row: 原因 typed inline in the row, Enter sends it to the PIN step.
  await tabTo(page, 'button', `申報不符 ${second}`)
  await page.keyboard.press('Enter')
  await expect(page.getByLabel(`原因（分提單號碼 ${second} 申報不符）`)).toBeFocused()
  await page.keyboard.type('非本人訂購')
  await page.keyboard.press('Enter')
  await expect(dialog.getByTestId('pin-signing-item')).toContainText('原因：非本人訂購')
  await page.keyboard.type('123456')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('pin-dialog')).toHaveCount(0)
  await expect(rows.filter({ hasText: second }).locator('.status-text')).toHaveText('申報不符')

  // Select the third row with Space; the batch's PIN dialog closes with Escape, nothing sent.
  await tabTo(page, 'checkbox', `選取 ${third}`)
  await page.keyboard.press('Space')
  await tabTo(page, 'button', '批次申報相符（1 筆）')
  await page.keyboard.press('Enter')
  await expect(dialog.getByLabel('PIN碼')).toBeFocused()
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('pin-dialog')).toHaveCount(0)
  await expect(page.getByRole('button', { name: '批次申報相符（1 筆）' })).toBeFocused() // focus back where it was
  await page.keyboard.press('Enter')
  await page.keyboard.type('123456')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('decision-summary')).toHaveCount(0) // a batch of one reports on its row
  await expect(rows.filter({ hasText: third }).locator('.status-text')).toHaveText('申報相符')
})
