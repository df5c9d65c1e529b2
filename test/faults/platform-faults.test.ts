import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Delegation } from '../../src/shared/delegation'
import type { DecisionOutcome, IpcResult } from '../../src/shared/ipc-contract'
import { startTestServer, type TestServer } from '../../server-mock/test-helpers'
import { createClient, type Client, SOFT_TICKET } from './platform-harness'
import { FaultProxy, type Fault, type Pem } from './platform-proxy'
import { expiredServerCert, untrustedServerCert, wrongHostServerCert } from './tls-certs'

// Platform faults through a fault-injecting TLS proxy (test/faults/platform-proxy.ts) between the
// real client core and server-mock: answers lost after the platform committed, the platform
// "killed" after commit, slow answers, 5xx before and after commit, a silent platform, the user's
// cancel, and untrusted / expired / wrong-host TLS. Every decision takes the one decision path
// (`delegations:decideBatch`; the user's one row is one item). Each scenario runs a bounded number of times
// on fresh 尚未確认 rows and checks, against server-mock's own database:
//   0 lost     — every decision the platform recorded was reported as success, or as
//                DECISION_UNCONFIRMED and then as success on the user's retry;
//   0 doubled  — at most one confirmation per delegation, each signed once (one signature per row);
//   truthful   — a failure is only reported when nothing was recorded (or as "unconfirmed").
// A table of counts is printed at the end.

/** decideDelegations: every decision, one row or many, is submitted through it. */
const DECISION = /^POST \/api\/v1\/decisions$/
const BUDGET_MS = 4_000
const PER_REQUEST_MS = 1_200

let s: TestServer
let proxy: FaultProxy
let client: Client
let trusted: Pem
let pending: Delegation[] = []
const table = new Map<
  string,
  {
    runs: number
    success: number
    unconfirmed: number
    refused: number
    recorded: number
    doubled: number
    lost: number
    signatures: number
  }
>()

function row(name: string) {
  let r = table.get(name)
  if (!r)
    table.set(
      name,
      (r = { runs: 0, success: 0, unconfirmed: 0, refused: 0, recorded: 0, doubled: 0, lost: 0, signatures: 0 })
    )
  return r
}

function recordedCount(id: string): number {
  return (
    s.server.db.prepare(`SELECT COUNT(*) AS n FROM confirmations WHERE delegation_id = ?`).get(id) as { n: number }
  ).n
}

function nextPending(): Delegation {
  const d = pending.shift()
  if (!d) throw new Error('fault suite ran out of pending delegations (raise delegationsPerAccount)')
  return d
}

type Item = { id: string; houseBillNo: string; decision: 'MATCH' | 'MISMATCH'; reason?: string }

/**
 * The user answers one row: `delegations:decideBatch` with one item. What the user sees for it: the
 * call's own failure (the whole action failed: TLS, session, card …) or the row's outcome.
 */
async function decideOne(item: Item): Promise<IpcResult<Delegation>> {
  const r = await client.call<{ results: DecisionOutcome[] }>('delegations:decideBatch', {
    items: [item],
    pin: '123456',
    ticket: SOFT_TICKET
  })
  if (!r.ok) return r
  expect(r.value.results.map((x) => x.id)).toEqual([item.id])
  const [row] = r.value.results
  if (!row) throw new Error('no result row')
  return row.ok ? { ok: true, value: row.delegation } : { ok: false, error: row.error }
}

async function decide(d: Delegation, decision: 'MATCH' | 'MISMATCH' = 'MATCH'): Promise<IpcResult<Delegation>> {
  return decideOne({
    id: d.id,
    houseBillNo: d.houseBillNo,
    decision,
    ...(decision === 'MISMATCH' ? { reason: '非本人訂購' } : {})
  })
}

/** Books one run: what the user saw (first and, if asked, after a retry) against the platform's record. */
function book(name: string, d: Delegation, seen: IpcResult<Delegation>[], signaturesBefore: number): void {
  const r = row(name)
  r.runs++
  const last = seen[seen.length - 1]
  const n = recordedCount(d.id)
  r.recorded += n
  if (n > 1) r.doubled++
  const signed = client.card.signatures - signaturesBefore
  r.signatures += signed
  if (signed > 1) r.doubled++
  for (const x of seen) {
    if (x.ok) r.success++
    else if (x.error.code === 'DECISION_UNCONFIRMED') r.unconfirmed++
    else r.refused++
  }
  // Lost: recorded but the user's final word is a refusal, or success claimed without a record.
  if (last && ((n === 1 && !last.ok) || (n === 0 && last.ok))) r.lost++
  for (const x of seen) if (!x.ok && x.error.code === 'ALREADY_ANSWERED') r.lost++ // never for our own answer
}

