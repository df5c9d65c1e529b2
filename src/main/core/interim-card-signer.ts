import * as pkcs11js from 'pkcs11js'
import type { CardStatus } from '../../shared/card-status'
import { AppError } from '../../shared/errors'
import type { AuthChallenge, CardOperations, CardSignature, DecisionFields, PerItemResult } from '../card/card-operations'
import { initialize, findToken, login, readCertificates, findSigningKey, signSha256Rsa, endSession } from '../card/pkcs11-ops'
import { buildAuthSignedData, buildDecisionStatement } from '../card/statement'
import { parseCertificate } from '../pki/certificate'

// INTERIM CardOperations until helper "card"'s worker-based signer is wired: the same PKCS#11
// steps (pkcs11-ops) run synchronously on the main thread, one operation at a time, one C_Login
// per operation, logout + finalize afterwards. It refuses to start unless the detection state
// machine says 讀卡機準備完成, and reports CARD_REMOVED if the card left during the operation.

export class InterimCardSigner implements CardOperations {
  private busy = false
  private cancelled = false

  constructor(private readonly status: () => CardStatus) {}

  async authenticate(challenge: AuthChallenge, pin: string): Promise<CardSignature> {
    const data = buildAuthSignedData(challenge)
    const [result] = await this.run([data], pin)
    if (!result?.ok) throw new AppError(result?.error.code ?? 'SIGNING_FAILED', result?.error.detail)
    return result.value
  }

  async signDecisions(items: DecisionFields[], pin: string, onProgress?: (done: number, total: number) => void): Promise<PerItemResult[]> {
    const blobs = items.map((f) => buildDecisionStatement(f))
    return this.run(blobs, pin, onProgress)
  }

  cancel(): void {
    this.cancelled = true
  }

  private async run(items: Buffer[], pin: string, onProgress?: (done: number, total: number) => void): Promise<PerItemResult[]> {
    if (this.busy) throw new AppError('CARD_BUSY')
    const before = this.status()
    if (before.phase !== 'ready' || !before.module) throw new AppError('NOT_READY', before.phase)
    this.busy = true
    this.cancelled = false
    const p11 = new pkcs11js.PKCS11()
    try {
      p11.load(before.module)
      initialize(p11)
      const { slot, state } = findToken(p11, null)
      const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION)
      let loggedIn = false
      try {
        const certs = readCertificates(p11, session)
        const cert = certs.find((c) => isSigningCertificate(c.der))
        if (!cert) throw new AppError('CERTIFICATE_NOT_FOUND')
        login(p11, slot, session, state, Buffer.from(pin, 'utf8'))
        loggedIn = true
        const key = findSigningKey(p11, session, cert.id)
        const out: PerItemResult[] = []
        for (const data of items) {
          if (this.cancelled) throw new AppError('OPERATION_CANCELLED')
          const signature = signSha256Rsa(p11, session, key, data)
          out.push({ ok: true, value: { certificate: cert.der.toString('base64'), signature: signature.toString('base64'), algorithm: 'RS256' } })
          onProgress?.(out.length, items.length)
          await new Promise((r) => setImmediate(r)) // let reader events through between items
        }
        if (this.status().phase !== 'ready') throw new AppError('CARD_REMOVED')
        return out
      } finally {
        endSession(p11, session, loggedIn)
      }
    } catch (err) {
      if (err instanceof AppError) throw err
      throw new AppError('SIGNING_FAILED', (err as Error).message, { cause: err })
    } finally {
      try {
        p11.C_Finalize()
      } catch {
        // not initialised
      }
      try {
        p11.close()
      } catch {
        // already closed
      }
      this.busy = false
    }
  }
}

/** The signing/authentication certificate: keyUsage digitalSignature, not a CA. */
function isSigningCertificate(der: Buffer): boolean {
  try {
    const c = parseCertificate(der)
    return c.keyUsage?.digitalSignature === true && !c.isCa
  } catch {
    return false
  }
}
