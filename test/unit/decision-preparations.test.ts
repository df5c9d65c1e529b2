import { describe, expect, it } from 'vitest'
import type { PrepareDecisionsResult } from '../../src/main/api/api-schemas'
import type { PlatformClient } from '../../src/main/api/platform-client'
import { DecisionPreparations } from '../../src/main/core/decision-preparations'
import { AppError } from '../../src/shared/errors'
import { delegation } from './delegation-fixture'

// Rows prepared while the PIN dialog is open, against a stand-in platform that answers
// prepareDecisions (and can be held, fail, or answer a row as already answered).

function platform(opts: { answered?: Set<string>; fail?: boolean } = {}) {
  const requests: string[][] = []
  let waiting: (() => void)[] = []
  let hold = false
  const api = {
    prepareDecisions: async (ids: string[]): Promise<PrepareDecisionsResult> => {
      requests.push(ids)
      if (hold) await new Promise<void>((r) => waiting.push(r))
      if (opts.fail) throw new AppError('NETWORK_UNREACHABLE')
      return {
        items: ids.map((id, k) =>
          opts.answered?.has(id)
            ? {
                delegationId: id,
                ok: false as const,
                delegation: delegation(id, 'MATCH'),
                error: { code: 'DELEGATION_ALREADY_ANSWERED', message: 'x', retriable: false, status: 409 }
              }
            : {
                delegationId: id,
                ok: true as const,
                delegation: delegation(id),
                challenge: {
                  challengeId: `ch_${String(requests.length)}_${k}`.padEnd(25, 'x'),
                  nonce: 'n'.repeat(44),
                  purpose: 'decision' as const,
                  expiresAt: '2026-03-02T00:05:00.000Z'
                }
              }
        )
      }
    }
  }
  return {
    api: api as unknown as PlatformClient,
    requests,
    hold: () => (hold = true),
    release: () => {
      hold = false
      const w = waiting
      waiting = []
      for (const r of w) r()
    }
  }
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `dlg_${String(i).padStart(16, '0')}`)
const hb = (id: string): string => `HB${id.slice(-4)}`

