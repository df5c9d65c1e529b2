import { test as base } from '@playwright/test'
import { startPlatform, type PlatformApp, type PlatformOptions } from './platform'

export { startPlatform, type PlatformApp, type PlatformOptions }

// Playwright fixtures over startPlatform (platform.ts, usable outside the test runner too).

/** One platform per worker (shared by the tests of a file, which run serially). */
export function platformTestWith(opts: PlatformOptions = {}) {
  return base.extend<object, { platform: PlatformApp }>({
    platform: [
      async ({}, use) => {
        const p = await startPlatform(opts)
        try {
          await use(p)
        } finally {
          await p.stop()
        }
      },
      { scope: 'worker' }
    ]
  })
}

export const platformTest = platformTestWith()

/** A platform of the test's own, for tests that break it (e.g. stop server-mock). */
export const isolatedPlatformTest = base.extend<{ platform: PlatformApp }>({
  platform: async ({}, use) => {
    const p = await startPlatform()
    try {
      await use(p)
    } finally {
      await p.stop()
    }
  }
})
