// The app's one network stack (issue 16): every request main sends — platform API, OCSP/CRL,
// doctor's probes — goes through a Transport. Electron: Chromium's network service
// (electron-network.ts, handed electron's session/app by src/main/index.ts); plain Node (web host,
// CLI, tests): node-transport.ts with the proxy from policy or environment.
export { transportAdapter } from './axios-adapter'
export {
  codeFromChromium,
  createElectronTransport,
  electronProxyConfig,
  platformCertificateVerifier,
  proxyLogin,
  type ElectronNetLike,
  type ElectronSessionLike
} from './electron-network'
export { createNodeTransport } from './node-transport'
export { proxyMode, revocationFetcher, type Transport } from './transport'
