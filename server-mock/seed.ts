// Deterministic generator of realistic express-parcel delegations and the demo accounts.
import { readFileSync } from 'node:fs'
import { verifyCitizenCertificate, type TrustStore } from './certs'
import { CONFIRMATION_INSERT, DELEGATION_INSERT, nextVersion, type Db, type DelegationRow } from './db'
import { hashPassword } from './passwords'
import { certColumns } from './signed'
import { withCheckDigit } from '../src/shared/identity-number'
import { certificateFromPem } from './x509'

export type Rng = () => number

/** mulberry32: small, fast, deterministic. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T
const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1))
const digits = (rng: Rng, n: number): string => Array.from({ length: n }, () => String(int(rng, 0, 9))).join('')
const ALNUM = [...'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789']
const ID_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789']

interface Carrier {
  name: string
  bill: (rng: Rng) => string
}

const CARRIERS: readonly Carrier[] = [
  { name: '順豐速運 SF Express', bill: (r) => `SF${digits(r, 13)}` },
  { name: 'DHL Express 台灣', bill: (r) => digits(r, 10) },
  { name: 'FedEx 台灣聯邦快遞', bill: (r) => digits(r, 12) },
  { name: 'UPS 優比速', bill: (r) => `1Z${Array.from({ length: 16 }, () => pick(r, ALNUM)).join('')}` },
  { name: '統一速達 黑貓宅急便', bill: (r) => `TC${digits(r, 12)}` },
  { name: '嘉里大榮物流', bill: (r) => `KL${digits(r, 11)}` },
  { name: '新竹物流 HCT', bill: (r) => `HCT${digits(r, 10)}` },
  { name: '中華郵政 EMS', bill: (r) => `EE${digits(r, 9)}TW` },
  { name: '捷利報關行（委任報關）', bill: (r) => `JL${digits(r, 10)}` },
  { name: '宇宙通快遞報關', bill: (r) => `UC${digits(r, 10)}` }
]

const GOODS: readonly string[] = [
  '藍牙無線耳機',
  '保健食品（魚油膠囊）',
  '女用羽絨外套',
  '運動鞋',
  '手機保護殼',
  '兒童積木玩具',
  '咖啡膠囊',
  '化妝水及乳液組',
  '日文書籍',
  '筆記型電腦充電器',
  '寵物飼料',
  '相機鏡頭',
  '機械手錶',
  '烏龍茶葉',
  '不鏽鋼廚房用品',
  'USB-C 充電線',
  '餅乾零食禮盒',
  '動漫模型公仔',
  '瑜珈墊',
  '機車安全帽',
  '智慧手環',
  '維他命錠',
  '嬰兒奶瓶',
  '登山背包',
  '電動牙刷',
  '隱形眼鏡',
  '香水',
  '行動電源'
]

const MISMATCH_REASONS: readonly string[] = [
  '非本人訂購',
  '申報價值與實際購買金額不符',
  '品名與實際購買商品不符',
  '數量不符',
  '未曾委任此報關業者',
  '已退貨，貨物非本人所有'
]

// Airline prefixes: 中華航空 297, 長榮航空 695, 星宇航空 189, 國泰航空 160, 大韓航空 180, 聯邦快遞 023.
const AIRLINE_PREFIXES = ['297', '695', '189', '160', '180', '023'] as const

const DAY_MS = 86_400_000
const TAIPEI_OFFSET_MS = 8 * 3_600_000

function taipeiDate(t: number): string {
  return new Date(t + TAIPEI_OFFSET_MS).toISOString().slice(0, 10)
}

function value(rng: Rng): { currency: string; amount: number } {
  const r = rng()
  if (r < 0.4) return { currency: 'TWD', amount: int(rng, 20, 3000) * 10 }
  if (r < 0.75) return { currency: 'USD', amount: Math.round((5 + rng() * 995) * 100) / 100 }
  return { currency: 'JPY', amount: int(rng, 5, 1000) * 100 }
}

export interface DelegationOverrides {
  houseBillNo?: string
  direction?: 'IMPORT' | 'EXPORT'
  status?: 'PENDING' | 'MATCH' | 'MISMATCH'
  declarationDate?: string
  carrier?: string
  goodsDescription?: string
  quantity?: number
  declaredValue?: number
  currency?: string
}

export interface GeneratedDelegation {
  row: Omit<DelegationRow, 'version'>
  confirmation: {
    decision: 'MATCH' | 'MISMATCH'
    reason: string | null
    confirmedAt: string
    via: 'certificate' | 'app'
  } | null
}

/** One realistic delegation for `nationalId` within the last 90 days of `now`. */
export function generateDelegation(
  rng: Rng,
  nationalId: string,
  now: Date,
  opts: { certificateShare: number; overrides?: DelegationOverrides }
): GeneratedDelegation {
  const o = opts.overrides ?? {}
  const carrier = o.carrier ? { name: o.carrier, bill: (r: Rng) => `DV${digits(r, 10)}` } : pick(rng, CARRIERS)
  const ageDays = int(rng, 0, 89)
  const declaredAt = now.getTime() - ageDays * DAY_MS - int(rng, 0, 10 * 3_600_000)
  const declarationDate = o.declarationDate ?? taipeiDate(declaredAt)
  const baseTime = o.declarationDate
    ? Math.min(Date.parse(`${o.declarationDate}T09:00:00+08:00`), now.getTime())
    : declaredAt
  const pendingShare = ageDays < 14 ? 0.75 : 0.3
  const status = o.status ?? (rng() < pendingShare ? 'PENDING' : rng() < 0.85 ? 'MATCH' : 'MISMATCH')
  const v = value(rng)
  let confirmation: GeneratedDelegation['confirmation'] = null
  if (status !== 'PENDING') {
    const confirmedAt = new Date(Math.min(baseTime + int(rng, 1, 72) * 3_600_000, now.getTime())).toISOString()
    confirmation = {
      decision: status,
      reason: status === 'MISMATCH' ? pick(rng, MISMATCH_REASONS) : null,
      confirmedAt,
      via: rng() < opts.certificateShare ? 'certificate' : 'app'
    }
  }
  const row: Omit<DelegationRow, 'version'> = {
    id: `dlg_${Array.from({ length: 16 }, () => pick(rng, ID_CHARS)).join('')}`,
    national_id: nationalId,
    declaration_date: declarationDate,
    house_bill_no: o.houseBillNo ?? carrier.bill(rng),
    master_bill_no: `${pick(rng, AIRLINE_PREFIXES)}-${digits(rng, 8)}`,
    direction: o.direction ?? (rng() < 0.85 ? 'IMPORT' : 'EXPORT'),
    carrier: carrier.name,
    goods_description: o.goodsDescription ?? pick(rng, GOODS),
    quantity: o.quantity ?? int(rng, 1, 12),
    declared_value: o.declaredValue ?? v.amount,
    currency: o.currency ?? v.currency,
    status,
    reason: confirmation?.reason ?? null,
    confirmed_at: confirmation?.confirmedAt ?? null,
    confirmed_via: confirmation?.via ?? null,
    updated_at: confirmation?.confirmedAt ?? new Date(baseTime).toISOString()
  }
  return { row, confirmation }
}

