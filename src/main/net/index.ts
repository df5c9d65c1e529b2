// The app's one network stack (issue 16): every request main sends — platform API, OCSP/CRL,
// doctor's probes — goes through a Transport. Electron: Chromium's network service
// (electron-network.ts, handed electron's session/app by src/main/index.ts); plain Node (web host,
// CLI, tests): node-transport.ts with the proxy from policy or environment.
export { transportAdapter } from './axios-adapter'
export {
  chainTrusted,
  codeFromChromium,
  createElectronTransport,
  electronProxyConfig,
  platformCertificateVerifier,
  proxyLogin,
  type ElectronAppLike,
  type ElectronNetLike,
  type ElectronSessionLike,
  type ElectronTransportOptions
} from './electron-network'
export { createNodeTransport, proxyAuthorization, type NodeTransportOptions } from './node-transport'
export {
  DEFAULT_TIMEOUT_MS,
  netError,
  proxyMode,
  revocationFetcher,
  type NetError,
  type NetRequest,
  type NetResponse,
  type ProxyMode,
  type Transport
} from './transport'
