import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { existsSync } from 'node:fs'
import type { CardStatus } from '../../shared/card-status'
import { AppError } from '../../shared/errors'
import { parseCertificate, validateChain } from '../pki'
import type { RevocationChecker, ParsedCertificate, TrustStore } from '../pki'
import { matchAtr, platformModules, type CardTable } from './atr'
import type { SigningToken } from './signing-token'
import { Pkcs11Client } from './pkcs11-client'
import type { ReaderMonitor, ReaderSnapshot } from './reader-monitor'
import { firstExistingModule, type TokenContents } from './token-reader'

// The startup-detection state machine: reader snapshot → card table → PKCS#11 module → token →
// certificate → chain (+ revocation) → ready. Publishes a CardStatus on every change. A generation
// counter drops results of reads that a newer reader event has overtaken (card pulled while
// reading). Emits 'card-removed' when the card it described leaves its reader, so a running card
// operation can be aborted at once (Pkcs11Client.cardRemoved).

export interface CardServiceDeps {
  monitor: ReaderMonitor
  table: CardTable
  trust: TrustStore
  /** Modules from settings/policy/dev, tried before the card table's candidates. */
  preferredModules: string[]
  /** Token reads off the main thread; defaults to a private Pkcs11Client. */
  readToken?: (module: string) => Promise<TokenContents>
  /** OCSP/CRL check of a valid path; absent = revocation not checked. */
  revocation?: RevocationChecker
  /** Certificate policy OIDs the card certificate's path must assert (policy requiredCertificatePolicies). */
  requiredPolicies?: string[]
  now?: () => Date
}

/** Phase of a card whose PIN is locked (CardStatus 'card-locked', problem PIN_LOCKED): no PIN is asked for. */
export const LOCKED_CARD_PHASE = 'card-locked' as const

/** Where Linux distributions install the PC/SC daemon (Debian/Ubuntu: /usr/sbin; Fedora/Arch: /usr/bin). */
export const PCSCD_PATHS = ['/usr/sbin/pcscd', '/usr/bin/pcscd', '/sbin/pcscd', '/usr/local/sbin/pcscd']

/** Whether the PC/SC service is installed at all. Windows and macOS always ship one. */
export function pcscInstalled(
  platform: string = process.platform,
  exists: (path: string) => boolean = existsSync
): boolean {
  return platform !== 'linux' || PCSCD_PATHS.some((p) => exists(p))
}

/**
 * The fix hint for an unreachable PC/SC service. Linux tells "not installed" (install pcscd) from
 * "installed but not running" (start or restart it, e.g. after a crash) — saying "install" to
 * someone who has it installed sends them the wrong way.
 */
export function pcscInstallHint(
  platform: string = process.platform,
  installed: boolean = pcscInstalled(platform)
): string {
  if (platform === 'linux') {
    return installed
      ? 'pcscd is installed but not running (or it crashed): sudo systemctl restart pcscd.socket pcscd.service'
      : 'pcscd is not installed: sudo apt install pcscd (Fedora: sudo dnf install pcsc-lite), then sudo systemctl start pcscd.socket'
  }
  if (platform === 'win32') return 'Start the "Smart Card" (SCardSvr) Windows service.'
  return 'Restart the computer to restart the smart-card service.'
}

export type { CardIdentity } from './signing-token'

export class CardService extends EventEmitter {
  private status: CardStatus
  private generation = 0
  private token: SigningToken | null = null
  /** Reader whose card the current status describes (for 'card-removed'). */
  private cardReader: string | null = null
  private cardAtr: string | null = null
  /** Bumped whenever the described card leaves its reader (CardIdentity.generation). */
  private cardGeneration = 0
  private ownClient: Pkcs11Client | null = null
  private readonly readToken: (module: string) => Promise<TokenContents>
  private readonly now: () => Date

  constructor(private readonly deps: CardServiceDeps) {
    super()
    this.readToken =
      deps.readToken ??
      ((module) => {
        this.ownClient ??= new Pkcs11Client()
        return this.ownClient.readToken(module)
      })
    this.now = deps.now ?? (() => new Date())
    this.status = { phase: 'starting', readers: [], updatedAt: this.now().toISOString() }
  }

  start(): void {
    this.deps.monitor.on('change', this.onChange)
    this.deps.monitor.start()
  }

  private readonly onChange = (snap: ReaderSnapshot): void => void this.onSnapshot(snap)

  stop(): void {
    this.generation++
    this.deps.monitor.off('change', this.onChange)
    this.deps.monitor.stop()
    void this.ownClient?.close()
    this.ownClient = null
  }

