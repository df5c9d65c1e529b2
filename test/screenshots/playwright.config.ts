import { join } from 'node:path'
import { defineConfig } from '@playwright/test'
import base from '../../playwright.config'

// `npm run screenshots`: regenerates docs/screenshots/*.png from the real app on the rig. Paths
// in the base config are relative to the repository root; here they are re-anchored.
export default defineConfig({
  ...base,
  testDir: '.',
  globalSetup: join(__dirname, '../rig/global-setup.ts'),
  outputDir: join(__dirname, '../../test-results/screenshots'),
  timeout: 300_000,
  reporter: [['list']]
})
