import { lstatSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

// What the `eccs://app/…` protocol handler serves: the built renderer and nothing else. The files
// are read once into memory at start and a request is answered only by an exact key of that map,
// so no request path ever reaches the file system (issue 14: the old handler checked the decoded
// path, then handed it to a file:// URL that was decoded a second time — `%252e%252e`, `\`, `#`).

export const APP_URL_PREFIX = 'eccs://app/'

/** One built file: its bytes and the Content-Type it is served with. */
export interface RendererFile {
  body: Uint8Array
  type: string
}

/** Built renderer, keyed by POSIX path relative to the renderer folder (`index.html`, `assets/index-x.js`). */
export type RendererFiles = ReadonlyMap<string, RendererFile>

// The renderer build's own file types (electron-vite output); anything else is served as bytes.
const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  webp: 'image/webp',
  woff2: 'font/woff2',
  woff: 'font/woff',
  txt: 'text/plain; charset=utf-8'
}

/** Content-Type for a file name by its extension (application/octet-stream when unknown). */
export function contentType(name: string): string {
  const dot = name.lastIndexOf('.')
  return (dot >= 0 && TYPES[name.slice(dot + 1).toLowerCase()]) || 'application/octet-stream'
}

/**
 * Reads every regular file under `dir` (the built renderer, out/renderer) into a map. Symbolic
 * links and names that the resolver would refuse anyway are skipped. Throws if `dir` is unreadable.
 */
export function loadRendererFiles(dir: string): Map<string, RendererFile> {
  const files = new Map<string, RendererFile>()
  const walk = (abs: string, rel: string): void => {
    for (const name of readdirSync(abs)) {
      if (!SEGMENT.test(name)) continue
      const path = join(abs, name)
      const key = rel ? `${rel}/${name}` : name
      const st = lstatSync(path, { throwIfNoEntry: false }) // a symbolic link is neither file nor folder
      if (!st) continue
      if (st.isDirectory()) walk(path, key)
      else if (st.isFile()) files.set(key, { body: readFileSync(path), type: contentType(name) })
    }
  }
  walk(dir, '')
  return files
}

/** Outcome of resolving one request URL: a key of the file map, or a refusal with its HTTP status. */
export type RendererResolution = { ok: true; path: string } | { ok: false; status: 400 | 404; reason: string }

// A path segment of the built renderer: letters, digits and a few punctuation marks, never
// starting with a dot (so no `.`, `..`, hidden files). Vite's asset names fit this.
const SEGMENT = /^[A-Za-z0-9_@~+-][A-Za-z0-9._@~+-]*$/
// Percent-encoded '/', '\', '.', '%' (double encoding) and NUL are refused before decoding.
const ENCODED_SPECIAL = /%(2f|5c|2e|25|00)/i

/**
 * Maps a request URL of the app protocol to a key of the built renderer's file map.
 * Refused (400): `?` or `#` anywhere, `\`, percent-encoded separators, dots, `%` or NUL, malformed
 * percent-encoding, empty, `.` or `..` segments, characters outside the asset-name alphabet.
 * Not found (404): another scheme/host/user info/port, or a name not in the map. A path without
 * an extension that is not a file falls back to index.html (client-side routes).
 */
export function resolveRendererPath(rawUrl: string, files: { has(key: string): boolean }): RendererResolution {
  if (!rawUrl.startsWith(APP_URL_PREFIX)) return { ok: false, status: 404, reason: 'not the app origin' }
  const rest = rawUrl.slice(APP_URL_PREFIX.length)
  if (/[?#]/.test(rest)) return { ok: false, status: 400, reason: 'query or fragment' }
  if (rest.includes('\\')) return { ok: false, status: 400, reason: 'backslash' }
  if (ENCODED_SPECIAL.test(rest)) return { ok: false, status: 400, reason: 'encoded separator, dot or percent' }
  let decoded: string
  try {
    decoded = decodeURIComponent(rest)
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' }
  }
  if (decoded === '')
    return files.has('index.html')
      ? { ok: true, path: 'index.html' }
      : { ok: false, status: 404, reason: 'no index.html' }
  const segments = decoded.split('/')
  if (!segments.every((s) => SEGMENT.test(s))) return { ok: false, status: 400, reason: 'bad path segment' }
  if (files.has(decoded)) return { ok: true, path: decoded }
  const last = segments[segments.length - 1] as string
  if (!last.includes('.') && files.has('index.html')) return { ok: true, path: 'index.html' }
  return { ok: false, status: 404, reason: 'no such file' }
}

/** A protocol answer as plain data: index.ts turns it into a `Response`. */
export interface RendererAnswer {
  status: number
  headers: Record<string, string>
  body: Uint8Array | string
}

/** Answers one request of the app protocol from the map, with the renderer's CSP on every answer. */
export function answerRendererRequest(rawUrl: string, files: RendererFiles, csp: string): RendererAnswer {
  const headers = { 'content-security-policy': csp, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }
  const r = resolveRendererPath(rawUrl, files)
  if (!r.ok)
    return {
      status: r.status,
      headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' },
      body: r.status === 404 ? 'not found' : 'bad request'
    }
  const file = files.get(r.path) as RendererFile
  return { status: 200, headers: { ...headers, 'content-type': file.type }, body: file.body }
}
