import { EventEmitter } from 'node:events'
import type { CardStatus } from '../../shared/card-status'
import { AppError } from '../../shared/errors'
import { parseCertificate, type ParsedCertificate } from '../pki/certificate'
import { validateChain } from '../pki/chain'
import type { RevocationChecker } from '../pki/revocation'
import type { TrustStore } from '../pki/trust-store'
import { matchAtr, type CardTable } from './atr'
import type { SigningToken } from './card-signer'
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
  now?: () => Date
}

/** Phase of a card whose PIN is locked (CardStatus 'card-locked', problem PIN_LOCKED): no PIN is asked for. */
export const LOCKED_CARD_PHASE = 'card-locked' as const

export function pcscInstallHint(platform: string = process.platform): string {
  if (platform === 'linux') return 'Install and start the PC/SC daemon: sudo apt install pcscd && sudo systemctl start pcscd.socket'
  if (platform === 'win32') return 'Start the "Smart Card" (SCardSvr) Windows service.'
  return 'Restart the computer to restart the smart-card service.'
}

export class CardService extends EventEmitter {
  private status: CardStatus
  private generation = 0
  private token: SigningToken | null = null
  /** Reader whose card the current status describes (for 'card-removed'). */
  private cardReader: string | null = null
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
    this.deps.monitor.on('change', (snap: ReaderSnapshot) => void this.onSnapshot(snap))
    this.deps.monitor.start()
  }

  stop(): void {
    this.generation++
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

  private async onSnapshot(snap: ReaderSnapshot): Promise<void> {
    const gen = ++this.generation
    const readers = snap.readers
    if (this.cardReader && !readers.some((r) => r.name === this.cardReader && r.cardPresent)) {
      const left = this.cardReader
      this.cardReader = null
      this.token = null
      this.emit('card-removed', left)
    }
    if (snap.service === 'starting') return this.publish({ phase: 'starting', readers })
    if (snap.service === 'down') {
      return this.publish({ phase: 'pcsc-unavailable', readers, problem: 'PCSC_UNAVAILABLE', detail: pcscInstallHint() })
    }
    if (readers.length === 0) return this.publish({ phase: 'no-reader', readers, problem: 'NO_READER' })
    const withCard = readers.filter((r) => r.cardPresent && r.atr)
    if (withCard.length === 0) return this.publish({ phase: 'no-card', readers, problem: 'NO_CARD' })

    // Several readers: prefer a recognised card over an unknown one.
    const matched = withCard.map((r) => ({ r, m: matchAtr(this.deps.table, r.atr ?? '') }))
    const pick = matched.find((x) => x.m) ?? matched[0]
    if (!pick) return
    const base = { readers, reader: pick.r.name, atr: pick.r.atr }
    if (!pick.m) return this.publish({ ...base, phase: 'unsupported-card', problem: 'UNSUPPORTED_CARD', detail: `${pick.r.name} ATR ${pick.r.atr}` })

    this.cardReader = pick.r.name
    const card = { ...base, cardName: pick.m.name }
    const candidates = [...this.deps.preferredModules, ...pick.m.modules]
    const module = firstExistingModule(candidates)
    if (!module) return this.publish({ ...card, phase: 'module-missing', problem: 'MODULE_MISSING', detail: candidates.join(', ') })

    this.publish({ ...card, module, phase: 'reading' })
    let contents: TokenContents
    try {
      contents = await this.readToken(module)
    } catch (err) {
      if (gen !== this.generation) return
      const code = err instanceof AppError ? err.code : 'TOKEN_NOT_FOUND'
      return this.publish({ ...card, module, phase: code === 'MODULE_MISSING' ? 'module-missing' : 'token-absent', problem: code, detail: (err as Error).message })
    }
    if (gen !== this.generation) return
    if (contents.pinLocked) return this.publish({ ...card, module, phase: LOCKED_CARD_PHASE, problem: 'PIN_LOCKED' })
    const picked = pickSigningCertificate(contents)
    if (!picked) return this.publish({ ...card, module, phase: 'certificate-missing', problem: 'CERTIFICATE_NOT_FOUND' })
    const signing = picked.parsed

    const chain = validateChain(signing, this.deps.trust, this.now())
    const certificate = {
      subjectName: signing.subjectName,
      cardSerial: signing.cardSerial,
      issuer: signing.issuerName,
      notBefore: signing.notBefore.toISOString(),
      notAfter: signing.notAfter.toISOString(),
      ...(signing.idLast4 ? { idLast4: signing.idLast4 } : {})
    }
    if (chain.verdict !== 'valid') {
      return this.publish({ ...card, module, certificate, chain: chain.verdict, phase: 'chain-invalid', problem: 'CHAIN_INVALID', ...(chain.reason ? { detail: chain.reason } : {}) })
    }
    let revocationNote: string | undefined
    if (this.deps.revocation) {
      const rev = await this.deps.revocation.check(chain.path, this.now())
      if (gen !== this.generation) return
      if (rev.verdict !== 'valid') {
        return this.publish({ ...card, module, certificate, chain: rev.verdict, phase: 'chain-invalid', problem: 'CHAIN_INVALID', detail: rev.reason })
      }
      revocationNote = rev.reason // soft-fail: ready, with the reason kept for diagnostics
    }
    this.publish({ ...card, module, certificate, chain: 'valid', phase: 'ready', ...(revocationNote ? { detail: revocationNote } : {}) })
    this.token = {
      module,
      target: { serial: contents.serial, label: contents.label },
      keyId: picked.id,
      certificateDer: signing.der,
      pinPad: contents.pinPad,
      pinLocked: contents.pinLocked
    }
  }
}

/**
 * The signing/authentication certificate is the one whose key usage allows digitalSignature; its
 * CKA_ID names the private key to sign with.
 */
export function pickSigningCertificate(contents: Pick<TokenContents, 'certificates'>): { parsed: ParsedCertificate; id: string } | null {
  const parsed = contents.certificates.flatMap((c) => {
    try {
      return [{ parsed: parseCertificate(c.der), id: c.id }]
    } catch {
      return [] // a malformed object on the card must not hide the good one
    }
  })
  return parsed.find((c) => c.parsed.keyUsage?.digitalSignature && !c.parsed.isCa) ?? null
}
