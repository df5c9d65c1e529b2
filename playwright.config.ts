import { defineConfig } from '@playwright/test'

// E2E in Debian's Chromium (Playwright's own browser download is not reachable here), driving
// the real renderer over the real main-process core (web host) on the test rig.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic'
]

export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/rig/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    headless: true,
    locale: 'zh-TW',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS
    }
  }
})
