/** Public face of src/main/core/: the only module other folders import (test/unit/architecture.test.ts). */
export { createAppCore } from './app-core'
export type { AppCore } from './app-core'
