import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configFromEnv, findResourcesDir } from '../../src/main/config'
import { createAppCore, type AppCore } from '../../src/main/core/app-core'
import type { IpcResult } from '../../src/shared/ipc-contract'
import { ApiClient, loginPassword } from '../../server-mock/test-helpers'
import { MOICA_ATR } from '../rig/virtual-card'
import { startRig, type Rig } from '../rig/rig'
import { pinFields } from '../rig/pin-entry'

// The platform IPC channels through the real core on the rig: the SoftHSM card (PIN 123456),
// the private pcscd with a virtual card, and server-mock over HTTPS.

let rig: Rig
let core: AppCore
const events: { event: string; payload: unknown }[] = []

async function call<T = unknown>(channel: string, payload: unknown = {}): Promise<IpcResult<T>> {
  return (await core.dispatch(channel, payload)) as IpcResult<T>
}
function value<T>(r: IpcResult<T>): T {
  if (!r.ok) throw new Error(`IPC failed: ${JSON.stringify(r.error)}`)
  return r.value
}
async function until(pred: () => Promise<boolean>, ms = 45_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await pred())) {
    if (Date.now() > end)
      throw new Error(`timed out; card status: ${JSON.stringify(value(await call('card:getStatus')))}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
const pin = (operation: 'login' | 'decision', value = '123456') =>
  pinFields((c, p) => core.dispatch(c, p), operation, value)
const phase = async () => value(await call<{ phase: string }>('card:getStatus')).phase

beforeAll(async () => {
  rig = await startRig({ server: true })
  Object.assign(process.env, rig.env)
  core = createAppCore(configFromEnv(rig.env, { version: 'test', resourcesDir: findResourcesDir(__dirname) }), 'web')
  core.onEvent((event, payload) => events.push({ event, payload }))
  core.start()
  await rig.cards[0].insert(MOICA_ATR)
  await until(async () => (await phase()) === 'ready')
}, 90_000)

afterAll(async () => {
  await core?.stop()
  await rig?.stop()
})

describe('platform IPC on the rig', () => {
  it('refuses a malformed PIN before touching the card and never echoes it', async () => {
    const r = await call('session:loginCertificate', { ...(await pin('login')), pin: '12ab' })
    expect(r).toEqual({ ok: false, error: { code: 'INVALID_REQUEST', retriable: false, detail: 'pin' } })
  })

  it('a wrong PIN is reported once, not retried, and logs nobody in', async () => {
    const r = await call('session:loginCertificate', await pin('login', '654321'))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('PIN_INCORRECT')
    expect(value(await call('session:get'))).toBeNull()
  })

  it('certificate login, query, single and batch decisions with one PIN each', async () => {
    const session = value(
      await call<{ via: string; profile: { account: string } }>('session:loginCertificate', await pin('login'))
    )
    expect(session).toMatchObject({ via: 'certificate', profile: { account: 'demo' } })
    expect(Object.keys(session).sort()).toEqual(['expiresAt', 'profile', 'via'])
    const page = value(
      await call<{ items: { id: string; houseBillNo: string; status: string }[]; total: number }>('delegations:query', {
        status: 'PENDING',
        pageSize: 10
      })
    )
    expect(page.items.length).toBeGreaterThanOrEqual(4)
    const [a, b, c, d] = page.items
    if (!a || !b || !c || !d) throw new Error('need four pending delegations')

    const recordsBefore = value(await call<{ total: number }>('confirmations:query', {})).total
    // One row is a batch of one (the one decision path).
    const single = value(
      await call<{ results: { id: string; ok: boolean; delegation?: { status: string; reason: string | null } }[] }>(
        'delegations:decideBatch',
        {
          items: [{ id: b.id, houseBillNo: b.houseBillNo, decision: 'MISMATCH', reason: '非本人訂購' }],
          ...(await pin('decision'))
        }
      )
    )
    expect(single.results).toEqual([
      { id: b.id, ok: true, delegation: expect.objectContaining({ status: 'MISMATCH', reason: '非本人訂購' }) }
    ])
    const noReason = await call('delegations:decideBatch', {
      items: [{ id: a.id, houseBillNo: a.houseBillNo, decision: 'MISMATCH', reason: '  ' }],
      ...(await pin('decision'))
    })
    expect(noReason).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })

    const batch = value(
      await call<{ results: { id: string; ok: boolean; error?: { code: string } }[] }>('delegations:decideBatch', {
        items: [a, b, c, d].map((x) => ({ id: x.id, houseBillNo: x.houseBillNo, decision: 'MATCH' })),
        ...(await pin('decision'))
      })
    )
    expect(batch.results.map((r) => [r.id, r.ok, r.error?.code])).toEqual([
      [a.id, true, undefined],
      [b.id, false, 'ALREADY_ANSWERED'],
      [c.id, true, undefined],
      [d.id, true, undefined]
    ])
    // The batch went through the batch operations (one prepare, one decide request for 4 rows), with counts per stage.
    const progress = events
      .filter((e) => e.event === 'card:progress')
      .map((e) => e.payload as { stage: string; done: number; total: number; attempt?: number })
    const batchProgress = progress.slice(
      progress.findLastIndex((p) => p.stage === 'preparing' && p.done === 0 && p.total === 4)
    )
    // The stages overlap (the first attempt may start while the card reports its last signature), so
    // the order of stages and the final counts are checked, not the interleaving.
    const line = (p: (typeof batchProgress)[number]): string =>
      `${p.stage} ${p.done}/${p.total}${p.attempt ? ` attempt ${p.attempt}` : ''}`
    expect(batchProgress.slice(0, 2).map(line)).toEqual(['preparing 0/4', 'preparing 4/4'])
    expect(batchProgress.slice(-2).map(line)).toEqual(['submitting 3/3', 'done 4/4'])
    const order = batchProgress.map((p) => p.stage).filter((x, i, a) => i === 0 || a[i - 1] !== x)
    expect(order).toEqual(['preparing', 'signing', 'submitting', 'done'])
    expect([...new Set(batchProgress.map((p) => p.attempt).filter((a) => a !== undefined))]).toEqual([1]) // no resend
    expect(batchProgress.filter((p) => p.stage === 'signing').at(-1)).toMatchObject({ done: 3, total: 3 })
    const db = rig.server?.db
    if (!db) throw new Error('rig without server')
    const audit = db
      .prepare(`SELECT delegation_id AS id, outcome FROM audit_log WHERE delegation_id IN (?, ?, ?) ORDER BY id`)
      .all(a.id, c.id, d.id)
    expect(audit).toEqual(
      expect.arrayContaining([
        { id: a.id, outcome: 'OK' },
        { id: c.id, outcome: 'OK' },
        { id: d.id, outcome: 'OK' }
      ])
    )
    expect(audit).toHaveLength(3)
    const records = value(await call<{ total: number }>('confirmations:query', {}))
    expect(records.total - recordsBefore).toBe(4)
  })

  it('a challenge that expires while the card signs answers CHALLENGE_EXPIRED for its row; signing again with the PIN succeeds', async () => {
    const page = value(
      await call<{ items: { id: string; houseBillNo: string }[] }>('delegations:query', {
        status: 'PENDING',
        pageSize: 2
      })
    )
    const [x, y] = page.items
    if (!x || !y) throw new Error('need two pending delegations')
    const db = rig.server?.db
    if (!db) throw new Error('rig without server')
    // Once both rows are prepared (their challenges issued) and before the card signs, x's challenge runs
    // out (as if the user had waited > 5 minutes at the PIN pad).
    const expire = (event: string, payload: unknown): void => {
      const p = payload as { stage?: string; done?: number }
      if (event === 'card:progress' && p.stage === 'preparing' && p.done === 2) {
        db.prepare(
          `UPDATE challenges SET expires_at = '2000-01-01T00:00:00.000Z' WHERE delegation_id = ? AND used_at IS NULL`
        ).run(x.id)
      }
    }
    const off = core.onEvent(expire)
    try {
      const first = value(
        await call<{ results: { id: string; ok: boolean; error?: { code: string; retriable: boolean } }[] }>(
          'delegations:decideBatch',
          {
            items: [x, y].map((r) => ({ id: r.id, houseBillNo: r.houseBillNo, decision: 'MATCH' })),
            ...(await pin('decision'))
          }
        )
      )
      expect(first.results.map((r) => [r.id, r.ok, r.error?.code, r.error?.retriable])).toEqual([
        [x.id, false, 'CHALLENGE_EXPIRED', true],
        [y.id, true, undefined, undefined]
      ])
    } finally {
      off()
    }
    expect(value(await call<{ status: string }>('delegations:get', { id: x.id })).status).toBe('PENDING')
    // The user's "sign again" = a new batch for the failed row with the PIN typed again: a fresh challenge, a new signature.
    const again = value(
      await call<{ results: { ok: boolean }[] }>('delegations:decideBatch', {
        items: [{ id: x.id, houseBillNo: x.houseBillNo, decision: 'MATCH' }],
        ...(await pin('decision'))
      })
    )
    expect(again.results.map((r) => r.ok)).toEqual([true])
    expect(value(await call<{ status: string }>('delegations:get', { id: x.id })).status).toBe('MATCH')
  })

  it('rows prepared while the PIN dialog is open are signed with those challenges; one challenge per row', async () => {
    const page = value(
      await call<{ items: { id: string; houseBillNo: string }[] }>('delegations:query', {
        status: 'PENDING',
        pageSize: 2
      })
    )
    const rows = page.items
    if (rows.length !== 2) throw new Error('need two pending delegations')
    const db = rig.server?.db
    if (!db) throw new Error('rig without server')
    const entry = await pin('decision') // the dialog opens …
    const prepared = value(await call<{ prepared: number }>('delegations:prepareBatch', { ids: rows.map((r) => r.id) }))
    expect(prepared).toEqual({ prepared: 2 }) // … and its rows are prepared while the PIN is typed
    const issued = (id: string) =>
      db
        .prepare(`SELECT id, used_at AS usedAt FROM challenges WHERE delegation_id = ? ORDER BY created_at`)
        .all(id) as {
        id: string
        usedAt: string | null
      }[]
    const before = rows.map((r) => issued(r.id))
    expect(before.map((c) => c.length)).toEqual([1, 1])
    const out = value(
      await call<{ results: { ok: boolean }[] }>('delegations:decideBatch', {
        items: rows.map((r) => ({ id: r.id, houseBillNo: r.houseBillNo, decision: 'MATCH' })),
        ...entry
      })
    )
    expect(out.results.map((r) => r.ok)).toEqual([true, true])
    // No second challenge: the decisions used the ones issued while the PIN was typed.
    const after = rows.map((r) => issued(r.id))
    expect(after.map((c) => c.map((x) => x.id))).toEqual(before.map((c) => c.map((x) => x.id)))
    expect(after.every((c) => c[0]?.usedAt !== null)).toBe(true)
    // Malformed requests are refused as any IPC request is.
    expect((await call('delegations:prepareBatch', { ids: [] })).ok).toBe(false)
    expect((await call('delegations:prepareBatch', { ids: ['../etc'] })).ok).toBe(false)
  })

  it('the card pulled while a streamed batch signs: signed rows are submitted once, the rest answer CARD_REMOVED, nothing doubled', async () => {
    if (!rig.server) throw new Error('rig without server')
    const api = new ApiClient(rig.server)
    api.token = await loginPassword(api, 'demo', 'Demo1234')
    const made = (await api.post('/dev/delegations', { account: 'demo', count: 300 })).body.items as {
      id: string
      houseBillNo: string
    }[]
    const entry = await pin('decision')
    let pulled = false
    const off = core.onEvent((event, payload) => {
      const p = payload as { stage?: string; counts?: { signed: number } }
      // Once the card has signed some rows (the first submissions may be under way), it leaves the reader.
      if (event === 'card:progress' && !pulled && (p.counts?.signed ?? 0) >= 16) {
        pulled = true
        void rig.cards[0].remove()
      }
    })
    let results: { id: string; ok: boolean; error?: { code: string } }[] = []
    try {
      const r = await call<{ results: typeof results }>('delegations:decideBatch', {
        items: made.map((d) => ({ id: d.id, houseBillNo: d.houseBillNo, decision: 'MATCH' })),
        ...entry
      })
      results = value(r).results
    } finally {
      off()
    }
    expect(pulled).toBe(true)
    const ok = results.filter((r) => r.ok).map((r) => r.id)
    const failed = results.filter((r) => !r.ok)
    expect(ok.length).toBeGreaterThanOrEqual(16)
    expect(failed.length).toBeGreaterThan(0) // 300 signatures take longer than the removal
    expect(new Set(failed.map((r) => r.error?.code))).toEqual(new Set(['CARD_REMOVED']))
    // The platform holds exactly the rows reported ok, each once; the others are still 尚未確認.
    const db = rig.server.db
    const recorded = db
      .prepare(
        `SELECT delegation_id AS id, COUNT(*) AS n FROM confirmations WHERE delegation_id IN (${made.map(() => '?').join(',')}) GROUP BY delegation_id`
      )
      .all(...made.map((d) => d.id)) as { id: string; n: number }[]
    expect(recorded.map((r) => r.id).sort()).toEqual([...ok].sort())
    expect(recorded.every((r) => r.n === 1)).toBe(true)
    await rig.cards[0].insert(MOICA_ATR)
    await until(async () => (await phase()) === 'ready')
  })

  it('a removed card fails the decision with a card error and submits nothing', async () => {
    const page = value(
      await call<{ items: { id: string; houseBillNo: string }[] }>('delegations:query', {
        status: 'PENDING',
        pageSize: 1
      })
    )
    const item = page.items[0]
    if (!item) throw new Error('need a pending delegation')
    const fields = await pin('decision') // the dialog was shown with the card in
    await rig.cards[0].remove()
    await until(async () => (await phase()) === 'no-card')
    const r = await call('delegations:decideBatch', {
      items: [{ id: item.id, houseBillNo: item.houseBillNo, decision: 'MATCH' }],
      ...fields
    })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('CARD_REMOVED')
    expect(value(await call<{ status: string }>('delegations:get', { id: item.id })).status).toBe('PENDING')
  })

  it('logout forgets the session; api:status reports online', async () => {
    expect(value(await call<{ state: string }>('api:getStatus')).state).toBe('online')
    value(await call('session:logout'))
    const r = await call('profile:get')
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('SESSION_EXPIRED')
  })
})
