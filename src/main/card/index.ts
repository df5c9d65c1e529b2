/** Public face of src/main/card/: the only module other folders import (test/unit/architecture.test.ts). */
export type { CardAtrEntry, CardTable } from './atr'
export { createCardLayer } from './card-layer'
export type { CardOperations, CardSignature, DecisionFields, PerItemResult, PinEntry } from './card-operations'
export { pcscInstallHint } from './card-service'
export type { CardService } from './card-service'
export { firstExistingModule } from './token-reader'
export type { TokenContents } from './token-reader'