beforeAll(async () => {
  proxy = await FaultProxy.start(untrustedServerCert())
  s = await startTestServer({ publicOrigin: proxy.url })
  const tlsDir = join(s.server.dataDir, 'tls')
  const ca: Pem = {
    cert: readFileSync(join(tlsDir, 'dev-ca.pem'), 'utf8'),
    key: readFileSync(join(tlsDir, 'dev-ca-key.pem'), 'utf8')
  }
  trusted = {
    cert: readFileSync(join(tlsDir, 'server.pem'), 'utf8'),
    key: readFileSync(join(tlsDir, 'server-key.pem'), 'utf8')
  }
  proxy.setUpstream(s.server.url, ca.cert)
  proxy.setCertificate(trusted)
  ;(globalThis as { faultCa?: Pem }).faultCa = ca
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
    count: 80,
    status: 'PENDING'
  })
  if (made.status !== 201) throw new Error(`dev/delegations: ${made.status} ${JSON.stringify(made.body)}`)
  pending = made.body.items
}, 60_000)

afterAll(async () => {
  await proxy?.close()
  await s?.close()
  if (table.size > 0) {
    const cols = ['runs', 'success', 'unconfirmed', 'refused', 'recorded', 'doubled', 'lost', 'signatures'] as const
    const lines = [`${'platform fault'.padEnd(28)}${cols.map((c) => c.padStart(12)).join('')}`]
    for (const [name, r] of table)
      lines.push(`${name.padEnd(28)}${cols.map((c) => String(r[c]).padStart(12)).join('')}`)
    lines.push(
      `proxy: ${proxy?.counts.forwarded ?? 0} requests forwarded; faults used: ${JSON.stringify(proxy?.counts.injected ?? {})}`
    )
    console.log(lines.join('\n'))
  }
})

/** One fault on the decision POST, healed automatically by the client's own retry within the deadline. */
async function autoHealed(name: string, fault: Fault, runs: number): Promise<void> {
  for (let i = 0; i < runs; i++) {
    const d = nextPending()
    const before = client.card.signatures
    proxy.inject(DECISION, fault)
    const r = await decide(d, i % 2 === 0 ? 'MATCH' : 'MISMATCH')
    book(name, d, [r], before)
    proxy.heal()
    expect(r.ok, JSON.stringify(r)).toBe(true)
    expect(recordedCount(d.id)).toBe(1)
    expect(client.card.signatures - before).toBe(1)
  }
  expect(row(name).lost + row(name).doubled).toBe(0)
}