export interface InsertOptions {
  nationalId: string
  accountId: number | null
  count: number
  now: Date
  certificateShare: number
  cert?: { serial: string | null; cardSerial: string | null } | undefined
  overrides?: DelegationOverrides
}

/** Inserts `count` delegations (and their confirmation records) in one transaction. */
export function insertDelegations(db: Db, rng: Rng, opts: InsertOptions): DelegationRow[] {
  const insertD = db.prepare(DELEGATION_INSERT)
  const insertC = db.prepare(CONFIRMATION_INSERT)
  return db.transaction(() => {
    let version = nextVersion(db, opts.count)
    const rows: DelegationRow[] = []
    for (let i = 0; i < opts.count; i++) {
      const g = generateDelegation(rng, opts.nationalId, opts.now, {
        certificateShare: opts.certificateShare,
        overrides: opts.overrides ?? {}
      })
      const row: DelegationRow = { ...g.row, version: version++ }
      insertD.run(row)
      if (g.confirmation) {
        const viaCert = g.confirmation.via === 'certificate'
        insertC.run({
          delegation_id: row.id,
          national_id: opts.nationalId,
          account_id: opts.accountId,
          decision: g.confirmation.decision,
          reason: g.confirmation.reason,
          confirmed_at: g.confirmation.confirmedAt,
          confirmed_via: g.confirmation.via,
          cert_serial: viaCert ? (opts.cert?.serial ?? null) : null,
          card_serial: viaCert ? (opts.cert?.cardSerial ?? null) : null,
          cert_fingerprint: null,
          challenge_id: null,
          statement: null,
          signature: null
        })
      }
      rows.push(row)
    }
    return rows
  })()
}

