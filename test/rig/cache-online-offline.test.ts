import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DelegationCache, type SyncPage } from '../../src/main/cache'
import type { Delegation, DelegationQuery } from '../../src/shared/delegation'
import { loadOrGenerateTestPki } from '../../server-mock/test-pki'
import {
  decisionBody,
  getChallenge,
  loginPassword,
  startTestServer,
  type ApiClient,
  type TestServer
} from '../../server-mock/test-helpers'

// The offline cache against the real server-mock over HTTPS: sync everything through GET /sync,
// then the same filters, sorts and pages answered offline must equal GET /delegations online;
// a signed decision made online reaches the cache through the next incremental sync.

let t: TestServer
let api: ApiClient
let dir: string
let cache: DelegationCache
const pageSizes: number[] = []

function fetchChanges(client: ApiClient) {
  return async (cursor: string | null): Promise<SyncPage> => {
    const res = await client.get<SyncPage>(`/sync?limit=150${cursor ? `&cursor=${cursor}` : ''}`)
    if (res.status !== 200) throw new Error(`sync ${res.status} ${JSON.stringify(res.body)}`)
    pageSizes.push(res.body.changes.length)
    return res.body
  }
}

function toSearch(q: Partial<DelegationQuery>): string {
  return new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)])).toString()
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cache-online-'))
  // A larger seed than the default; the demo account stays bound to the test PKI's valid card.
  const demoCertificatePath = join(dir, 'valid-sign.pem')
  writeFileSync(demoCertificatePath, (await loadOrGenerateTestPki()).citizens.valid.signCertPem)
  t = await startTestServer({ seed: { delegationsPerAccount: 700, rng: 7, demoCertificatePath } })
  api = t.api.withToken(await loginPassword(t.api, 'demo', 'Demo1234'))
  cache = DelegationCache.open({ userDataDir: dir, accountId: 'demo' })
}, 120_000)

afterAll(async () => {
  expect(t.server.responseViolations).toEqual([])
  cache?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
  await t?.close()
})

async function online(q: Partial<DelegationQuery>): Promise<{ items: Delegation[]; total: number }> {
  const res = await api.get<{ items: Delegation[]; total: number }>(`/delegations?${toSearch(q)}`)
  if (res.status !== 200) throw new Error(`list ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

describe('offline cache vs server-mock', () => {
  it('syncs every delegation of the account in pages and answers every filter/sort/page combination as the server does', async () => {
    const progress: number[] = []
    const result = await cache.sync(fetchChanges(api), (n) => progress.push(n))
    const all = await online({ pageSize: 500 })
    expect(all.total).toBe(700)
    expect(result.applied).toBe(700)
    expect(pageSizes.filter((n) => n === 150)).toHaveLength(4)
    expect(progress.at(-1)).toBe(700)
    expect(cache.info().rows).toBe(700)

    // Filter values taken from the data, so every filter selects something.
    const sample = all.items
    const dates = sample.map((d) => d.declarationDate).sort()
    const mid = dates[Math.floor(dates.length / 2)] as string
    const early = dates[Math.floor(dates.length / 5)] as string
    const late = dates[Math.floor((dates.length * 4) / 5)] as string
    const bill = (sample[17] as Delegation).houseBillNo
    const filters: Partial<DelegationQuery>[] = [
      {},
      { direction: 'IMPORT' },
      { direction: 'EXPORT' },
      { status: 'PENDING' },
      { status: 'MATCH' },
      { status: 'MISMATCH' },
      { dateFrom: mid },
      { dateTo: mid },
      { dateFrom: early, dateTo: late },
      { dateFrom: mid, dateTo: mid },
      { direction: 'IMPORT', status: 'PENDING', dateFrom: early },
      { direction: 'EXPORT', status: 'MATCH', dateTo: late },
      { houseBillNo: bill },
      { houseBillNo: bill.toLowerCase() },
      { houseBillNo: 'NOSUCHBILL1' },
      { direction: 'IMPORT', houseBillNo: bill }
    ]
    const sorts = ['declarationDate', 'houseBillNo', 'status', 'declaredValue', 'updatedAt', 'confirmedAt'].flatMap(
      (f) => [`${f}:asc`, `${f}:desc`]
    )
    const pages: [number, number][] = [
      [1, 50],
      [2, 7],
      [3, 100],
      [1, 500],
      [40, 10]
    ]
    let compared = 0
    for (const f of filters) {
      for (const [i, sort] of sorts.entries()) {
        const [page, pageSize] = pages[(i + compared) % pages.length] as [number, number]
        const q = { ...f, sort, page, pageSize }
        const [on, off] = [await online(q), cache.query(q)]
        expect(off.total, JSON.stringify(q)).toBe(on.total)
        expect(off.items, JSON.stringify(q)).toEqual(on.items)
        compared++
      }
    }
    expect(compared).toBe(filters.length * sorts.length)
  }, 120_000)

  it('brings an online decision and new delegations into the cache with the next incremental sync', async () => {
    const created = await t.api.post<{ items: Delegation[] }>('/dev/delegations', {
      account: 'demo',
      count: 3,
      houseBillNo: 'SF900000000077'
    })
    expect(created.status).toBe(201)
    const [a] = created.body.items as [Delegation]
    const challenge = await getChallenge(api, 'decision', { delegationId: a.id })
    const decided = await api.post<{ delegation: Delegation }>(
      `/delegations/${a.id}/decision`,
      decisionBody(t.server.origin, challenge, t.pki.citizens.valid, a, 'MATCH', undefined, 'cache-sync-key-01')
    )
    expect(decided.status, JSON.stringify(decided.body)).toBe(200)
    // Online answer refreshes the cache at once …
    cache.upsert([decided.body.delegation])
    expect(cache.query({ houseBillNo: 'SF900000000077' }).items).toEqual([decided.body.delegation])
    // … and the incremental sync brings all three, starting from the stored cursor.
    pageSizes.length = 0
    const result = await cache.sync(fetchChanges(api))
    expect(result.applied).toBe(3)
    expect(pageSizes).toEqual([3])
    const q = { houseBillNo: 'SF900000000077', sort: 'updatedAt:desc' }
    expect(cache.query(q).items).toEqual((await online(q)).items)
    expect(cache.query({ ...q, sort: 'status:asc' }).items.map((d) => d.status)).toEqual([
      'MATCH',
      'PENDING',
      'PENDING'
    ])
    expect(cache.query({ pageSize: 1 }).total).toBe(703)
    expect((await cache.sync(fetchChanges(api))).applied).toBe(0)
  }, 60_000)
})
