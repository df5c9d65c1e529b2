/** Public face of src/main/api/: the only module other folders import (test/unit/architecture.test.ts). */
export type { CallLimits } from './http-client'
export { PlatformClient } from './platform-client'
export type { DecisionBody } from './platform-client'
