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
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } }
    }
  }
})
