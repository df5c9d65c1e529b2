/** Public face of src/main/ipc/: the only module other folders import (test/unit/architecture.test.ts). */
export { createDispatcher } from './dispatcher'
export type { Dispatch, IpcHandlers } from './dispatcher'
