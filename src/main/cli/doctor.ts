import { X509Certificate } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CardStatus } from '../../shared/card-status'
import { pcscInstallHint, firstExistingModule } from '../card'
import { loadCoreConfig } from '../config'
import { devTrustAllowed, readerAllowed } from '../policy'
import { probeCard, type CardProbe } from './card-probe'
import { createNodeTransport, proxyMode, type Transport } from '../net'
import { probeUrl } from './net-probe'
import { EXIT, worstStatus, type Check } from './report'

// `eccs-client doctor`: the environment check IT runs on a desk (and the support bundle embeds).
// It uses the app's own code paths — policy loading, reader monitor, detection state machine,
// chain validation, network settings — read-only: no PIN, no login, nothing written.

export interface DoctorReport {
  tool: 'eccs-client doctor'
  version: string
  time: string
  platform: string
  worst: 'ok' | 'warn' | 'fail'
  exitCode: number
  card: Omit<CardStatus, 'certificate' | 'readers'> & {
    readers: string[]
    certificate?: { issuer: string; notAfter: string; cardSerialEnd: string }
  }
  checks: Check[]
}

export interface DoctorOptions {
  env: NodeJS.ProcessEnv
  version: string
  resourcesDir: string
  userDataDir?: string
  now?: Date
  /** The app's network stack (the desktop app passes Chromium's); default: plain Node from the settings. */
  transport?: Transport
}

const EXPIRY_WARNING_DAYS = 30

function ocspUrls(probe: CardProbe, resourcesDir: string): string[] {
  const fromDer = (der: Buffer | string): string[] => {
    try {
      const info = new X509Certificate(der).infoAccess ?? ''
      return [...info.matchAll(/OCSP - URI:(\S+)/g)].map((m) => m[1] ?? '').filter(Boolean)
    } catch {
      return []
    }
  }
  const fromCard = (probe.contents?.certificates ?? []).flatMap((c) => fromDer(c.der))
  if (fromCard.length > 0) return [...new Set(fromCard)]
  // No card: the bundled MOICA CA certificates name the responder their issuer runs.
  const caDir = join(resourcesDir, 'ca')
  const bundled = existsSync(caDir)
    ? readdirSync(caDir)
        .filter((f) => f.startsWith('MOICA'))
        .flatMap((f) => fromDer(readFileSync(join(caDir, f))))
    : []
  return [...new Set(bundled)]
}

