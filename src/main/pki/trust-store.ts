import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseCertificate, splitCertificates, type ParsedCertificate } from './certificate'

// Anchors are the bundled real GRCA roots (self-signed); bundled MOICA CAs and any dev/test
// material are intermediates or anchors by their own shape (self-signed → anchor).

export interface TrustStore {
  anchors: ParsedCertificate[]
  intermediates: ParsedCertificate[]
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

export function loadTrustStore(resourcesDir: string, devTrustDir: string | null): TrustStore {
  const all = [...loadDir(join(resourcesDir, 'ca')), ...(devTrustDir ? loadDir(devTrustDir) : [])]
  return { anchors: all.filter(isSelfSigned), intermediates: all.filter((c) => !isSelfSigned(c)) }
}
