/**
 * Content-Security-Policy of the renderer page, the same for both hosts that serve it: the
 * Electron shell (app:// protocol handler, src/main/index.ts) and the loopback web host
 * (src/main/webhost/server.ts). Only the page's own scripts, styles, fonts and images; no
 * inline code, no plug-ins, no framing, no form posts, and network access only to its own
 * origin (the web host's IPC bridge). Source: CSP Level 3 (W3C), directives as named there.
 */
export const RENDERER_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
