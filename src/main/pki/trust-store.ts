import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseCertificate, splitCertificates, type ParsedCertificate } from './certificate'
import { parseStrictCertificate, type StrictCertificate } from './x509-strict'

// Anchors are the bundled real GRCA roots (self-signed); bundled MOICA CAs and any dev/test
// material are intermediates or anchors by their own shape (self-signed → anchor). Each
// certificate is held twice: node-forge for display fields, the strict model for validation.

/** The name MOICA (內政部憑證管理中心) issues citizen certificates under; dev/test PKIs prefix it (TEST, 測試). */
const MOICA_OU = '內政部憑證管理中心'

export interface TrustStore {
  anchors: ParsedCertificate[]
  intermediates: ParsedCertificate[]
  /** The same certificates in the strict model (path-validation.ts); filled by strictTrust() when absent. */
  strict?: { anchors: StrictCertificate[]; intermediates: StrictCertificate[] }
  /** Bundled MOICA CAs: the only issuers of citizen certificates (a subset of `strict.intermediates`). */
  citizenCas?: StrictCertificate[]
}

/** The store's strict model (parsed once per store; a store built by hand gets MOICA by its real name only). */
export function strictTrust(store: TrustStore): Required<TrustStore> {
  if (!store.strict || !store.citizenCas) {
    const intermediates = store.intermediates.map((c) => parseStrictCertificate(c.der))
    store.strict = { anchors: store.anchors.map((c) => parseStrictCertificate(c.der)), intermediates }
    store.citizenCas = intermediates.filter((s) => isMoica(s, false))
  }
  return store as Required<TrustStore>
}

function loadDir(dir: string): ParsedCertificate[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => /\.(pem|crt|cer|der)$/i.test(f))
    .sort()
    .flatMap((f) => splitCertificates(readFileSync(join(dir, f))).map((der) => parseCertificate(der)))
}

function isSelfSigned(c: ParsedCertificate): boolean {
  return c.subjectDn === c.issuerDn && (c.aki === null || c.aki === c.ski)
}

function isMoica(c: StrictCertificate, dev: boolean): boolean {
  const ou = c.subject.text.match(/(?:^|, )OU=([^,]+)/)?.[1]
  return c.basicConstraints?.ca === true && ou !== undefined && (ou === MOICA_OU || (dev && ou.endsWith(MOICA_OU)))
}

/**
 * Loads `resourcesDir/ca` (the bundled GRCA/MOICA anchors) and, in development builds, the
 * dev trust folder (TEST GRCA/MOICA). Throws when a bundled file does not parse.
 */
export function loadTrustStore(resourcesDir: string, devTrustDir: string | null): TrustStore {
  const bundled = loadDir(join(resourcesDir, 'ca'))
  const dev = devTrustDir ? loadDir(devTrustDir) : []
  const all = [...bundled, ...dev]
  const anchors = all.filter(isSelfSigned)
  const intermediates = all.filter((c) => !isSelfSigned(c))
  const strictOf = (c: ParsedCertificate): StrictCertificate => parseStrictCertificate(c.der)
  const strictIntermediates = intermediates.map(strictOf)
  const citizenCas = strictIntermediates.filter((s, i) =>
    isMoica(s, dev.includes(intermediates[i] as ParsedCertificate))
  )
  return {
    anchors,
    intermediates,
    strict: { anchors: anchors.map(strictOf), intermediates: strictIntermediates },
    citizenCas
  }
}
