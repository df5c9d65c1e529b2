/** Public face of src/main/webhost/: the only module other folders import (test/unit/architecture.test.ts). */
export { startWebHost } from './server'
