/** Public face of src/main/shell/: the only module other folders import (test/unit/architecture.test.ts). */
export { BusyTracker } from './busy'
export { RendererWatchdog, installProcessErrorHandlers } from './crash-handlers'
export { buildAppMenu, buildContextMenu } from './menus'
export type { MenuItemSpec } from './menus'
export { HIDDEN_FLAG, closeAction, loginItemPlan, trayView } from './presence'
export { answerRendererRequest, loadRendererFiles } from './renderer-files'
export type { RendererFiles } from './renderer-files'
export { shellLocale, shellStrings } from './strings'
export type { ShellStrings } from './strings'
export { onUpdateDownloaded } from './update-flow'
export {
  MAX_SIGNATURE_BYTES,
  feedUrlFromAppUpdateYml,
  loadUpdateKey,
  signatureUrl,
  verifyFileSignature
} from './update-signature'
