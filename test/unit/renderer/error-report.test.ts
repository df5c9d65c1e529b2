// @vitest-environment happy-dom
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick } from 'vue'
import { ClientErrorReport } from '../../../src/shared/ipc-contract'
import type * as ErrorReport from '../../../src/renderer/error-report'

// The renderer's side of error capture: Vue errors, window errors, unhandled rejections and
// console.error all become 'app:reportError' calls that pass the contract's schema, capped at 10
// per 10 s so a render loop cannot flood IPC. (Main-side rate limit and redaction:
// electron-shell-modules.test.ts.)

const sent: unknown[] = []
let reportError: typeof ErrorReport.reportError
let installErrorReporting: typeof ErrorReport.installErrorReporting

beforeAll(async () => {
  // The preload's bridge, as the Electron window has it (bridge.ts picks window.eccs up at import).
  ;(window as unknown as { eccs: Record<string, unknown> }).eccs = {
    reportError: async (r: unknown) => {
      sent.push(r)
      return { ok: true, value: {} }
    },
    onNavigate: () => () => undefined
  }
  ;({ reportError, installErrorReporting } = await import('../../../src/renderer/error-report'))
})
afterEach(() => {
  sent.length = 0
  vi.useRealTimers()
})

describe('renderer error reports', () => {
  it('reports a Vue error with its lifecycle info, window errors, rejections and console.error — all valid for the contract', async () => {
    vi.useFakeTimers({ now: 1_000_000 })
    const quiet = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const original = console.error
    const Broken = defineComponent({
      setup() {
        throw new TypeError('rows is undefined')
      },
      render: () => h('div')
    })
    const app = createApp(Broken)
    installErrorReporting(app)
    app.mount(document.createElement('div'))
    await nextTick()
    window.dispatchEvent(
      Object.assign(new Event('error'), { error: new RangeError('bad range'), message: 'bad range' })
    )
    window.dispatchEvent(Object.assign(new Event('unhandledrejection'), { reason: 'api down' }))
    console.error('failed to render', { id: 3 })
    console.error = original
    quiet.mockRestore()
    expect(sent.map((r) => ClientErrorReport.parse(r))).toEqual([
      expect.objectContaining({
        kind: 'vue',
        message: 'TypeError: rows is undefined',
        info: 'setup function',
        stack: expect.stringContaining('rows is undefined')
      }),
      expect.objectContaining({ kind: 'error', message: 'RangeError: bad range' }),
      { kind: 'unhandledrejection', message: 'api down' },
      { kind: 'console', message: 'failed to render {"id":3}' }
    ])
  })

  it('caps reports at 10 per 10 s and truncates long messages to the contract limits', () => {
    vi.useFakeTimers({ now: 5_000_000 })
    for (let i = 0; i < 15; i++) reportError('console', `e${i}`)
    expect(sent).toHaveLength(10)
    vi.setSystemTime(5_000_000 + 10_001)
    reportError('error', new Error('x'.repeat(3000)))
    expect(sent).toHaveLength(11)
    const last = ClientErrorReport.parse(sent[10])
    expect(last.message).toHaveLength(2000)
  })
})
