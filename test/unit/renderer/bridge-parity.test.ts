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

  it('trades the URL token for a page session, calls POST /ipc/<channel> with it, and types transport failures', async () => {
    vi.resetModules()
    delete (window as { eccs?: unknown }).eccs
    window.sessionStorage.clear()
    window.history.replaceState(null, '', '/?token=T0k#/delegations')
    const calls: { url: string; init: RequestInit }[] = []
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, init })
      if (url === '/session') return new Response(JSON.stringify({ session: 'S3ss' }), { status: 200 })
      return new Response(JSON.stringify({ ok: true, value: { phase: 'no-card' } }), { status: 200 })
    })
    const { eccs } = await import('../../../src/renderer/bridge')
    expect(window.location.search).toBe('') // the token left the address bar at once
    expect(window.location.hash).toBe('#/delegations')
    const res = await eccs.getCardStatus()
    expect(res).toEqual({ ok: true, value: { phase: 'no-card' } })
    expect(calls[0]?.url).toBe('/session')
    expect((calls[0]?.init.headers as Record<string, string>)['x-eccs-token']).toBe('T0k')
    expect(calls[1]?.url).toBe('/ipc/card%3AgetStatus')
    const headers = calls[1]?.init.headers as Record<string, string>
    expect(headers['x-eccs-bridge']).toBe('1')
    expect(headers['x-eccs-session']).toBe('S3ss')
    expect(calls[1]?.init.credentials).toBe('omit') // no cookie goes anywhere
    expect(window.sessionStorage.getItem('eccs-web-session')).toBe('S3ss')
    vi.stubGlobal('fetch', async () => new Response('refused', { status: 413 }))
    expect(await eccs.getCardStatus()).toEqual({
      ok: false,
      error: { code: 'WEBHOST_REQUEST_REFUSED', retriable: false, detail: 'HTTP 413' }
    })
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('network down')
    })
    expect(await eccs.getCardStatus()).toEqual({ ok: false, error: { code: 'WEBHOST_STOPPED', retriable: false } })
    vi.unstubAllGlobals()
  })
})