  /** The ready card's signing identity, or null when not ready. */
  signingToken(): SigningToken | null {
    return this.token
  }

  current(): CardStatus {
    return this.status
  }

  private publish(next: Omit<CardStatus, 'updatedAt'>): void {
    // Retries and duplicate reader events must not flood the renderer with identical states.
    if (next.phase !== 'ready') this.token = null
    const { updatedAt: _prev, ...current } = this.status
    if (JSON.stringify(current) === JSON.stringify(next)) return
    this.status = { ...next, updatedAt: this.now().toISOString() }
    this.emit('status', this.status)
  }

  /**
   * An ATR outside the table: reads the token (read-only, no PIN, no login) with each configured
   * module, then each platform default, and takes the first that holds certificate objects.
   * Publishes unsupported-card (reader, ATR, modules tried) when none does; null then, or when a
   * newer reader event overtook the probe.
   */
  private async probeUnknownCard(
    gen: number,
    base: { readers: ReaderSnapshot['readers']; reader: string; atr?: string }
  ): Promise<{ module: string; contents: TokenContents } | null> {
    const candidates = [...new Set([...this.deps.preferredModules, ...platformModules(this.deps.table)])].filter((m) =>
      firstExistingModule([m])
    )
    const tried: string[] = []
    for (const module of candidates) {
      this.publish({ ...base, cardName: `ATR ${base.atr ?? ''}`, module, phase: 'reading' })
      try {
        const contents = await this.readToken(module)
        if (gen !== this.generation) return null
        if (contents.certificates.length > 0 || contents.pinLocked) return { module, contents }
        tried.push(`${module}: no certificates`)
      } catch (err) {
        if (gen !== this.generation) return null
        tried.push(`${module}: ${(err as Error).message}`)
      }
    }
    this.publish({
      ...base,
      phase: 'unsupported-card',
      problem: 'UNSUPPORTED_CARD',
      detail: `reader "${base.reader}", ATR ${base.atr ?? '?'}; modules tried: ${tried.join('; ') || 'none installed'}`
    })
    return null
  }

