import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startMockServer, type MockServer } from '../../server-mock/server'
import { startPcscd, type PcscdHandle } from './pcscd'
import { identityRecordsOf, loadOrGenerateTestPki, type CitizenVariant, type TestPki } from '../../server-mock/test-pki'
import { provisionCard, type SoftHsmCard } from './softhsm'
import { MOICA_ATR, VirtualCard } from './virtual-card'

// The whole stand-in for a desk with a reader and a MOICA card: a private pcscd with two virtual
// readers, a virtual card for each, a SoftHSM token holding a test citizen's keys and
// certificates, and (optionally) server-mock over HTTPS. `env` is what the app needs to use it.

export interface RigOptions {
  variant?: CitizenVariant
  pin?: string
  /** Insert the default MOICA card into reader 0 right away. */
  insert?: boolean
  /** Start server-mock (HTTPS) trusting the test PKI. */
  server?: boolean
  /**
   * A second card (another test citizen's token with its own PIN) that `swapCard()` puts into
   * reader 0 instead of the first. SoftHSM is not tied to a PC/SC reader, so both cards share one
   * SOFTHSM2_CONF whose token directory `swapCard()` rewrites while the reader is empty; the app
   * reads it at the C_Initialize that detection redoes for a new card.
   */
  secondCard?: { variant: CitizenVariant; pin: string }
}

export type RigServer = MockServer

export interface Rig {
  dir: string
  pki: TestPki
  pcscd: PcscdHandle
  /** Virtual cards for reader 0 and reader 1. */
  cards: [VirtualCard, VirtualCard]
  token: SoftHsmCard
  /** The second card's token (RigOptions.secondCard), else null. */
  secondToken: SoftHsmCard | null
  /**
   * Pulls the card from reader 0 and inserts the other one (first ⇄ second); resolves with the
   * token now inserted. Throws when the rig has no second card.
   */
  swapCard(): Promise<SoftHsmCard>
  server: RigServer | null
  /** Dev trust folder (TEST GRCA anchor + TEST MOICA intermediate) for ECCS_DEV_TRUST_DIR. */
  trustDir: string
  env: Record<string, string>
  stop(): Promise<void>
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'eccs-rig-'))
  const cleanups: (() => Promise<void>)[] = []
  const stop = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const pki = await loadOrGenerateTestPki()
    const citizen = pki.citizens[opts.variant ?? 'valid']
    const token = await provisionCard(citizen, { dir: join(dir, 'softhsm'), ...(opts.pin ? { pin: opts.pin } : {}) })
    const secondToken = opts.secondCard
      ? await provisionCard(pki.citizens[opts.secondCard.variant], {
          dir: join(dir, 'softhsm-2'),
          pin: opts.secondCard.pin
        })
      : null
    // With two cards the app's SOFTHSM2_CONF is a copy that swapCard() points at the inserted card.
    const activeConf = secondToken ? join(dir, 'softhsm-active.conf') : token.conf
    if (secondToken) copyFileSync(token.conf, activeConf)
    let inReader = token

    const trustDir = join(dir, 'trust')
    mkdirSync(trustDir)
    copyFileSync(pki.root.certPath, join(trustDir, 'test-grca.pem'))
    copyFileSync(pki.moica.certPath, join(trustDir, 'test-moica.pem'))

    const pcscd = await startPcscd({ dir: join(dir, 'pcscd') })
    cleanups.push(() => pcscd.stop())
    const cards: [VirtualCard, VirtualCard] = [
      new VirtualCard({ port: pcscd.ports[0] ?? 0 }),
      new VirtualCard({ port: pcscd.ports[1] ?? 0 })
    ]
    cleanups.push(async () => {
      await Promise.all(cards.map((c) => c.close()))
    })

    let server: RigServer | null = null
    if (opts.server) {
      const s = await startMockServer({
        dataDir: join(dir, 'mock'),
        port: 0,
        anchors: [pki.root.certPath],
        intermediates: [pki.moica.certPath],
        crls: [pki.crlPath],
        ocsp: { issuerCertPath: pki.moica.certPath, issuerKeyPath: pki.moica.keyPath },
        seed: { demoCertificatePath: citizen.files.signCert },
        identityRecords: identityRecordsOf(pki),
        dev: true
      })
      server = s
      cleanups.push(() => s.close())
    }

    const env: Record<string, string> = {
      ...pcscd.env,
      ...token.env,
      SOFTHSM2_CONF: activeConf,
      ECCS_PKCS11_MODULE: token.module,
      ECCS_DEV_TRUST_DIR: trustDir,
      // Keep the app's settings, logs and (absent) machine policy inside the rig.
      ECCS_USER_DATA_DIR: join(dir, 'user-data'),
      ECCS_LOG_DIR: join(dir, 'logs'),
      ECCS_POLICY_FILE: join(dir, 'no-machine-policy.json'),
      // The test certificates' AIA names a placeholder; the test PKI's responder is server-mock's.
      ...(server
        ? { ECCS_API_URL: server.url, ECCS_API_CA: server.caCertPath, ECCS_OCSP_URL: `${server.apiBase}/ocsp` }
        : {})
    }
    if (opts.insert) await cards[0].insert(MOICA_ATR)
    const swapCard = async (): Promise<SoftHsmCard> => {
      if (!secondToken) throw new Error('this rig has no second card (RigOptions.secondCard)')
      const next = inReader === token ? secondToken : token
      await cards[0].remove()
      await writeFile(activeConf, await readFile(next.conf))
      inReader = next
      await cards[0].insert(MOICA_ATR)
      return next
    }
    return { dir, pki, pcscd, cards, token, secondToken, swapCard, server, trustDir, env, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
