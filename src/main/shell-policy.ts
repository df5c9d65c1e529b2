// Navigation and sender rules of the Electron shell, kept free of `electron` so they are tested
// under plain Node.

export const APP_ORIGIN = 'eccs://app'

/** True for documents of our own app protocol (the only frames allowed to call IPC or be navigated to). */
export function isAppUrl(url: string | undefined): boolean {
  if (typeof url !== 'string') return false
  try {
    const u = new URL(url)
    return u.protocol === 'eccs:' && u.host === 'app' && !u.username && !u.password
  } catch {
    return false
  }
}

/** Only well-formed http(s) URLs without credentials leave the app, re-serialised by URL. */
export function safeExternalUrl(raw: string): string | null {
  try {
    const url = new URL(raw)
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return null
    return url.toString()
  } catch {
    return null
  }
}

/** Permissions granted, and only to our own pages: everything else (camera, geolocation …) is denied. */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications', 'clipboard-sanitized-write'])

export function permissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && (isAppUrl(requestingUrl) || requestingUrl === APP_ORIGIN)
}
