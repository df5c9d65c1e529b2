import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Delegation } from '../../src/shared/delegation'
import type { CardProgress, DecisionOutcome } from '../../src/shared/ipc-contract'
import { startTestServer, type TestServer } from '../../server-mock/test-helpers'
import { createClient, type Client, SOFT_TICKET } from './platform-harness'
import { FaultProxy, type Fault } from './platform-proxy'
import { untrustedServerCert } from './tls-certs'

// Fault suite, streamed batch (issue 17) against server-mock over TLS through the fault proxy: the
// platform fails while a many-row batch is half prepared, half signed and half submitted — a
// prepare request cut, the platform gone for longer than the action between two stages, and
// challenges prepared while the PIN was typed (or still on the way), then a logout and a login
// before OK, and 取消 while they are still on the way. Invariants,
// checked against server-mock's database after the user's retry: every row recorded exactly once,
// every row signed exactly once (kept bodies are resent, not re-signed), the first answer for a
// row is 'ok' only if it is recorded, and the progress always ends with 'done'.

const PREPARE = /^POST \/api\/v1\/decisions\/prepare$/
const DECISION = /^POST \/api\/v1\/decisions$/
const BUDGET_MS = 4_000
const PER_REQUEST_MS = 1_200
const ROWS = 40

let s: TestServer
let proxy: FaultProxy
let client: Client
let pending: Delegation[] = []

function recordedCount(id: string): number {
  return (
    s.server.db.prepare(`SELECT COUNT(*) AS n FROM confirmations WHERE delegation_id = ?`).get(id) as { n: number }
  ).n
}

function take(n: number): Delegation[] {
  if (pending.length < n) throw new Error('ran out of pending delegations')
  return pending.splice(0, n)
}

async function decideRows(ds: Delegation[]): Promise<string[]> {
  const r = await client.call<{ results: DecisionOutcome[] }>('delegations:decideBatch', {
    items: ds.map((d) => ({ id: d.id, houseBillNo: d.houseBillNo, decision: 'MATCH' })),
    pin: '123456',
    ticket: SOFT_TICKET
  })
  if (!r.ok) return ds.map(() => `BATCH ${r.error.code}`)
  expect(r.value.results.map((x) => x.id)).toEqual(ds.map((d) => d.id))
  return r.value.results.map((x) => (x.ok ? 'ok' : x.error.code))
}

/** One batch with `fault` injected, then the user's retry of every row not ok: the invariants above. */
async function faultThenRetry(pattern: RegExp, fault: Fault, ahead = 0): Promise<{ first: string[]; retry: string[] }> {
  const ds = take(ROWS)
  if (ahead > 0) {
    // Prepared while the PIN was typed (no fault yet): these rows go to the card at once.
    const r = await client.call<{ prepared: number }>('delegations:prepareBatch', {
      ids: ds.slice(0, ahead).map((d) => d.id)
    })
    expect(r.ok && r.value.prepared).toBe(ahead)
  }
  const signaturesBefore = client.card.signatures
  client.progress.length = 0
  proxy.inject(pattern, fault)
  const first = await decideRows(ds)
  proxy.heal()
  expect(client.progress.at(-1)?.stage).toBe('done')
  // Truthful: 'ok' only when recorded; a refusal other than "unconfirmed" only when not recorded.
  ds.forEach((d, k) => {
    const n = recordedCount(d.id)
    if (first[k] === 'ok') expect(n, `${d.id} ok`).toBe(1)
    else if (first[k] !== 'DECISION_UNCONFIRMED') expect(n, `${d.id} ${first[k]}`).toBe(0)
  })
  const again = ds.filter((_, k) => first[k] !== 'ok')
  const retry = again.length > 0 ? await decideRows(again) : []
  expect(
    retry.every((c) => c === 'ok'),
    retry.join(' ')
  ).toBe(true)
  for (const d of ds) expect(recordedCount(d.id), d.id).toBe(1)
  expect(client.card.signatures - signaturesBefore).toBe(ROWS) // no row signed twice
  expect(client.submitter.keptCount).toBe(0)
  return { first, retry }
}

beforeAll(async () => {
  proxy = await FaultProxy.start(untrustedServerCert())
  s = await startTestServer({ publicOrigin: proxy.url })
  const tlsDir = join(s.server.dataDir, 'tls')
  proxy.setUpstream(s.server.url, readFileSync(join(tlsDir, 'dev-ca.pem'), 'utf8'))
  proxy.setCertificate({
    cert: readFileSync(join(tlsDir, 'server.pem'), 'utf8'),
    key: readFileSync(join(tlsDir, 'server-key.pem'), 'utf8')
  })
  client = createClient({
    baseUrl: proxy.url,
    caFile: s.server.caCertPath,
    citizen: s.pki.citizens.valid,
    action: { budgetMs: BUDGET_MS, perRequestMaxMs: PER_REQUEST_MS },
    timeoutMs: PER_REQUEST_MS
  })
  const login = await client.call('session:loginPassword', { account: 'demo', password: 'Demo1234' })
  if (!login.ok) throw new Error(`login failed: ${JSON.stringify(login.error)}`)
  const made = await s.api.post<{ items: Delegation[] }>('/dev/delegations', {
    account: 'demo',
    count: 5 * ROWS,
    status: 'PENDING'
  })
  if (made.status !== 201) throw new Error(`dev/delegations: ${made.status} ${JSON.stringify(made.body)}`)
  pending = made.body.items
}, 60_000)