function cardChecks(probe: CardProbe, modules: string[], allowedReaders: string[], now: Date): Check[] {
  const s = probe.status
  const checks: Check[] = []
  const skip = (id: Check['id'], title: string, why: string): Check => ({ id, title, status: 'skip', detail: why })
  const down = s.phase === 'pcsc-unavailable'
  checks.push(
    down
      ? {
          id: 'pcsc',
          title: 'PC/SC service',
          status: 'fail',
          detail: 'the smart-card service is not running or not reachable',
          hint: pcscInstallHint()
        }
      : { id: 'pcsc', title: 'PC/SC service', status: 'ok', detail: 'running' }
  )
  const names = s.readers.map((r) => r.name)
  const allowed = names.filter((n) => readerAllowed(n, allowedReaders))
  if (down) checks.push(skip('readers', 'Card readers', 'PC/SC service is down'))
  else if (names.length === 0)
    checks.push({
      id: 'readers',
      title: 'Card readers',
      status: 'fail',
      detail: 'no reader connected',
      hint: 'Connect a USB smart-card reader (or check its driver).'
    })
  else if (allowed.length === 0)
    checks.push({
      id: 'readers',
      title: 'Card readers',
      status: 'fail',
      detail: `none of ${names.join(', ')} is allowed by policy allowedReaders`,
      hint: 'Use an approved reader or extend allowedReaders in the machine policy.'
    })
  else checks.push({ id: 'readers', title: 'Card readers', status: 'ok', detail: allowed.join(', ') })

  const cardKnown = !['starting', 'pcsc-unavailable', 'no-reader', 'no-card', 'unsupported-card'].includes(s.phase)
  if (down || names.length === 0) checks.push(skip('card', 'Card', 'no reader'))
  else if (s.phase === 'no-card')
    checks.push({
      id: 'card',
      title: 'Card',
      status: 'warn',
      detail: 'no card inserted',
      hint: 'Insert the citizen digital certificate card (自然人憑證) to check module, certificate and chain.'
    })
  else if (s.phase === 'unsupported-card')
    checks.push({
      id: 'card',
      title: 'Card',
      status: 'fail',
      detail: `card in ${s.reader ?? '?'} is not recognised (ATR ${s.atr ?? '?'})${s.detail ? `: ${s.detail}` : ''}`,
      hint: 'Insert the 自然人憑證 (MOICA) card. If it is one, send this reader name and ATR to support, or add the ATR with its PKCS#11 module to the policy (cardAtrs).'
    })
  else if (s.phase === 'card-locked')
    checks.push({
      id: 'card',
      title: 'Card',
      status: 'fail',
      detail: `${s.cardName ?? 'card'} is locked after too many wrong PINs`,
      hint: 'Only MOICA (內政部憑證管理中心) can unlock the card; do not try more PINs.'
    })
  else if (s.phase === 'token-absent')
    checks.push({
      id: 'card',
      title: 'Card',
      status: 'fail',
      detail: `${s.cardName ?? 'card'} could not be read (${s.problem ?? 'TOKEN_NOT_FOUND'})`,
      hint: 'Re-insert the card; if it persists, reinstall the HiCOS card client.'
    })
  else checks.push({ id: 'card', title: 'Card', status: 'ok', detail: `${s.cardName ?? 'card'} in ${s.reader ?? '?'}` })

  if (s.module) checks.push({ id: 'module', title: 'PKCS#11 module', status: 'ok', detail: s.module })
  else if (s.phase === 'module-missing')
    checks.push({
      id: 'module',
      title: 'PKCS#11 module',
      status: 'fail',
      detail: `none found (tried ${s.detail ?? ''})`,
      hint: 'Install the HiCOS PKI Smart Card client (卡片管理工具) from MOICA, or set pkcs11Modules in the policy.'
    })
  else {
    // No card yet: is any candidate module installed at all?
    const candidates = [
      ...modules,
      ...Object.values(probe.table.moduleSets).flatMap((set) => set[process.platform]?.[process.arch] ?? [])
    ]
    const found = firstExistingModule(candidates)
    checks.push(
      found
        ? {
            id: 'module',
            title: 'PKCS#11 module',
            status: 'ok',
            detail: `${found} (installed; not yet used with a card)`
          }
        : {
            id: 'module',
            title: 'PKCS#11 module',
            status: 'warn',
            detail: `none installed (looked for ${candidates.join(', ')})`,
            hint: 'Install the HiCOS PKI Smart Card client (卡片管理工具) from MOICA.'
          }
    )
  }

  const cert = s.certificate
  if (cert) {
    const daysLeft = Math.floor((Date.parse(cert.notAfter) - now.getTime()) / 86_400_000)
    checks.push(
      daysLeft >= 0 && daysLeft < EXPIRY_WARNING_DAYS
        ? {
            id: 'certificate',
            title: 'Certificate',
            status: 'warn',
            detail: `issued by ${cert.issuer}, expires in ${daysLeft} days`,
            hint: 'Renew the certificate at a household registration office (戶政事務所) before it expires.'
          }
        : {
            id: 'certificate',
            title: 'Certificate',
            status: 'ok',
            detail: `issued by ${cert.issuer}, valid until ${cert.notAfter.slice(0, 10)}`
          }
    )
  } else if (s.phase === 'certificate-unreadable')
    checks.push({
      id: 'certificate',
      title: 'Certificate',
      status: 'fail',
      detail: `the card holds a certificate that cannot be parsed: ${s.detail ?? ''}`,
      hint: `Send this message with the reader (${s.reader ?? '?'}) and ATR (${s.atr ?? '?'}) to support.`
    })
  else if (s.phase === 'certificate-missing')
    checks.push({
      id: 'certificate',
      title: 'Certificate',
      status: 'fail',
      detail: 'no signing certificate on the card',
      hint: 'The card holds no usable certificate; contact MOICA (內政部憑證管理中心).'
    })
  else checks.push(skip('certificate', 'Certificate', cardKnown ? 'card not read' : 'no card'))

  if (s.phase === 'not-citizen-certificate')
    checks.push({
      id: 'chain',
      title: 'Certificate chain',
      status: 'fail',
      detail: s.detail ?? 'not a citizen certificate',
      hint: 'Only citizen certificates (自然人憑證) issued by MOICA are accepted; a business (工商憑證) or other certificate cannot be used.'
    })
  else if (s.chain === 'valid')
    checks.push({ id: 'chain', title: 'Certificate chain', status: 'ok', detail: 'valid up to a bundled GRCA root' })
  else if (s.chain)
    checks.push({
      id: 'chain',
      title: 'Certificate chain',
      status: 'fail',
      detail: `${s.chain}${s.detail ? `: ${s.detail}` : ''}`,
      hint: chainHint(s.chain)
    })
  else checks.push(skip('chain', 'Certificate chain', 'no certificate'))
  return checks
}

