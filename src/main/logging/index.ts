/** Public face of src/main/logging/: the only module other folders import (test/unit/architecture.test.ts). */
export { createClientErrorLog } from './client-errors'
export { redactText } from './redact'
export { startAppLogging } from './setup'
export { exportSupportBundle } from './support-bundle'
