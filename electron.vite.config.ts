import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

// Test trust anchors are honoured only when this is true; `ECCS_RELEASE=1 npm run build`
// (used by packaging) compiles that code path out of the production bundle.
const devTrust = JSON.stringify(process.env.ECCS_RELEASE !== '1')

export default defineConfig({
  main: {
    define: { __ECCS_DEV_TRUST__: devTrust },
    build: {
      rollupOptions: {
        input: {
          // Electron shell: the only entry that imports `electron`.
          index: resolve(__dirname, 'src/main/index.ts'),
          // Same main-process core served to a browser over loopback (no Electron binary needed).
          'web-host': resolve(__dirname, 'src/main/web-host.ts'),
          // PKCS#11 runs in this worker thread (src/main/card/pkcs11-client.ts finds it next to the bundle).
          'pkcs11-worker': resolve(__dirname, 'src/main/card/pkcs11-worker.ts'),
          // IT command line (bin/eccs-client.mjs runs it where the TypeScript source is absent).
          cli: resolve(__dirname, 'src/main/cli.ts')
        }
      }
    }
  },
  preload: {
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/preload/index.ts') } }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [vue()],
    // Smaller, CSP-friendly bundle: no Options API (all components use <script setup>), no
    // devtools hooks in production, and vue-i18n's JIT message compiler (no eval/new Function).
    define: {
      __VUE_OPTIONS_API__: 'false',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
      __INTLIFY_JIT_COMPILATION__: 'true',
      __INTLIFY_DROP_MESSAGE_COMPILER__: 'false',
      __INTLIFY_PROD_DEVTOOLS__: 'false'
    },
    build: {
      // electron-vite leaves bundles unminified; the renderer is loaded on every start (goal: first paint ≤ 300 ms).
      minify: true,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } }
    }
  }
})
