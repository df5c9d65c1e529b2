// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { bridgeEvents, bridgeMethods } from '../../../src/shared/bridge-names'

// The loopback web host's bridge must expose exactly what the Electron preload exposes: the
// named functions of src/shared/bridge-names.ts, nothing more (no raw invoke/channel access).

describe('web bridge', () => {
  it('exposes exactly the preload API, frozen', async () => {
    delete (window as { eccs?: unknown }).eccs
    const { eccs } = await import('../../../src/renderer/bridge')
    expect(Object.keys(eccs).sort()).toEqual([...Object.keys(bridgeMethods), ...Object.keys(bridgeEvents)].sort())
    expect(Object.isFrozen(eccs)).toBe(true)
    for (const fn of Object.values(eccs)) expect(typeof fn).toBe('function')
  })

  it('calls POST /ipc/<channel> with the bridge header and JSON, and types transport failures', async () => {
    vi.resetModules()
    delete (window as { eccs?: unknown }).eccs
    const calls: { url: string; init: RequestInit }[] = []
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, init })
      return new Response(JSON.stringify({ ok: true, value: { phase: 'no-card' } }), { status: 200 })
    })
    const { eccs } = await import('../../../src/renderer/bridge')
    const res = await eccs.getCardStatus()
    expect(res).toEqual({ ok: true, value: { phase: 'no-card' } })
    expect(calls[0]?.url).toBe('/ipc/card%3AgetStatus')
    expect((calls[0]?.init.headers as Record<string, string>)['x-eccs-bridge']).toBe('1')
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('network down')
    })
    const down = await eccs.getCardStatus()
    expect(down.ok).toBe(false)
    vi.unstubAllGlobals()
  })
})
