import { expect } from '@playwright/test'
import { RESIDENT_NAME } from '../../server-mock/test-pki'
import { MOICA_ATR } from '../rig/virtual-card'
import { axeClean } from './flows'
import { platformTestWith } from './platform-fixture'

// Issue 13, must show: on the rig, a card holder whose identity number is a NEW-FORMAT 統一證號
// (A800000014) and whose certificate CN is 64 characters (the X.509 maximum) registers, typing the
// ID in full width as a Chinese IME gives it, and the mobile number as people write it.
const test = platformTestWith({ variant: 'resident' })

test('a resident with a new-format 統一證號 and a 64-character certificate name registers, typing the ID in full width', async ({
  page,
  platform
}) => {
  test.setTimeout(120_000)
  expect([...RESIDENT_NAME]).toHaveLength(64)
  await page.goto(platform.appUrl)
  await platform.rig.cards[0].insert(MOICA_ATR)
  await expect(page.getByTestId('card-status')).toHaveText('讀卡機準備完成', { timeout: 30_000 })

  await page.getByRole('link', { name: '註冊', exact: true }).click()
  await expect(page.getByTestId('env-result')).toContainText('檢查通過')
  await page.getByRole('button', { name: '下一步' }).click()

  // 身分證號或統一編號, typed key by key in full width (Ａ８００…): the field shows the folded number.
  const id = page.getByLabel('身分證號或統一編號')
  await id.pressSequentially('Ａ８００００００１４')
  await expect(id).toHaveValue('A800000014')
  await expect(page.getByTestId('id-kind')).toHaveText('外來人口統一證號（新式）')
  await expect(page.getByTestId('verify-reason')).toHaveText('請輸入 6 至 8 位數字的 PIN碼。')
  await page.getByLabel('PIN碼').pressSequentially('１２３４５６')
  await expect(page.getByLabel('PIN碼')).toHaveValue('123456')
  await expect(page.getByTestId('verify-reason')).toHaveCount(0)
  await axeClean(page, '身分驗證 (統一證號)')
  await page.getByRole('button', { name: '執行身分驗證' }).click()
  await expect(page.getByText(`身分驗證完成：${RESIDENT_NAME}`)).toBeVisible()

  // The name is the certificate's, all 64 characters, and the platform takes it.
  await expect(page.getByLabel('姓名')).toHaveValue(RESIDENT_NAME)
  await page.getByLabel('出生年月日').fill('1990/01/02')
  await page.getByLabel('聯絡電話').fill('02-2345-6789')
  await page.getByLabel('聯絡地址').fill('臺北市中正區')
  await page.getByLabel('帳號', { exact: true }).fill('maria64')
  await page.getByLabel('設定登入密碼').fill('Secret123')
  await page.getByLabel('確認密碼').fill('Secret123')
  await page.getByLabel('Email1', { exact: true }).fill('maria@example.tw')
  const mobile = page.getByLabel('手機號碼')
  await expect(page.getByTestId('sms-reason')).toBeVisible()
  await mobile.pressSequentially('0911-222-333')
  await expect(mobile).toHaveValue('0911222333')
  await expect(page.getByTestId('sms-reason')).toHaveCount(0)
  await page.getByRole('button', { name: '傳送簡訊碼' }).click()
  await expect(page.getByText('驗證碼已傳送至 0911***333')).toBeVisible()
  await page.getByLabel('驗證碼').fill(platform.lastSmsCode())
  await expect(page.getByTestId('submit-reason')).toHaveText('請勾選個資閱讀宣告。')
  await page.getByLabel('個資閱讀宣告').check()
  await axeClean(page, '資料填寫 (64-character name)')
  await page.getByRole('button', { name: '送出' }).click()
  await expect(page.getByTestId('reg-success')).toHaveText('註冊成功')

  // The account exists under the full number, bound to this card, and logs in.
  const account = platform.server.db
    .prepare(`SELECT name, national_id, cert_card_serial FROM accounts WHERE account = 'maria64'`)
    .get()
  expect(account).toEqual({
    name: RESIDENT_NAME,
    national_id: 'A800000014',
    cert_card_serial: platform.rig.pki.citizens.resident.cardSerial
  })
  await page.getByRole('link', { name: '回首頁' }).click()
  await page.getByLabel('帳號').fill('maria64')
  await page.getByLabel('密碼').fill('Secret123')
  await page.getByRole('button', { name: '登入', exact: true }).click()
  await expect(page.getByTestId('logged-in-as')).toContainText(RESIDENT_NAME)
})