describe('DecisionPreparations (rows prepared while the PIN is typed)', () => {
  it('prepares each row once (≤ 100 per request), hands each out once, for its 分提單號碼 only', async () => {
    const p = platform()
    const store = new DecisionPreparations()
    const rows = ids(150)
    expect(await store.prepare(p.api, rows)).toBe(150)
    expect(p.requests.map((r) => r.length)).toEqual([100, 50])
    expect(await store.prepare(p.api, rows.slice(0, 10))).toBe(10) // already held: no request
    expect(p.requests).toHaveLength(2)
    const first = await store.take(rows[0] as string, hb(rows[0] as string))
    expect(first).toMatchObject({ delegation: { id: rows[0], status: 'PENDING' }, nonce: 'n'.repeat(44) })
    expect(await store.take(rows[0] as string, hb(rows[0] as string))).toBeNull() // a challenge is used once
    expect(await store.take(rows[1] as string, 'OTHER')).toBeNull() // another 分提單號碼: prepared again later
    expect(await store.take(rows[1] as string, hb(rows[1] as string))).toBeNull() // and not kept
    expect(store.size).toBe(148)
  })

  it('rows the platform refuses and failed requests are not held; it never throws', async () => {
    const rows = ids(3)
    const p = platform({ answered: new Set([rows[1] as string]) })
    const store = new DecisionPreparations()
    expect(await store.prepare(p.api, rows)).toBe(2)
    expect(await store.take(rows[1] as string, hb(rows[1] as string))).toBeNull()
    const down = platform({ fail: true })
    expect(await new DecisionPreparations().prepare(down.api, rows)).toBe(0)
  })

  it('take waits for a preparation still in flight instead of asking again', async () => {
    const p = platform()
    const store = new DecisionPreparations()
    const rows = ids(2)
    p.hold()
    const preparing = store.prepare(p.api, rows)
    const second = store.prepare(p.api, rows) // the dialog opened twice: one request
    const taking = store.take(rows[0] as string, hb(rows[0] as string))
    await new Promise((r) => setTimeout(r, 5))
    p.release()
    expect(await taking).not.toBeNull()
    expect(await preparing).toBe(1) // rows[0] was taken meanwhile
    expect(await second).toBe(1)
    expect(p.requests).toHaveLength(1)
  })

  it('rows of requests not yet started (beyond the 2 in flight) are waited for too: never asked twice', async () => {
    const p = platform()
    const store = new DecisionPreparations()
    const rows = ids(250) // requests of 100, 100, 50: the third starts when one of the first two is answered
    p.hold()
    const preparing = store.prepare(p.api, rows)
    const again = store.prepare(p.api, rows.slice(200)) // the dialog opened again meanwhile
    const last = rows[249] as string
    const taking = store.take(last, hb(last)) // OK pressed while the first requests are out
    await new Promise((r) => setTimeout(r, 5))
    expect(p.requests.map((r) => r.length)).toEqual([100, 100]) // nothing asked twice so far
    p.release()
    expect(await taking).not.toBeNull() // waited for its request instead of leaving it to be asked again
    expect(await preparing).toBe(249)
    expect(await again).toBe(49)
    expect(p.requests.map((r) => r.length)).toEqual([100, 100, 50])
  })

  it('at most maxInFlight rows are under way over all calls (a page calling prepareBatch in a loop)', async () => {
    const p = platform()
    const store = new DecisionPreparations({ maxInFlight: 150 })
    const rows = ids(400)
    p.hold()
    const calls = [store.prepare(p.api, rows.slice(0, 100)), store.prepare(p.api, rows.slice(100, 200))]
    calls.push(store.prepare(p.api, rows.slice(200))) // nothing left: no request
    await new Promise((r) => setTimeout(r, 5))
    expect(p.requests.map((r) => r.length)).toEqual([100, 50])
    p.release()
    expect(await Promise.all(calls)).toEqual([100, 50, 0])
    expect(await store.prepare(p.api, rows.slice(200, 300))).toBe(100) // room again once answered
  })

  it('rows whose request still waits for a free slot (> 200 rows) count as on the way: take waits, nothing asked twice', async () => {
    const p = platform()
    const store = new DecisionPreparations()
    const rows = ids(250) // 3 requests, 2 in flight: the third waits for a slot
    const preparing = store.prepare(p.api, rows)
    const last = rows[249] as string
    const again = store.prepare(p.api, [last]) // OK pressed: the row is not asked for a second time
    expect(await store.take(last, hb(last))).not.toBeNull()
    await preparing
    await again
    expect(p.requests.map((r) => r.length)).toEqual([100, 100, 50])
  })

  it('rows older than the TTL are dropped; clear() (login, logout) drops all, also answers still on the way', async () => {
    let now = 1_000_000
    const p = platform()
    const store = new DecisionPreparations({ now: () => now, ttlMs: 120_000 })
    const rows = ids(2)
    await store.prepare(p.api, rows)
    now += 119_999
    expect(store.size).toBe(2)
    now += 1
    expect(store.size).toBe(0)
    expect(await store.take(rows[0] as string, hb(rows[0] as string))).toBeNull()
    p.hold()
    const late = store.prepare(p.api, rows)
    store.clear() // the session ended while the request was out: its challenges belong to the old session
    p.release()
    expect(await late).toBe(0)
    expect(store.size).toBe(0)
  })

  it('after clear() (login as someone else) the rows are asked for again in the new session, not left to the old request', async () => {
    const p = platform()
    const store = new DecisionPreparations()
    const rows = ids(2)
    p.hold()
    const old = store.prepare(p.api, rows)
    store.clear()
    p.hold()
    const fresh = store.prepare(p.api, rows)
    await new Promise((r) => setTimeout(r, 5))
    expect(p.requests).toHaveLength(2) // the new session's own request
    p.release()
    await old
    expect(await fresh).toBe(2) // from the new session's answer: the old one was dropped
    const row = await store.take(rows[0] as string, hb(rows[0] as string))
    expect(row?.challengeId.startsWith('ch_2_')).toBe(true)
  })

  it('holds at most maxRows, dropping the oldest', async () => {
    const p = platform()
    const store = new DecisionPreparations({ maxRows: 5 })
    const rows = ids(8)
    await store.prepare(p.api, rows)
    expect(store.size).toBe(5)
    expect(await store.take(rows[0] as string, hb(rows[0] as string))).toBeNull()
    expect(await store.take(rows[7] as string, hb(rows[7] as string))).not.toBeNull()
  })
})
