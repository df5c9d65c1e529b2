import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// Unit and rig-integration tests run under plain Node (native modules built for Node's ABI;
// scripts/native.mjs selects them). Each test file runs in its own forked process because
// libpcsclite caches its socket path per process and every rig has its own pcscd.
export default defineConfig({
  plugins: [vue()],
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/rig/**/*.test.ts',
      'test/faults/**/*.test.ts',
      'server-mock/**/*.test.ts'
    ],
    globalSetup: ['test/rig/global-setup.ts'],
    pool: 'forks',
    isolate: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default']
  }
})
