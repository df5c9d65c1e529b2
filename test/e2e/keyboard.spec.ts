import { expect, type Page } from '@playwright/test'
import { MOICA_ATR } from '../rig/virtual-card'
import { registerCitizen } from './flows'
import { isolatedPlatformTest as test } from './platform-fixture'

// The confirm flow driven by the keyboard alone (Tab, Enter, Space and typing): log in, query,
// open a delegation, 申報相符 with the PIN, then select a row and batch-confirm it. Registration
// before it is set-up, done by the shared (pointer) helper.

type Kind = 'button' | 'link' | 'field' | 'checkbox'

/** Presses Tab until the focused element is of `kind` with the accessible name `name`. */
async function tabTo(page: Page, kind: Kind, name: string | RegExp, maxPresses = 80): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      if (!el) return null
      const input = el as HTMLInputElement
      const label = el.getAttribute('aria-label') ?? (input.labels?.[0]?.textContent ?? el.textContent ?? '')
      const kind = el.tagName === 'A' ? 'link' : el.tagName === 'BUTTON' ? 'button' : input.type === 'checkbox' ? 'checkbox' : ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) ? 'field' : 'other'
      return { kind, name: label.trim() }
    })
    if (focused && focused.kind === kind && (typeof name === 'string' ? focused.name === name : name.test(focused.name))) return
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

  // 查詢
  await tabTo(page, 'button', '查詢')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('result-count')).toContainText('3')
  const rows = page.getByTestId('results').getByRole('row')
  const first = (await rows.nth(1).getByRole('button').first().textContent())?.trim() ?? ''
  const second = (await rows.nth(2).getByRole('button').first().textContent())?.trim() ?? ''

  // Open the first delegation, 申報相符, PIN, Enter.
  await tabTo(page, 'button', first)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('detail')).toBeVisible()
  await tabTo(page, 'button', '申報相符')
  await page.keyboard.press('Enter')
  await expect(page.getByRole('dialog')).toBeVisible()
  await expect(page.getByRole('dialog').getByLabel('PIN碼')).toBeFocused() // the dialog takes focus
  await page.keyboard.type('123456')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('detail-status')).toHaveText('申報相符')
  await expect(page.getByRole('dialog')).toHaveCount(0)

  // Select the second row with Space, batch-confirm it.
  await page.keyboard.press('Shift+Tab') // back into the page from wherever focus landed
  await tabTo(page, 'checkbox', `選取 ${second}`)
  await page.keyboard.press('Space')
  await tabTo(page, 'button', '批次申報相符（1 筆）')
  await page.keyboard.press('Enter')
  await expect(page.getByRole('dialog').getByLabel('PIN碼')).toBeFocused()
  await page.keyboard.type('123456')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('decision-summary')).toContainText('1 筆成功')

  // Escape closes the PIN dialog without sending anything.
  await tabTo(page, 'button', /選取全部尚未確認/)
  await page.keyboard.press('Enter')
  await tabTo(page, 'button', '批次申報相符（1 筆）')
  await page.keyboard.press('Enter')
  await expect(page.getByRole('dialog')).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(page.getByRole('dialog')).toHaveCount(0)
})