export interface DemoAccount {
  account: string
  password: string
  name: string
  nationalId: string
  kind: 'certificate' | 'app'
  certificateEnabled: boolean
  cardSerial: string | null
  /** PIN of the demo card (virtual card / test rig). */
  cardPin: string | null
  mobile: string
}

export interface SeedOptions {
  delegationsPerAccount?: number
  rng?: number
  /** Seed the demo accounts (default true). */
  demoAccounts?: boolean
  /** PEM path of the signing certificate the certificate demo account is bound to. */
  demoCertificatePath?: string
}

/** Creates the demo accounts with their delegations. */
export function seedDemo(db: Db, trust: TrustStore, now: Date, opts: SeedOptions): DemoAccount[] {
  if (opts.demoAccounts === false) return []
  const rng = createRng(opts.rng ?? 20240601)
  const perAccount = opts.delegationsPerAccount ?? 120
  let certName = '王小明'
  const certNationalId = 'A123456789'
  let certCols: ReturnType<typeof certColumns> | null = null
  if (opts.demoCertificatePath) {
    const parsed = certificateFromPem(readFileSync(opts.demoCertificatePath, 'utf8'))
    const verified = verifyCitizenCertificate(parsed.der, trust, now)
    certCols = certColumns(verified)
    certName = verified.name
    if (verified.nationalIdLast4 && !certNationalId.endsWith(verified.nationalIdLast4)) {
      throw new Error('demo certificate does not belong to A123456789')
    }
  }
  const demo: DemoAccount[] = [
    {
      account: 'demo',
      password: 'Demo1234',
      name: certName,
      nationalId: certNationalId,
      kind: 'certificate',
      certificateEnabled: true,
      cardSerial: certCols?.cert_card_serial ?? null,
      cardPin: '123456',
      mobile: '0912345678'
    },
    {
      account: 'ezway',
      password: 'Ezway1234',
      name: '林美華',
      nationalId: withCheckDigit('B22233344'),
      kind: 'app',
      certificateEnabled: false,
      cardSerial: null,
      cardPin: null,
      mobile: '0987654321'
    }
  ]
  // A persistent database seeded earlier keeps its data.
  if (db.prepare(`SELECT 1 FROM accounts WHERE account IN ('demo', 'ezway')`).get()) return demo
  const iso = now.toISOString()
  const insert = db.prepare(
    `INSERT INTO accounts (account, password_hash, name, national_id, category, email, mobile, phone, address, birth_date, registered_via, cert_enabled,
       cert_card_serial, cert_serial, cert_subject, cert_issuer, cert_not_before, cert_not_after, created_at, updated_at)
     VALUES (@account, @password_hash, @name, @national_id, '個人', @email, @mobile, @phone, @address, @birth_date, @registered_via, @cert_enabled,
       @cert_card_serial, @cert_serial, @cert_subject, @cert_issuer, @cert_not_before, @cert_not_after, @now, @now)`
  )
  for (const a of demo) {
    const cols = a.kind === 'certificate' && certCols ? certCols : null
    const info = insert.run({
      account: a.account,
      password_hash: hashPassword(a.password),
      name: a.name,
      national_id: a.nationalId,
      email: `${a.account}@example.tw`,
      mobile: a.mobile,
      phone: '02-2345-6789',
      address: '臺北市中正區重慶南路一段 122 號',
      birth_date: '1985-03-14',
      registered_via: a.kind,
      cert_enabled: a.certificateEnabled ? 1 : 0,
      cert_card_serial: cols?.cert_card_serial ?? null,
      cert_serial: cols?.cert_serial ?? null,
      cert_subject: cols?.cert_subject ?? null,
      cert_issuer: cols?.cert_issuer ?? null,
      cert_not_before: cols?.cert_not_before ?? null,
      cert_not_after: cols?.cert_not_after ?? null,
      now: iso
    })
    insertDelegations(db, rng, {
      nationalId: a.nationalId,
      accountId: Number(info.lastInsertRowid),
      count: perAccount,
      now,
      certificateShare: a.kind === 'certificate' ? 0.7 : 0,
      cert: { serial: cols?.cert_serial ?? null, cardSerial: cols?.cert_card_serial ?? null }
    })
  }
  return demo
}
