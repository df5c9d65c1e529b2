import AxeBuilder from '@axe-core/playwright'
import { expect, type Page } from '@playwright/test'
import type { PlatformApp } from './platform-fixture'

// Steps several specs share: 自然人憑證註冊 of the rig's citizen, 一般用戶 login, PIN entry, axe.
// `shot` (optional) is called at each screen worth a screenshot.

export type Shot = (name: string, opts?: { fullPage?: boolean }) => Promise<void>
const noShot: Shot = async () => undefined

export async function axeClean(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze()
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${screen}: ${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

export async function registerCitizen(
  page: Page,
  platform: PlatformApp,
  account: string,
  password: string,
  shot: Shot = noShot
): Promise<void> {
  await page.getByRole('link', { name: '註冊', exact: true }).click()
  await expect(page.getByTestId('env-result')).toContainText('檢查通過')
  await shot('register-1-environment')
  await page.getByRole('button', { name: '下一步' }).click()
  await page.getByLabel('身分證號或統一編號').fill('A123456789')
  await page.getByLabel('PIN碼').fill('123456')
  await shot('register-2-identity')
  await page.getByRole('button', { name: '執行身分驗證' }).click()
  await expect(page.getByText('身分驗證完成：王小明')).toBeVisible()
  // Seed 003's required *出生年月日, *聯絡電話, *聯絡地址.
  await page.getByLabel('出生年月日').fill('1990/01/02')
  await page.getByLabel('聯絡電話').fill('02-2345-6789')
  await page.getByLabel('聯絡地址').fill('臺北市中正區')
  await page.getByLabel('帳號', { exact: true }).fill(account)
  await page.getByLabel('設定登入密碼').fill(password)
  await page.getByLabel('確認密碼').fill(password)
  await page.getByLabel('Email1', { exact: true }).fill('xm@example.tw')
  await page.getByLabel('手機號碼').fill('0911222333')
  await page.getByRole('button', { name: '傳送簡訊碼' }).click()
  await expect(page.getByText('驗證碼已傳送至 0911***333')).toBeVisible()
  await page.getByLabel('驗證碼').fill(platform.lastSmsCode())
  await page.getByLabel('個資閱讀宣告').check()
  await shot('register-3-data', { fullPage: true })
  await page.getByRole('button', { name: '送出' }).click()
  await expect(page.getByTestId('reg-success')).toHaveText('註冊成功')
  await shot('register-4-success')
  await page.getByRole('link', { name: '回首頁' }).click()
}

export async function loginPassword(page: Page, account: string, password: string): Promise<void> {
  await page.getByRole('link', { name: '登入', exact: true }).click()
  await page.getByLabel('帳號').fill(account)
  await page.getByLabel('密碼').fill(password)
  await page.getByRole('button', { name: '登入', exact: true }).click()
}

export async function enterPin(page: Page, pin: string): Promise<void> {
  const dialog = page.getByTestId('pin-dialog')
  await dialog.getByLabel('PIN碼', { exact: true }).fill(pin) // not the tries warning's checkbox, which names the PIN too
  // The dialog holds main's PIN ticket for the card it names (after a wrong PIN: once main's
  // pause is over); a card with wrong PINs behind it needs its tries warning acknowledged.
  await expect(dialog).toHaveAttribute('data-pin-state', /^(ready|confirm|error)$/, { timeout: 15_000 })
  if ((await dialog.getAttribute('data-pin-state')) === 'confirm') await dialog.getByTestId('pin-acknowledge').check()
  await dialog.getByRole('button', { name: '確定' }).click()
}
