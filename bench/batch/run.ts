// bench/batch — prints figures, asserts nothing (run: npx tsx bench/batch/run.ts [--n 200] [--rounds 3]).
// A batch confirmation end to end through the real core (IPC dispatcher → decision pipeline →
// PlatformClient over HTTPS to server-mock's batch operations prepareDecisions / decideDelegations,
// 100 rows per request, 2 in flight; CardSigner → PKCS#11 worker on the SoftHSM card of the rig)
// vs. what no client can beat on the same machine: N raw signatures on the same token (one
// C_Login, N × C_SignInit + C_Sign of statement-sized data, on the main thread) plus one API round
// trip (an authenticated GET through the same client). Printed as a ratio for N rows and for 1
// row; goal ≤ 1.5. Timed from the user's OK in the PIN dialog, two ways: as the app runs (the
// dialog had main prepare the rows while the PIN was typed) and cold (OK before any row was
// prepared: every platform request is inside the measured time). Baseline and batch alternate per round, so load hits both alike. The stages
// overlap (rows are signed while later ones are prepared, and submitted while later ones are
// signed); the times from the pipeline's progress events show where the rest goes: until the
// card's first signature, until its last, and the tail after it (the last submissions).
import { spawn } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as pkcs11js from 'pkcs11js'
import { ApiClient } from '../../server-mock/test-helpers'
import { configFromEnv, findResourcesDir } from '../../src/main/config'
import { createAppCore } from '../../src/main/core/app-core'
import type { IpcResult } from '../../src/shared/ipc-contract'
import { pinFields } from '../../test/rig/pin-entry'
import { startRig } from '../../test/rig/rig'
import { MOICA_ATR } from '../../test/rig/virtual-card'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const root = join(__dirname, '..', '..')
const N = arg('n', 200)
const ROUNDS = arg('rounds', 3)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const fmt = (ms: number): string => `${ms.toFixed(0).padStart(6)} ms`
/** CPU time (user + system, ms) a process and its children have used so far, from /proc (Linux). */
const cpuOf = (pid: number): number => {
  let ms = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
      // pid itself, or a child (tsx runs server-mock in a child process); clock ticks of 10 ms (USER_HZ 100)
      if (Number(entry) === pid || Number(fields[1]) === pid) ms += (Number(fields[11]) + Number(fields[12])) * 10
    } catch {
      // the process ended meanwhile
    }
  }
  return ms
}