afterAll(async () => {
  await proxy?.close()
  await s?.close()
})

describe('streamed batch: platform faults between the stages (server-mock over TLS)', () => {
  it('a prepare request cut while other rows are signed and submitted: each row recorded once, signed once', async () => {
    // The first 16 rows were prepared ahead, so the cut request is the one for the other 24.
    const r = await faultThenRetry(PREPARE, { kind: 'reset-before' }, 16)
    expect(r.first.slice(0, 16)).toEqual(Array(16).fill('ok'))
    expect(new Set(r.first.slice(16))).toEqual(new Set(['NETWORK_UNREACHABLE']))
  })

  it('a prepare request never answered (silent platform): the batch ends, each row recorded once, signed once', async () => {
    const r = await faultThenRetry(PREPARE, { kind: 'blackhole' }, 10)
    expect(r.first.slice(0, 10)).toEqual(Array(10).fill('ok'))
  })

  it('the platform gone after the first submission committed, for longer than the action: unconfirmed rows kept, resent once', async () => {
    const r = await faultThenRetry(DECISION, { kind: 'down-after-commit', downMs: BUDGET_MS + 500 })
    expect(r.first).toContain('DECISION_UNCONFIRMED')
  })

  it('OK pressed while the rows prepared ahead are still on the way, then 取消: the batch ends at once, nothing signed', async () => {
    // A client whose requests may take as long as the app's (12 s): the cancel must not wait for them.
    const slow = createClient({
      baseUrl: proxy.url,
      caFile: s.server.caCertPath,
      citizen: s.pki.citizens.valid,
      action: { budgetMs: 30_000, perRequestMaxMs: 12_000 },
      timeoutMs: 12_000
    })
    expect((await slow.call('session:loginPassword', { account: 'demo', password: 'Demo1234' })).ok).toBe(true)
    const ds = take(3)
    proxy.inject(PREPARE, { kind: 'blackhole' })
    const ahead = slow.call('delegations:prepareBatch', { ids: ds.map((d) => d.id) })
    await new Promise((r) => setTimeout(r, 200))
    const started = Date.now()
    const decide = slow.call<{ results: DecisionOutcome[] }>('delegations:decideBatch', {
      items: ds.map((d) => ({ id: d.id, houseBillNo: d.houseBillNo, decision: 'MATCH' })),
      pin: '123456',
      ticket: SOFT_TICKET
    })
    await new Promise((r) => setTimeout(r, 300))
    await slow.call('card:cancel')
    const r = await decide
    const ms = Date.now() - started
    proxy.heal()
    await ahead
    expect(r.ok ? 'resolved' : r.error.code).toBe('OPERATION_CANCELLED')
    expect(ms).toBeLessThan(2_000)
    expect(slow.card.signatures).toBe(0)
    for (const d of ds) expect(recordedCount(d.id)).toBe(0)
  })

  it('rows prepared while the PIN was typed, then logout and login before OK: fresh challenges, recorded once', async () => {
    const ds = take(ROWS)
    const ahead = await client.call<{ prepared: number }>('delegations:prepareBatch', { ids: ds.map((d) => d.id) })
    expect(ahead.ok && ahead.value.prepared).toBe(ROWS)
    expect((await client.call('session:logout')).ok).toBe(true)
    expect((await client.call('session:loginPassword', { account: 'demo', password: 'Demo1234' })).ok).toBe(true)
    client.progress.length = 0
    const progress: CardProgress[] = client.progress
    const out = await decideRows(ds)
    expect(out.filter((c) => c !== 'ok')).toEqual([])
    for (const d of ds) expect(recordedCount(d.id)).toBe(1)
    expect(progress.at(-1)?.stage).toBe('done')
  })

  it('logout and login while a preparation ahead is still on the way: its late answer is not used, recorded once', async () => {
    const ds = take(10)
    proxy.inject(PREPARE, { kind: 'slow', delayMs: 800 })
    const ahead = client.call<{ prepared: number }>('delegations:prepareBatch', { ids: ds.map((d) => d.id) })
    await new Promise((r) => setTimeout(r, 200))
    expect((await client.call('session:logout')).ok).toBe(true)
    expect((await client.call('session:loginPassword', { account: 'demo', password: 'Demo1234' })).ok).toBe(true)
    const late = await ahead
    proxy.heal()
    expect(late.ok && late.value.prepared).toBe(0) // the old session's challenges are not kept
    const out = await decideRows(ds)
    expect(out.filter((c) => c !== 'ok')).toEqual([])
    for (const d of ds) expect(recordedCount(d.id)).toBe(1)
  })
})
