/** Public face of src/main/api/: the only module other folders import (test/unit/architecture.test.ts). */
export type { PrepareDecisionsResult } from './api-schemas'
export { errorFromRow } from './error-mapping'
export type { CallLimits } from './http-client'
export { MAX_BATCH_ROWS, PlatformClient } from './platform-client'
export type { DecisionBatchBody, DecisionBody } from './platform-client'