describe('platform faults: every recorded decision is reported as success, none twice', () => {
  it('lost answer after commit: the user sees success, the platform holds exactly one decision', async () => {
    await autoHealed('lost answer after commit', { kind: 'lose-answer' }, 4)
  })

  it('5xx before commit and after commit, connection reset before forwarding', async () => {
    await autoHealed('503 before commit', { kind: 'status-before', status: 503 }, 3)
    await autoHealed('502 after commit', { kind: 'status-after', status: 502 }, 3)
    await autoHealed('reset before commit', { kind: 'reset-before' }, 3)
  })

  it('slow answer (beyond the request timeout) after commit: the resent body gets the stored answer', async () => {
    await autoHealed('slow answer', { kind: 'slow', delayMs: PER_REQUEST_MS + 800 }, 3)
  })

  it('platform killed after commit: reported as unconfirmed, the user retry resends the same body and succeeds', async () => {
    const name = 'killed after commit'
    for (let i = 0; i < 3; i++) {
      const d = nextPending()
      const before = client.card.signatures
      proxy.inject(DECISION, { kind: 'down-after-commit', downMs: BUDGET_MS + 500 })
      const first = await decide(d)
      expect(first.ok).toBe(false)
      if (!first.ok) expect(first.error).toMatchObject({ code: 'DECISION_UNCONFIRMED', retriable: true })
      expect(recordedCount(d.id)).toBe(1) // it was recorded; the user was told "unknown, retry", not "failed"
      expect(
        client.submitter.keptFor({ id: d.id, houseBillNo: d.houseBillNo, decision: 'MATCH', reason: '' })
      ).toBeDefined()
      proxy.heal()
      const retry = await decide(d) // the user presses retry (types the PIN again; it is not used)
      book(name, d, [first, retry], before)
      expect(retry.ok, JSON.stringify(retry)).toBe(true)
      if (retry.ok) expect(retry.value.status).toBe('MATCH')
      expect(recordedCount(d.id)).toBe(1)
      expect(client.card.signatures - before).toBe(1)
      expect(client.submitter.keptCount).toBe(0)
    }
    expect(row(name).lost + row(name).doubled).toBe(0)
  })

  it('silent platform: one deadline for the whole action (not 20 s + a retry), then unconfirmed; retry succeeds', async () => {
    const name = 'silent platform'
    for (let i = 0; i < 2; i++) {
      const d = nextPending()
      const before = client.card.signatures
      proxy.inject(DECISION, { kind: 'blackhole' }, 10)
      const t0 = Date.now()
      const first = await decide(d)
      const elapsed = Date.now() - t0
      expect(elapsed).toBeLessThan(BUDGET_MS + 1_500)
      expect(first.ok).toBe(false)
      if (!first.ok) expect(first.error.code).toBe('DECISION_UNCONFIRMED')
      expect(recordedCount(d.id)).toBe(0) // nothing reached the platform: "unconfirmed", not "done"
      const deadlines = client.progress
        .filter((p) => p.operation === 'decision' && p.deadlineAt)
        .map((p) => Date.parse(p.deadlineAt ?? ''))
      expect(Math.max(...deadlines) - t0).toBeLessThanOrEqual(BUDGET_MS + 1_000)
      proxy.heal()
      const retry = await decide(d)
      book(name, d, [first, retry], before)
      expect(retry.ok).toBe(true)
      expect(recordedCount(d.id)).toBe(1)
      expect(client.card.signatures - before).toBe(1)
    }
    expect(row(name).lost + row(name).doubled).toBe(0)
  })

  it('cancel while the decision is in flight: unconfirmed, then the retry succeeds once', async () => {
    const name = 'cancel in flight'
    for (let i = 0; i < 2; i++) {
      const d = nextPending()
      const before = client.card.signatures
      proxy.inject(DECISION, { kind: 'slow', delayMs: 600 })
      const pendingAnswer = decide(d)
      await new Promise((r) => setTimeout(r, 250))
      await client.call('card:cancel')
      const first = await pendingAnswer
      expect(first.ok).toBe(false)
      if (!first.ok) expect(first.error).toMatchObject({ code: 'DECISION_UNCONFIRMED', detail: 'OPERATION_CANCELLED' })
      await new Promise((r) => setTimeout(r, 700)) // the platform commits meanwhile
      proxy.heal()
      const retry = await decide(d)
      book(name, d, [first, retry], before)
      expect(retry.ok).toBe(true)
      expect(recordedCount(d.id)).toBe(1)
    }
    expect(row(name).lost + row(name).doubled).toBe(0)
  })

  it('untrusted, expired and wrong-host TLS: refused before anything is sent; nothing recorded', async () => {
    const ca = (globalThis as { faultCa?: Pem }).faultCa
    if (!ca) throw new Error('no CA')
    const modes: [string, Pem][] = [
      ['TLS untrusted CA', untrustedServerCert()],
      ['TLS expired', expiredServerCert(ca)],
      ['TLS wrong host', wrongHostServerCert(ca)]
    ]
    for (const [name, pem] of modes) {
      for (let i = 0; i < 2; i++) {
        const d = nextPending()
        const before = client.card.signatures
        const forwarded = proxy.counts.forwarded
        proxy.setCertificate(pem)
        await new Promise((r) => setTimeout(r, 100)) // let the client see its pooled connection close
        const r = await decide(d)
        proxy.setCertificate(trusted)
        book(name, d, [r], before)
        expect(r.ok).toBe(false)
        if (!r.ok) expect(r.error.code, JSON.stringify(r.error)).toBe('TLS_UNTRUSTED')
        expect(proxy.counts.forwarded).toBe(forwarded) // not one byte of the request reached the platform
        expect(client.card.signatures).toBe(before)
        expect(recordedCount(d.id)).toBe(0)
        pending.push(d) // untouched: usable again
      }
    }
    const login = createClient({ baseUrl: proxy.url, caFile: s.server.caCertPath, citizen: s.pki.citizens.valid })
    proxy.setCertificate(untrustedServerCert())
    await new Promise((r) => setTimeout(r, 100))
    const r = await login.call('session:loginPassword', { account: 'demo', password: 'Demo1234' })
    proxy.setCertificate(trusted)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('TLS_UNTRUSTED')
  })

  it('the delegation read before signing is not the row the user answered, or is answered already: refused before signing', async () => {
    const name = 'delegation swapped'
    const d = nextPending()
    const other = nextPending()
    const before = client.card.signatures
    const r = await decideOne({ id: d.id, houseBillNo: other.houseBillNo, decision: 'MATCH' })
    book(name, d, [r], before)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toMatchObject({ code: 'DELEGATION_CHANGED', detail: 'houseBillNo' })
    expect(client.card.signatures).toBe(before)
    const lone = await decideOne({ id: d.id, houseBillNo: d.houseBillNo, decision: 'MISMATCH', reason: '壞\ud800字' })
    expect(lone.ok).toBe(false)
    if (!lone.ok) expect(lone.error).toMatchObject({ code: 'INVALID_REQUEST', detail: 'items.0.reason' })
    expect(client.card.signatures).toBe(before)
    expect(recordedCount(d.id)).toBe(0)
    // A row answered meanwhile (here: by the user's other answer) is refused before signing.
    expect((await decide(d)).ok).toBe(true)
    const signed = client.card.signatures
    const again = await decide(d, 'MISMATCH')
    expect(again.ok).toBe(false)
    if (!again.ok) expect(again.error).toMatchObject({ code: 'ALREADY_ANSWERED' })
    expect(client.card.signatures).toBe(signed)
    expect(recordedCount(d.id)).toBe(1)
  })

  it('batch (POST /decisions): lost answer, 502 after commit, killed after commit — every row success once, signed once', async () => {
    const decideRows = (ds: Delegation[]) =>
      client.call<{ results: { id: string; ok: boolean; error?: { code: string } }[] }>('delegations:decideBatch', {
        items: ds.map((d) => ({ id: d.id, houseBillNo: d.houseBillNo, decision: 'MATCH' })),
        pin: '123456',
        ticket: SOFT_TICKET
      })
    const outcome = (r: Awaited<ReturnType<typeof decideRows>>): string[] =>
      r.ok ? r.value.results.map((x) => (x.ok ? 'ok' : String(x.error?.code))) : [r.error.code]
    /** Books a batch run per row, as book() does for single decisions. */
    const bookRows = (name: string, ds: Delegation[], seen: string[][], signatures: number): void => {
      const r = row(name)
      r.runs++
      r.signatures += signatures
      if (signatures > ds.length) r.doubled++
      ds.forEach((d, k) => {
        const n = recordedCount(d.id)
        r.recorded += n
        if (n > 1) r.doubled++
        for (const codes of seen) {
          const c = codes[k]
          if (c === 'ok') r.success++
          else if (c === 'DECISION_UNCONFIRMED') r.unconfirmed++
          else r.refused++
          if (c === 'ALREADY_ANSWERED') r.lost++
        }
        const last = seen[seen.length - 1]?.[k]
        if ((n === 1 && last !== 'ok') || (n === 0 && last === 'ok')) r.lost++
      })
    }
    for (const [name, fault] of [
      ['batch: lost answer', { kind: 'lose-answer' }],
      ['batch: 502 after commit', { kind: 'status-after', status: 502 }]
    ] as const) {
      const ds = [nextPending(), nextPending(), nextPending()]
      const before = client.card.signatures
      proxy.inject(DECISION, fault)
      const r = await decideRows(ds)
      proxy.heal()
      expect(outcome(r), name).toEqual(['ok', 'ok', 'ok']) // the resent body is answered as replayed successes
      for (const d of ds) expect(recordedCount(d.id)).toBe(1)
      expect(client.card.signatures - before).toBe(3)
      bookRows(name, ds, [outcome(r)], client.card.signatures - before)
    }
    const ds = [nextPending(), nextPending(), nextPending()]
    const before = client.card.signatures
    proxy.inject(DECISION, { kind: 'down-after-commit', downMs: BUDGET_MS + 500 })
    const first = await decideRows(ds)
    expect(outcome(first)).toEqual(['DECISION_UNCONFIRMED', 'DECISION_UNCONFIRMED', 'DECISION_UNCONFIRMED'])
    for (const d of ds) expect(recordedCount(d.id)).toBe(1)
    expect(client.submitter.keptCount).toBe(3)
    proxy.heal()
    const retry = await decideRows(ds) // the user retries: the kept bodies go out again, nothing is signed again
    expect(outcome(retry)).toEqual(['ok', 'ok', 'ok'])
    for (const d of ds) expect(recordedCount(d.id)).toBe(1)
    expect(client.card.signatures - before).toBe(3)
    expect(client.submitter.keptCount).toBe(0)
    bookRows('batch: killed after commit', ds, [outcome(first), outcome(retry)], client.card.signatures - before)
  })

  it('totals: 0 lost, 0 doubled across every fault', () => {
    let lost = 0
    let doubled = 0
    for (const r of table.values()) {
      lost += r.lost
      doubled += r.doubled
    }
    expect(table.size).toBeGreaterThanOrEqual(10)
    expect({ lost, doubled }).toEqual({ lost: 0, doubled: 0 })
  })
})
