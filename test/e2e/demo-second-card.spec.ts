import { expect } from '@playwright/test'
import { RESIDENT_NAME } from '../../server-mock/test-pki'
import { DEMO_SECOND_CARD } from '../rig/demo-cards'
import { appTest } from './fixtures'
import { axeClean } from './flows'

// Issue 15, items 8–9, as `npm start` sets the demo up: card 1 (王小明, registered as "demo") in
// the virtual reader, card 2 (the resident, no account, its own PIN) swapped in by the DEMO
// CONTROL; a newcomer registers with card 2 end to end, checking the account name with
// [檢核是否存在] and filling seed 003's required fields, then logs in with the new account.
const test = appTest({ insert: true, server: true, secondCard: DEMO_SECOND_CARD }, { ECCS_DEMO: '1' })

test('the demo’s second card registers end to end, with [檢核是否存在] answering beside 帳號', async ({
  page,
  app
}) => {
  test.setTimeout(180_000)
  const server = app.rig.server
  if (!server) throw new Error('the demo rig has no server')
  await page.goto(app.appUrl)
  await expect(page.getByTestId('demo-badge')).toHaveText('DEMO 示範模式')
  await expect(page.getByTestId('card-status')).toHaveText('讀卡機準備完成', { timeout: 30_000 })
  await expect(page.getByText('持卡人：王小明')).toBeVisible()

  // DEMO CONTROL (Enter in the demo's terminal): card 2 goes into the reader.
  const second = await app.rig.swapCard()
  expect(second.pin).toBe('246810')
  expect(second.citizen.nationalId).toBe('A800000014')
  await expect(page.getByText(`持卡人：${RESIDENT_NAME}`)).toBeVisible({ timeout: 30_000 })
  await expect(page.getByTestId('card-status')).toHaveText('讀卡機準備完成')

  await page.getByRole('link', { name: '註冊', exact: true }).click()
  await expect(page.getByTestId('env-result')).toContainText('檢查通過')
  await page.getByRole('button', { name: '下一步' }).click()
  await page.getByLabel('身分證號或統一編號').fill('A800000014')
  await page.getByLabel('PIN碼').fill(DEMO_SECOND_CARD.pin)
  await page.getByRole('button', { name: '執行身分驗證' }).click()
  await expect(page.getByText(`身分驗證完成：${RESIDENT_NAME}`)).toBeVisible({ timeout: 30_000 })

  // [檢核是否存在]: "demo" is card 1's account; "maria64" is free.
  const account = page.getByLabel('帳號', { exact: true })
  const check = page.getByRole('button', { name: '檢核是否存在' })
  const answer = page.getByTestId('account-check-result')
  await account.fill('demo')
  await check.click()
  await expect(answer).toHaveText('帳號 demo 已有人使用，請換一個帳號。')
  await account.fill('maria64')
  await expect(answer).toHaveText('')
  await check.click()
  await expect(answer).toHaveText('帳號 maria64 目前沒有人使用，可以使用。（送出時才會保留）')

  await page.getByLabel('設定登入密碼').fill('Secret123')
  await page.getByLabel('確認密碼').fill('Secret123')
  await page.getByLabel('Email1', { exact: true }).fill('maria@example.tw')
  await page.getByLabel('手機號碼').fill('0911-222-333')
  await page.getByRole('button', { name: '傳送簡訊碼' }).click()
  await expect(page.getByText('驗證碼已傳送至 0911***333')).toBeVisible()
  const lines = (await import('node:fs')).readFileSync(server.smsOutboxPath, 'utf8').trim().split('\n')
  await page.getByLabel('驗證碼').fill((JSON.parse(lines.at(-1) ?? '{}') as { code: string }).code)
  await page.getByLabel('個資閱讀宣告').check()
  // Seed 003's *出生年月日, *聯絡電話, *聯絡地址: 送出 names the ones still empty.
  const reason = page.getByTestId('submit-reason')
  await expect(reason).toHaveText('請填寫必填欄位：出生年月日、聯絡電話、聯絡地址。')
  await expect(page.getByRole('button', { name: '送出' })).toBeDisabled()
  await page.getByLabel('出生年月日').fill('79/03/14')
  await page.getByLabel('聯絡電話').fill('02-2345-6789')
  await expect(reason).toHaveText('請填寫必填欄位：聯絡地址。')
  await page.getByLabel('聯絡地址').fill('臺北市中正區忠孝西路一段 1 號')
  await expect(reason).toHaveCount(0)
  await axeClean(page, '資料填寫 (demo card 2, account checked)')
  await page.getByRole('button', { name: '送出' }).click()
  await expect(page.getByTestId('reg-success')).toHaveText('註冊成功')

  const row = server.db
    .prepare(
      `SELECT name, national_id, birth_date, phone, address, cert_card_serial FROM accounts WHERE account = 'maria64'`
    )
    .get()
  expect(row).toEqual({
    name: RESIDENT_NAME,
    national_id: 'A800000014',
    birth_date: '1990-03-14',
    phone: '02-2345-6789',
    address: '臺北市中正區忠孝西路一段 1 號',
    cert_card_serial: app.rig.pki.citizens.resident.cardSerial
  })
  await page.getByRole('link', { name: '回首頁' }).click()
  await page.getByLabel('帳號').fill('maria64')
  await page.getByLabel('密碼').fill('Secret123')
  await page.getByRole('button', { name: '登入', exact: true }).click()
  await expect(page.getByTestId('logged-in-as')).toContainText(RESIDENT_NAME)
})
