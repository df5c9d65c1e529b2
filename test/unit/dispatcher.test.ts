import { describe, expect, it } from 'vitest'
import { createDispatcher, type IpcHandlers } from '../../src/main/ipc/dispatcher'

const status = { phase: 'no-card' as const, readers: [], updatedAt: new Date(0).toISOString() }
const info = { version: '1', demo: false, host: 'web' as const, apiBaseUrl: null, platform: 'linux-x64' }

function handlers(overrides: Partial<IpcHandlers> = {}): Partial<IpcHandlers> {
  return { 'app:getInfo': async () => info, 'card:getStatus': async () => status, ...overrides }
}

describe('IPC dispatcher', () => {
  it('answers a valid call', async () => {
    const dispatch = createDispatcher(handlers())
    expect(await dispatch('card:getStatus', {})).toEqual({ ok: true, value: status })
    expect(await dispatch('app:getInfo', undefined)).toEqual({ ok: true, value: info })
  })

  it('refuses unknown channels and prototype tricks with a typed error', async () => {
    const dispatch = createDispatcher(handlers())
    for (const ch of ['nope', '__proto__', 'constructor', 'toString', 42, null, undefined, {}]) {
      expect(await dispatch(ch, {})).toEqual({ ok: false, error: { code: 'UNKNOWN_CHANNEL', retriable: false } })
    }
  })

  it('refuses malformed payloads without echoing their values', async () => {
    const dispatch = createDispatcher(handlers())
    const res = await dispatch('card:getStatus', { pin: '123456' })
    expect(res.ok).toBe(false)
    if (!res.ok) {
      expect(res.error.code).toBe('INVALID_REQUEST')
      expect(JSON.stringify(res)).not.toContain('123456')
    }
    for (const bad of [null, 'x', 1, [], Symbol('s')]) {
      const r = await dispatch('card:getStatus', bad)
      expect(r.ok ? 'ok' : r.error.code).toBe('INVALID_REQUEST')
    }
  })

  it('contains handler failures and invalid handler output', async () => {
    const errors: string[] = []
    const dispatch = createDispatcher(
      handlers({
        'card:getStatus': async () => {
          throw new Error('boom')
        },
        'app:getInfo': async () => ({ nonsense: true }) as never
      }),
      { onInternalError: (ch) => errors.push(ch) }
    )
    expect(await dispatch('card:getStatus', {})).toEqual({ ok: false, error: { code: 'INTERNAL', retriable: true } })
    const r = await dispatch('app:getInfo', {})
    expect(r.ok ? 'ok' : r.error.code).toBe('INTERNAL')
    expect(errors).toEqual(['card:getStatus', 'app:getInfo'])
  })
})
