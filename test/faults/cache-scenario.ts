import { DelegationHistory, type HistoryEvent } from '../../src/main/cache'
import { createClient } from './platform-harness'

// One sign-in of the demo account with the real offline history in `userDataDir`, as the app core
// does it: password login through the IPC dispatcher, a query, and the history's events. Used in
// process (cache-faults.test.ts) and in a child process inside a private mount namespace
// (cache-child.ts: read-only and full file systems).

export interface ScenarioResult {
  login: { ok: boolean; code?: string }
  query: { ok: boolean; source?: string; historyOff?: string; items?: number; code?: string }
  events: { type: string; code?: string; applied?: number }[]
}

export interface ScenarioOptions {
  baseUrl: string
  caFile: string
  userDataDir: string
  /** Wait for the background sync to finish (or fail) before returning, at most this long. */
  settleMs?: number
}

export async function signInAndQuery(opts: ScenarioOptions): Promise<ScenarioResult> {
  const events: ScenarioResult['events'] = []
  const history = new DelegationHistory({
    userDataDir: opts.userDataDir,
    settings: () => ({ cacheRetentionDays: null, wipeCacheOnSignOut: false }),
    onEvent: (e: HistoryEvent) => {
      if (e.type === 'sync-progress') return
      events.push(
        e.type === 'sync-done' ? { type: e.type, applied: e.result.applied } : { type: e.type, code: e.error.code }
      )
    }
  })
  const client = createClient({ baseUrl: opts.baseUrl, caFile: opts.caFile, citizen: null, history })
  try {
    const login = await client.call('session:loginPassword', { account: 'demo', password: 'Demo1234' })
    const q = login.ok
      ? await client.call<{ source: string; historyOff?: string; items: unknown[] }>('delegations:query', {
          pageSize: 20
        })
      : null
    const end = Date.now() + (opts.settleMs ?? 0)
    while (
      Date.now() < end &&
      !events.some((e) => e.type === 'sync-done' || e.type === 'sync-failed' || e.type === 'cache-off')
    ) {
      await new Promise((r) => setTimeout(r, 50))
    }
    return {
      login: login.ok
        ? { ok: true }
        : { ok: false, code: `${login.error.code}${login.error.detail ? ` ${login.error.detail}` : ''}` },
      query: !q
        ? { ok: false }
        : q.ok
          ? {
              ok: true,
              source: q.value.source,
              ...(q.value.historyOff ? { historyOff: q.value.historyOff } : {}),
              items: q.value.items.length
            }
          : { ok: false, code: q.error.code },
      events
    }
  } finally {
    await client.call('session:logout')
    await history.close()
  }
}