function chainHint(verdict: string): string {
  if (verdict === 'expired')
    return 'The certificate has expired: renew it at a household registration office. Also check the computer clock.'
  if (verdict === 'not-yet-valid') return 'Check the computer clock and time zone.'
  if (verdict === 'revoked') return 'The certificate is revoked; apply for a new one.'
  return 'The certificate does not chain to the bundled GRCA/MOICA anchors; reinstall the app or contact support.'
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const now = opts.now ?? new Date()
  const config = loadCoreConfig(opts.env, {
    version: opts.version,
    resourcesDir: opts.resourcesDir,
    ...(opts.userDataDir ? { userDataDir: opts.userDataDir } : {})
  })
  const settings = config.settings
  const checks: Check[] = []
  // Exactly the stack the app uses for the API and OCSP/CRL (same proxy, bypass list and CAs).
  const transport = opts.transport ?? createNodeTransport({ settings, env: opts.env, apiCaFile: config.apiCaFile })
  const pacNote =
    transport.kind === 'node' && proxyMode(settings.values).mode === 'pac'
      ? ' (the PAC file is evaluated by the desktop app only; here the environment proxy applies)'
      : ''

  const p = settings.policy
  if (p.status === 'invalid')
    checks.push({
      id: 'policy',
      title: 'Machine policy',
      status: 'fail',
      detail: `${p.path}: ${p.issues.map((i) => (i.key ? `${i.key}: ${i.message}` : i.message)).join('; ')}`,
      hint: `Fix the named key(s); check with: eccs-client policy validate "${p.path}". Until then the app stays offline.`
    })
  else
    checks.push({
      id: 'policy',
      title: 'Machine policy',
      status: 'ok',
      detail:
        p.status === 'absent'
          ? `none at ${p.path} (defaults and user settings apply)`
          : `${p.path}: valid, locks ${settings.locked.join(', ') || 'nothing'}`
    })

  const probe = await probeCard({
    resourcesDir: opts.resourcesDir,
    devTrustDir: config.devTrustDir,
    modules: config.pkcs11Modules,
    cardAtrs: settings.values.cardAtrs,
    requiredPolicies: settings.values.requiredCertificatePolicies
  })
  checks.push(...cardChecks(probe, config.pkcs11Modules, settings.values.allowedReaders, now))

  // Revocation responder
  const mode = settings.values.revocationCheck
  const ocspOverride = devTrustAllowed() ? opts.env.ECCS_OCSP_URL : undefined
  const ocsp = ocspOverride ? [ocspOverride] : ocspUrls(probe, opts.resourcesDir)
  if (mode === 'off')
    checks.push({ id: 'revocation', title: 'Revocation (OCSP)', status: 'skip', detail: 'revocationCheck is off' })
  else if (settings.networkBlocked)
    checks.push({
      id: 'revocation',
      title: 'Revocation (OCSP)',
      status: 'skip',
      detail: 'network disabled: machine policy invalid'
    })
  else if (ocsp.length === 0)
    checks.push({
      id: 'revocation',
      title: 'Revocation (OCSP)',
      status: 'warn',
      detail: 'no OCSP address known',
      hint: 'Insert the card so its certificate names the responder.'
    })
  else {
    const url = ocsp[0] ?? ''
    const r = await probeUrl(url, transport)
    const via = `${r.viaProxy ? ` via proxy ${r.viaProxy}` : ''}${pacNote}`
    checks.push(
      r.reachable
        ? {
            id: 'revocation',
            title: 'Revocation (OCSP)',
            status: 'ok',
            detail: `${url} answered (HTTP ${r.status})${via}`
          }
        : {
            id: 'revocation',
            title: 'Revocation (OCSP)',
            status: mode === 'hard-fail' ? 'fail' : 'warn',
            detail: `${url} unreachable${via}: ${r.code ?? r.error}`,
            hint: `Allow outbound HTTP to ${new URL(url).host} (or through the proxy). With revocationCheck=${mode} ${mode === 'hard-fail' ? 'signing is blocked' : 'signing continues with a warning'}.`
          }
    )
  }

  // Platform API
  if (settings.networkBlocked)
    checks.push({
      id: 'api',
      title: 'Platform API',
      status: 'fail',
      detail: 'network disabled because the machine policy is invalid',
      hint: 'Fix the machine policy (see the policy check).'
    })
  else if (!config.apiBaseUrl)
    checks.push({
      id: 'api',
      title: 'Platform API',
      status: 'warn',
      detail: 'no platform address configured',
      hint: 'Set apiBaseUrl in the machine policy.'
    })
  else {
    const url = `${config.apiBaseUrl.replace(/\/+$/, '')}/api/v1/health`
    const r = await probeUrl(url, transport)
    const via = `${r.viaProxy ? ` via proxy ${r.viaProxy}` : ''}${pacNote}`
    const tls = /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|HOSTNAME|ALTNAME/.test(r.code ?? '')
    if (r.reachable && r.status === 200)
      checks.push({ id: 'api', title: 'Platform API', status: 'ok', detail: `${url} healthy${via}` })
    else if (r.reachable)
      checks.push({
        id: 'api',
        title: 'Platform API',
        status: 'fail',
        detail: `${url} answered HTTP ${r.status}${via}`,
        hint: 'Check apiBaseUrl; the platform may be in maintenance.'
      })
    else if (tls)
      checks.push({
        id: 'api',
        title: 'Platform API',
        status: 'fail',
        detail: `TLS certificate not trusted (${r.code})${via}`,
        hint: 'A TLS-inspecting proxy? Add its CA certificate to extraCaCertificates in the machine policy. Verification is never turned off.'
      })
    else
      checks.push({
        id: 'api',
        title: 'Platform API',
        status: 'fail',
        detail: `${url} unreachable${via}: ${r.code ?? r.error}`,
        hint: 'Check the network, the proxy setting (policy proxy or HTTPS_PROXY) and the firewall.'
      })
  }

  const worst = worstStatus(checks)
  const { certificate, readers, ...card } = probe.status
  return {
    tool: 'eccs-client doctor',
    version: opts.version,
    time: now.toISOString(),
    platform: `${process.platform}-${process.arch}`,
    worst,
    exitCode: EXIT[worst],
    card: {
      ...card,
      readers: readers.map((r) => r.name),
      ...(certificate
        ? {
            certificate: {
              issuer: certificate.issuer,
              notAfter: certificate.notAfter,
              cardSerialEnd: certificate.cardSerial.slice(-4)
            }
          }
        : {})
    },
    checks
  }
}

const MARK = { ok: ' ok ', warn: 'WARN', fail: 'FAIL', skip: ' -- ' } as const

export function formatDoctor(report: DoctorReport): string {
  const lines = report.checks.map(
    (c) =>
      `[${MARK[c.status]}] ${c.title.padEnd(20)} ${c.detail}${c.hint && c.status !== 'ok' ? `\n        → ${c.hint}` : ''}`
  )
  return [
    `eccs-client doctor ${report.version} (${report.platform}) — card: ${report.card.phase}`,
    ...lines,
    `result: ${report.worst} (exit ${report.exitCode})`
  ].join('\n')
}
