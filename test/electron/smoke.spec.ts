import { join } from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'
import { bridgeEvents, bridgeMethods } from '../../src/shared/bridge-names'
import { startRig } from '../rig/rig'
import { MOICA_ATR } from '../rig/virtual-card'

const root = join(__dirname, '../..')

test('Electron: window opens hardened, status area follows the card, one IPC round trip', async () => {
  const rig = await startRig()
  const app = await electron.launch({
    args: ['--no-sandbox', root],
    cwd: root,
    env: { ...process.env, ...rig.env, ECCS_DEMO: '1' } as Record<string, string>
  })
  try {
    const page = await app.firstWindow()
    const status = page.getByTestId('card-status')
    await expect(status).toHaveText('請插入自然人憑證')
    await rig.cards[0].insert(MOICA_ATR)
    await expect(status).toHaveText('讀卡機準備完成')

    // The preload exposes named functions only, and the page has no Node.
    const probe = await page.evaluate(async () => {
      const w = globalThis as unknown as { eccs: Record<string, unknown>; require?: unknown; process?: unknown }
      const info = (await (w.eccs.getAppInfo as () => Promise<{ ok: boolean; value?: { host: string } }>)()).value
      return {
        keys: Object.keys(w.eccs).sort(),
        host: info?.host,
        require: typeof w.require,
        process: typeof w.process
      }
    })
    const names = [...Object.keys(bridgeMethods), ...Object.keys(bridgeEvents)].sort()
    expect(probe).toEqual({ keys: names, host: 'electron', require: 'undefined', process: 'undefined' })

    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const wc = BrowserWindow.getAllWindows()[0]?.webContents
      return wc ? { url: wc.getURL() } : null
    })
    expect(prefs?.url).toMatch(/^eccs:\/\/app\//)

    // The real Menu API accepted the shell's template (labels in the system's language).
    const menu = await app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.items.map((i) => i.label) ?? [])
    expect(menu.length).toBeGreaterThanOrEqual(5)
  } finally {
    await app.close()
    await rig.stop()
  }
})
