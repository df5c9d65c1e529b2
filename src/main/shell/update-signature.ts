import { createPublicKey, createVerify, type KeyObject } from 'node:crypto'
import { createReadStream, existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'

// Detached signatures of Linux updates. electron-updater checks Windows updates against the
// Authenticode publisher and macOS updates against the code signature, but on Linux (AppImage,
// deb, rpm) only against the sha512 in the feed — whoever controls the feed controls the update.
// So the release signs each Linux artifact (`openssl dgst -sha256 -sign update-key.pem -out
// FILE.sig FILE`, docs/deployment.md § Updates) and the app installs a downloaded update only if
// FILE.sig, fetched from the same feed, verifies with a public key the feed cannot change: the
// machine policy's updatePublicKey, else the one shipped in resources/update/update-public-key.pem.

/** File name of the shipped public key inside the resources folder. */
export const BUNDLED_KEY = join('update', 'update-public-key.pem')

/** Result of looking up the update-signing public key. */
export type UpdateKey = { ok: true; key: KeyObject; source: 'policy' | 'resources' } | { ok: false; reason: string }

/**
 * The update-signing key: `setting` (policy/settings updatePublicKey: PEM text or an absolute
 * path of a PEM file) wins over `<resourcesDir>/update/update-public-key.pem`. Accepted: EC keys
 * on P-256/P-384 and RSA keys of ≥ 3072 bits (signatures over SHA-256).
 */
export function loadUpdateKey(setting: string | null, resourcesDir: string): UpdateKey {
  let pem: string
  let source: 'policy' | 'resources'
  try {
    if (setting) {
      pem = setting.includes('-----BEGIN') ? setting : readFileSync(setting, 'utf8')
      source = 'policy'
    } else {
      const file = join(resourcesDir, BUNDLED_KEY)
      if (!existsSync(file))
        return {
          ok: false,
          reason: `no update-signing key (policy updatePublicKey or resources/${BUNDLED_KEY.replace(/\\/g, '/')})`
        }
      pem = readFileSync(file, 'utf8')
      source = 'resources'
    }
  } catch (err) {
    return { ok: false, reason: `update-signing key unreadable: ${err instanceof Error ? err.message : String(err)}` }
  }
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch {
    return { ok: false, reason: 'update-signing key is not a PEM public key' }
  }
  const d = key.asymmetricKeyDetails ?? {}
  if (key.asymmetricKeyType === 'ec' && (d.namedCurve === 'prime256v1' || d.namedCurve === 'secp384r1'))
    return { ok: true, key, source }
  if (key.asymmetricKeyType === 'rsa' && (d.modulusLength ?? 0) >= 3072) return { ok: true, key, source }
  return {
    ok: false,
    reason: `update-signing key type not accepted (${key.asymmetricKeyType ?? 'unknown'}): use EC P-256/P-384 or RSA ≥ 3072`
  }
}

/**
 * Verifies `signature` (DER ECDSA or RSA PKCS#1 v1.5, as `openssl dgst -sha256 -sign` writes it)
 * over the bytes of `file`, streamed. Resolves false on a bad signature; rejects if the file is unreadable.
 */
export function verifyFileSignature(file: string, signature: Uint8Array, key: KeyObject): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const verifier = createVerify('sha256')
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => verifier.update(chunk))
      .on('end', () => {
        try {
          resolve(verifier.verify(key, signature))
        } catch {
          resolve(false) // a malformed signature is a failed verification
        }
      })
  })
}

/** URL of the detached signature: the artifact's name + `.sig`, next to it on the feed. */
export function signatureUrl(feedUrl: string, downloadedFile: string): string {
  const base = feedUrl.endsWith('/') ? feedUrl : `${feedUrl}/`
  return new URL(`${encodeURIComponent(basename(downloadedFile))}.sig`, base).toString()
}

/** Largest accepted .sig (an RSA-8192 signature is 1 KiB). */
export const MAX_SIGNATURE_BYTES = 4096

/**
 * The `url:` of a generic provider in the app-update.yml electron-builder writes into resources
 * (a flat YAML mapping), or null when absent or not https.
 */
export function feedUrlFromAppUpdateYml(text: string): string | null {
  const m = /^url:\s*['"]?([^'"\s]+)['"]?\s*$/m.exec(text)
  if (!m || !URL.canParse(m[1] as string)) return null
  return new URL(m[1] as string).protocol === 'https:' ? (m[1] as string) : null
}
