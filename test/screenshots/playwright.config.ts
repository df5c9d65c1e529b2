import { defineConfig } from '@playwright/test'
import base from '../../playwright.config'

// `npm run screenshots`: regenerates docs/screenshots/*.png from the real app on the rig.
export default defineConfig({ ...base, testDir: '.', reporter: [['list']] })
