import { defineConfig } from '@playwright/test'

// Electron smoke tests: run by scripts/test.mjs only where the Electron binary exists (it cannot
// be downloaded on our CI machines); otherwise the runner prints "skipped: no Electron binary".
export default defineConfig({
  testDir: '.',
  globalSetup: '../rig/global-setup.ts',
  timeout: 90_000,
  workers: 1,
  reporter: [['list']]
})