async function main(): Promise<void> {
  console.log(
    `bench/batch — ${cpus().length} CPU(s), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${N} rows, ${ROUNDS} rounds`
  )
  const rig = await startRig({})
  // server-mock as the rig starts it, in its own process (as the platform is not in ours), with a
  // challenge rate limit that admits the bench's rounds (the default, 600 a minute per address,
  // is one user's worth).
  const mock = spawn(
    process.execPath,
    [
      join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(__dirname, 'server.ts'),
      JSON.stringify({
        dataDir: join(rig.dir, 'mock-bench'),
        port: 0,
        anchors: [rig.pki.root.certPath],
        intermediates: [rig.pki.moica.certPath],
        crls: [rig.pki.crlPath],
        ocsp: { issuerCertPath: rig.pki.moica.certPath, issuerKeyPath: rig.pki.moica.keyPath },
        seed: { demoCertificatePath: rig.pki.citizens.valid.files.signCert },
        dev: true,
        limits: { challengesPerIp: 1_000_000 }
      })
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  )
  const server = await new Promise<{ url: string; apiBase: string; caCertPath: string }>((resolve, reject) => {
    let out = ''
    mock.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /^MOCK (.+)$/m.exec(out)
      if (m?.[1]) resolve(JSON.parse(m[1]) as { url: string; apiBase: string; caCertPath: string })
    })
    mock.once('exit', (code) => reject(new Error(`server-mock exited (${code})`)))
  })
  const env = {
    ...rig.env,
    ECCS_API_URL: server.url,
    ECCS_API_CA: server.caCertPath,
    ECCS_OCSP_URL: `${server.apiBase}/ocsp`
  }
  Object.assign(process.env, env)
  const core = createAppCore(configFromEnv(env, { version: 'bench', resourcesDir: findResourcesDir(__dirname) }), 'web')
  const call = async <T>(channel: string, payload: unknown = {}): Promise<T> => {
    const r = (await core.dispatch(channel, payload)) as IpcResult<T>
    if (!r.ok) throw new Error(`${channel}: ${JSON.stringify(r.error)}`)
    return r.value
  }
  const devApi = new ApiClient(server)
  const dev = async (path: string, body: unknown): Promise<{ items: { id: string; houseBillNo: string }[] }> => {
    const r = await devApi.post<{ items: { id: string; houseBillNo: string }[] }>(path, body)
    if (r.status !== 201) throw new Error(`${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`)
    return r.body
  }

  // Milestones of the pipeline (from its progress events), to split the batch time.
  let stageAt: Record<string, number> = {}
  core.onEvent((event, payload) => {
    const p = payload as { operation?: string; stage?: string; counts?: { signed: number; total: number } }
    if (event !== 'card:progress' || p.operation !== 'decision' || !p.stage) return
    const now = performance.now()
    if (p.stage === 'signing') stageAt.firstSignature ??= now
    if (p.stage === 'submitting' || p.stage === 'done') stageAt.lastSignature ??= now
    if (p.stage === 'done') stageAt.done ??= now
  })
  try {
    core.start()
    await rig.cards[0].insert(MOICA_ATR)
    for (let i = 0; (await call<{ phase: string }>('card:getStatus')).phase !== 'ready'; i++) {
      if (i > 900) throw new Error('card not ready')
      await new Promise((r) => setTimeout(r, 100))
    }
    // A PIN as the dialog hands it over: with the ticket card:pinPrompt issues for this card.
    const pin = (operation: 'login' | 'decision') => pinFields((c, p) => core.dispatch(c, p), operation, rig.token.pin)
    await call('session:loginCertificate', await pin('login'))

    // The raw baseline's token handle, on the main thread (the worker holds its own).
    const raw = new pkcs11js.PKCS11()
    raw.load(rig.token.module)
    try {
      raw.C_Initialize()
    } catch {
      // already initialised in this process
    }
    const slot = raw
      .C_GetSlotList(true)
      .find((s) => raw.C_GetTokenInfo(s).serialNumber.trim() === rig.token.tokenSerial)
    if (slot === undefined) throw new Error('token not found')
    const statement = Buffer.alloc(360, 0x41) // about the size of a decision statement (docs/protocol.md)
    const rawSignatures = (n: number): void => {
      const session = raw.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION)
      raw.C_Login(session, pkcs11js.CKU_USER, rig.token.pin)
      raw.C_FindObjectsInit(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_SIGN, value: true }
      ])
      const [key] = raw.C_FindObjects(session, 1)
      raw.C_FindObjectsFinal(session)
      if (!key) throw new Error('no key')
      for (let i = 0; i < n; i++) {
        raw.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key)
        raw.C_Sign(session, statement, Buffer.alloc(512))
      }
      raw.C_Logout(session)
      raw.C_CloseSession(session)
    }

    const probe = (await dev('/dev/delegations', { account: 'demo', count: 1 })).items[0]?.id
    if (!probe) throw new Error('no delegation')
    const roundTrip = async (): Promise<number> => {
      const t = performance.now()
      await call('delegations:get', { id: probe })
      return performance.now() - t
    }

    /**
     * One confirmation of `rows` as the app runs it, timed from the user's OK in the PIN dialog. `ahead`:
     * the dialog asked main to prepare the rows when it opened (delegations:prepareBatch, as the page
     * does) and the user typed the PIN for at least as long as that took; otherwise OK came first.
     */
    const confirm = async (rows: { id: string; houseBillNo: string }[], ahead: boolean) => {
      stageAt = {}
      const entry = await pin('decision') // the PIN dialog's ticket, when it opens
      if (ahead) {
        const { prepared } = await call<{ prepared: number }>('delegations:prepareBatch', {
          ids: rows.map((d) => d.id)
        })
        if (prepared !== rows.length) throw new Error(`only ${prepared} of ${rows.length} rows prepared`)
      }
      const c1 = process.cpuUsage()
      const s1 = cpuOf(mock.pid ?? 0)
      const t1 = performance.now()
      const { results } = await call<{ results: { ok: boolean; error?: { code: string } }[] }>(
        'delegations:decideBatch',
        { items: rows.map((d) => ({ id: d.id, houseBillNo: d.houseBillNo, decision: 'MATCH' })), ...entry }
      )
      const ms = performance.now() - t1
      const c2 = process.cpuUsage(c1)
      const failed = results.filter((r) => !r.ok)
      if (failed.length > 0) throw new Error(`${failed.length} rows failed: ${JSON.stringify(failed[0])}`)
      const at = (k: string): number => stageAt[k] ?? t1 + ms
      return {
        ms,
        milestones: {
          'to first signature': at('firstSignature') - t1,
          'to last signature': at('lastSignature') - t1,
          tail: t1 + ms - at('lastSignature')
        },
        cpu: { client: (c2.user + c2.system) / 1000, server: cpuOf(mock.pid ?? 0) - s1 }
      }
    }
    type Run = Awaited<ReturnType<typeof confirm>>
    const describe = (label: string, runs: Run[], base: number): void => {
      const ms = median(runs.map((r) => r.ms))
      console.log(`    ${label}: ${fmt(ms)}; ratio ${(ms / base).toFixed(2)} (goal ≤ 1.5)`)
      const keys = Object.keys(runs[0]?.milestones ?? {}) as (keyof Run['milestones'])[]
      console.log(
        `      milestones (medians): ${keys.map((k) => `${k} ${median(runs.map((r) => r.milestones[k])).toFixed(0)} ms`).join(', ')}; ` +
          `CPU: client ${median(runs.map((r) => r.cpu.client)).toFixed(0)} ms (card worker included), ` +
          `server-mock ${median(runs.map((r) => r.cpu.server)).toFixed(0)} ms`
      )
    }

    for (const n of [N, 1]) {
      const base: number[] = []
      const rtts: number[] = []
      const warm: Run[] = []
      const cold: Run[] = []
      for (let round = 0; round <= ROUNDS; round++) {
        const rtt = median([await roundTrip(), await roundTrip(), await roundTrip()])
        const t0 = performance.now()
        rawSignatures(n)
        const signMs = performance.now() - t0
        const a = await confirm((await dev('/dev/delegations', { account: 'demo', count: n })).items, true)
        const b = await confirm((await dev('/dev/delegations', { account: 'demo', count: n })).items, false)
        if (round === 0) continue // warm-up (JIT, TLS sessions, SQLite pages)
        base.push(signMs + rtt)
        rtts.push(rtt)
        warm.push(a)
        cold.push(b)
      }
      const b = median(base)
      console.log(
        `${String(n).padStart(4)} row(s): baseline ${fmt(b)} (${n} raw signatures + one round trip of ${median(rtts).toFixed(1)} ms)`
      )
      describe('from OK, rows prepared while the PIN was typed', warm, b)
      describe('from OK, nothing prepared before OK (cold)    ', cold, b)
    }
  } finally {
    await core.stop()
    mock.kill('SIGTERM')
    await rig.stop()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
