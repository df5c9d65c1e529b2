import { AppError } from '../../shared/errors'

// The proxy setting may carry a Basic-auth password in its user info (http://user:password@host:port,
// RFC 3986 §3.2.1). The page never receives it: settings:get answers with the URL without the
// password and a flag, and settings:update keeps the stored password unless the page replaces or
// clears it explicitly. Kept only for the same proxy (scheme, host, port, user name): a password is
// never carried over to a proxy the user has just typed.

/** A proxy setting ("system", "direct" or a URL) as the page may see it. */
export interface RedactedProxy {
  /** The setting with any password removed from the URL's user info. */
  proxy: string
  /** True when the stored setting holds a password (not shown). */
  hasPassword: boolean
}

const parse = (value: string): URL | null =>
  value === 'system' || value === 'direct' || !URL.canParse(value) ? null : new URL(value)

/**
 * The proxy setting without its password. "system" / "direct" and unparsable values come back
 * unchanged (the policy schema refuses the latter before they are used).
 */
export function redactProxy(value: string): RedactedProxy {
  const url = parse(value)
  if (!url || url.password === '') return { proxy: value, hasPassword: false }
  url.password = ''
  return { proxy: url.href, hasPassword: true }
}

/** Same proxy and same account: scheme, host, port and user name agree (password ignored). */
function sameAccount(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.host === b.host && a.username === b.username
}

/** The proxy part of a settings:update request (shared/settings.ts SettingsChange). */
export interface ProxyChange {
  /** New setting; null returns to the default; undefined leaves it. A URL without a password keeps the stored one. */
  proxy?: string | null
  /** New password (replaces the stored one); null removes it; undefined keeps it. */
  proxyPassword?: string | null
}

/**
 * The value to save for `proxy`, from the stored setting and the page's change:
 * - `undefined`: nothing to change (neither key sent);
 * - `null`: back to the default ("system", no password);
 * - a string: the setting to save, with the password the user meant.
 * A URL the page sends without a password keeps the stored password when it names the same proxy
 * and user (the page only ever saw the redacted form); a URL with a password in it is taken as is.
 * Errors: VALIDATION_FAILED when a password is given for a setting that is not a proxy URL with a
 * user name (RFC 7617 Basic needs one), or together with a URL that already holds a password.
 */
export function mergeProxyChange(stored: string, change: ProxyChange): string | null | undefined {
  if (change.proxy === undefined && change.proxyPassword === undefined) return undefined
  if (change.proxy === null) {
    if (typeof change.proxyPassword === 'string')
      throw new AppError('VALIDATION_FAILED', 'proxyPassword: needs a proxy URL with a user name')
    return null
  }
  const next = change.proxy ?? stored
  const url = parse(next)
  if (change.proxyPassword === undefined) {
    if (change.proxy === undefined || !url || url.password !== '') return next
    const old = parse(stored)
    if (old && old.password !== '' && sameAccount(old, url)) url.password = old.password
    return url.href === new URL(next).href ? next : url.href
  }
  if (change.proxyPassword === null) {
    if (!url) return next
    url.password = ''
    return url.href
  }
  if (!url || url.username === '')
    throw new AppError('VALIDATION_FAILED', 'proxyPassword: needs a proxy URL with a user name')
  if (change.proxy !== undefined && url.password !== '')
    throw new AppError('VALIDATION_FAILED', 'proxyPassword: the proxy URL already holds a password')
  // The setter leaves '%' as is (WHATWG URL userinfo set); encode so decoding gives the password back.
  url.password = encodeURIComponent(change.proxyPassword)
  return url.href
}
