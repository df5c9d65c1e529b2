import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configFromEnv, findResourcesDir } from '../../src/main/config'
import { createAppCore, type AppCore } from '../../src/main/core/app-core'
import type { IpcResult } from '../../src/shared/ipc-contract'
import { startRig, type Rig } from './rig'

// The offline history through the real core: after login the account's cache syncs in the
// background; when the platform goes away, the same query is answered from the cache, labelled
// with its last sync time, with the same rows.

let rig: Rig
let core: AppCore

async function call<T>(channel: string, payload: unknown = {}): Promise<IpcResult<T>> {
  return (await core.dispatch(channel, payload)) as IpcResult<T>
}
function value<T>(r: IpcResult<T>): T {
  if (!r.ok) throw new Error(`IPC failed: ${JSON.stringify(r.error)}`)
  return r.value
}

interface Answer {
  items: { id: string }[]
  total: number
  source: 'online' | 'cache'
  lastSyncedAt: string | null
  offlineReason?: string
}

beforeAll(async () => {
  rig = await startRig({ server: true })
  Object.assign(process.env, rig.env)
  core = createAppCore(configFromEnv(rig.env, { version: 'test', resourcesDir: findResourcesDir(__dirname) }), 'web')
}, 90_000)

afterAll(async () => {
  await core?.stop()
  await rig?.stop()
})

describe('offline delegation history through the core', () => {
  it('syncs after login, then answers from the cache when the platform is unreachable', async () => {
    value(await call('session:loginPassword', { account: 'demo', password: 'Demo1234' }))
    const query = { status: 'PENDING', page: 1, pageSize: 50, sort: 'declarationDate:desc' }
    // The background sync after login is done when an answer carries its time.
    await expect
      .poll(async () => value(await call<Answer>('delegations:query', query)).lastSyncedAt, { timeout: 20_000 })
      .not.toBeNull()
    const online = value(await call<Answer>('delegations:query', query))
    expect(online.source).toBe('online')
    expect(online.total).toBeGreaterThan(0)

    await rig.server?.close()
    const offline = value(await call<Answer>('delegations:query', query))
    expect(offline.source).toBe('cache')
    expect(offline.offlineReason).toBe('NETWORK_UNREACHABLE')
    expect(offline.lastSyncedAt).not.toBeNull()
    expect(offline.total).toBe(online.total)
    expect(offline.items.map((d) => d.id)).toEqual(online.items.map((d) => d.id))
  })

  it('exports the current query from the cache (CSV with BOM, JSON) and clears it on request', async () => {
    const query = { status: 'PENDING', page: 1, pageSize: 50, sort: 'declarationDate:desc' }
    const csv = value(
      await call<{ fileName: string; content: string; rows: number }>('history:export', { format: 'csv', query })
    )
    expect(csv.fileName).toMatch(/\.csv$/)
    expect(csv.content.startsWith('\uFEFF')).toBe(true)
    expect(csv.content.trim().split('\r\n')).toHaveLength(csv.rows + 1) // header + rows
    const json = value(await call<{ content: string; rows: number }>('history:export', { format: 'json', query }))
    expect((JSON.parse(json.content) as { items: unknown[] }).items).toHaveLength(json.rows)
    expect(json.rows).toBe(csv.rows)
    // A path or a file name never comes from the renderer.
    const bad = await call('history:export', { format: 'csv', query, file: '/etc/passwd' })
    expect(bad.ok ? 'ok' : bad.error.code).toBe('INVALID_REQUEST')

    value(await call('history:clear'))
    const after = value(await call<Answer>('delegations:query', query))
    expect(after.source).toBe('cache')
    expect(after.total).toBe(0)
  })
})
