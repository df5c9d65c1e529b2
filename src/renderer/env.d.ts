/// <reference types="vite/client" />
import type { EccsBridge } from '../shared/ipc-contract'

declare module '*.vue' {
  import type { DefineComponent } from 'vue'

  const component: DefineComponent<object, object, unknown>
  export default component
}

declare global {
  interface Window {
    /** Present under Electron (preload); absent in the loopback web host, where bridge.ts builds it. */
    eccs?: EccsBridge
  }
}