  private async onSnapshot(snap: ReaderSnapshot): Promise<void> {
    const gen = ++this.generation
    const readers = snap.readers
    // Gone, or another ATR in the same reader (a swap faster than one status poll).
    if (
      this.cardReader &&
      !readers.some((r) => r.name === this.cardReader && r.cardPresent && r.atr === this.cardAtr)
    ) {
      const left = this.cardReader
      this.cardReader = null
      this.cardAtr = null
      this.cardGeneration++
      this.token = null
      this.emit('card-removed', left)
    }
    if (snap.service === 'starting') return this.publish({ phase: 'starting', readers })
    if (snap.service === 'down') {
      const installed = pcscInstalled()
      return this.publish({
        phase: 'pcsc-unavailable',
        readers,
        problem: installed ? 'PCSC_UNAVAILABLE' : 'PCSC_NOT_INSTALLED',
        detail: pcscInstallHint(process.platform, installed)
      })
    }
    if (readers.length === 0) return this.publish({ phase: 'no-reader', readers, problem: 'NO_READER' })
    const withCard = readers.filter((r) => r.cardPresent && r.atr)
    if (withCard.length === 0) return this.publish({ phase: 'no-card', readers, problem: 'NO_CARD' })

    // Several readers: prefer a recognised card over an unknown one.
    const matched = withCard.map((r) => ({ r, m: matchAtr(this.deps.table, r.atr ?? '') }))
    const pick = matched.find((x) => x.m) ?? matched[0]
    if (!pick) return
    const base = { readers, reader: pick.r.name, atr: pick.r.atr }

    if (this.cardReader !== pick.r.name) this.cardGeneration++ // a card picked anew (another reader, or after a removal)
    this.cardReader = pick.r.name
    this.cardAtr = pick.r.atr ?? null
    const generation = this.cardGeneration
    let card: typeof base & { cardName: string }
    let module: string
    let contents: TokenContents
    if (!pick.m) {
      // Not in the ATR table: try the configured modules (policy, user), then every module the
      // platform knows, read-only and without a PIN, before calling the card unsupported.
      const found = await this.probeUnknownCard(gen, base)
      if (!found) return
      ;({ module, contents } = found)
      card = { ...base, cardName: `ATR ${pick.r.atr ?? ''}` }
    } else {
      card = { ...base, cardName: pick.m.name }
      const candidates = [...this.deps.preferredModules, ...pick.m.modules]
      const first = firstExistingModule(candidates)
      if (!first)
        return this.publish({
          ...card,
          phase: 'module-missing',
          problem: 'MODULE_MISSING',
          detail: candidates.join(', ')
        })
      module = first
      this.publish({ ...card, module, phase: 'reading' })
      try {
        contents = await this.readToken(module)
      } catch (err) {
        if (gen !== this.generation) return
        const code = err instanceof AppError ? err.code : 'TOKEN_NOT_FOUND'
        return this.publish({
          ...card,
          module,
          phase: code === 'MODULE_MISSING' ? 'module-missing' : 'token-absent',
          problem: code,
          detail: (err as Error).message
        })
      }
    }
    if (gen !== this.generation) return
    if (contents.pinLocked) return this.publish({ ...card, module, phase: LOCKED_CARD_PHASE, problem: 'PIN_LOCKED' })
    const picked = pickSigningCertificate(contents)
    if (!picked) {
      const unreadable = unparseableCertificates(contents)
      if (unreadable.length) {
        return this.publish({
          ...card,
          module,
          phase: 'certificate-unreadable',
          problem: 'CERTIFICATE_UNREADABLE',
          detail: unreadable.join('; ')
        })
      }
      return this.publish({ ...card, module, phase: 'certificate-missing', problem: 'CERTIFICATE_NOT_FOUND' })
    }
    const signing = picked.parsed

    const chain = validateChain(signing, this.deps.trust, this.now(), {
      requiredPolicies: this.deps.requiredPolicies ?? []
    })
    const certificate = {
      subjectName: signing.subjectName,
      cardSerial: signing.cardSerial,
      issuer: signing.issuerName,
      notBefore: signing.notBefore.toISOString(),
      notAfter: signing.notAfter.toISOString(),
      ...(signing.idLast4 ? { idLast4: signing.idLast4 } : {})
    }
    if (chain.notCitizen) {
      return this.publish({
        ...card,
        module,
        certificate,
        phase: 'not-citizen-certificate',
        problem: 'NOT_CITIZEN_CERTIFICATE',
        detail: chain.reason ?? chain.notCitizen.issuer
      })
    }
    if (chain.verdict !== 'valid') {
      return this.publish({
        ...card,
        module,
        certificate,
        chain: chain.verdict,
        phase: 'chain-invalid',
        problem: 'CHAIN_INVALID',
        ...(chain.reason ? { detail: chain.reason } : {})
      })
    }
    let revocationNote: string | undefined
    if (this.deps.revocation) {
      const rev = await this.deps.revocation.check(chain.path, this.now())
      if (gen !== this.generation) return
      if (rev.verdict !== 'valid') {
        return this.publish({
          ...card,
          module,
          certificate,
          chain: rev.verdict,
          phase: 'chain-invalid',
          problem: 'CHAIN_INVALID',
          detail: rev.reason
        })
      }
      revocationNote = rev.reason // soft-fail: ready, with the reason kept for diagnostics
    }
    this.publish({
      ...card,
      module,
      certificate,
      chain: 'valid',
      phase: 'ready',
      ...(revocationNote ? { detail: revocationNote } : {})
    })
    this.token = {
      module,
      target: { serial: contents.serial, label: contents.label },
      keyId: picked.id,
      certificateDer: signing.der,
      pinPad: contents.pinPad,
      pinLocked: contents.pinLocked,
      identity: {
        reader: pick.r.name,
        atr: pick.r.atr ?? '',
        tokenSerial: contents.serial,
        certSha256: createHash('sha256').update(signing.der).digest('hex'),
        generation
      }
    }
  }
}

/** Parse errors of certificate objects on the card, labelled by CKA_ID (the card holds them; we cannot read them). */
export function unparseableCertificates(contents: Pick<TokenContents, 'certificates'>): string[] {
  return contents.certificates.flatMap((c) => {
    try {
      parseCertificate(c.der)
      return []
    } catch (err) {
      return [`certificate ${c.id || '(no CKA_ID)'}: ${(err as Error).message}`]
    }
  })
}

/**
 * The signing/authentication certificate is the one whose key usage allows digitalSignature; its
 * CKA_ID names the private key to sign with.
 */
export function pickSigningCertificate(
  contents: Pick<TokenContents, 'certificates'>
): { parsed: ParsedCertificate; id: string } | null {
  const parsed = contents.certificates.flatMap((c) => {
    try {
      return [{ parsed: parseCertificate(c.der), id: c.id }]
    } catch {
      return [] // a malformed object on the card must not hide the good one
    }
  })
  return parsed.find((c) => c.parsed.keyUsage?.digitalSignature && !c.parsed.isCa) ?? null
}
