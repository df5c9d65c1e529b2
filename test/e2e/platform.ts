import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startMockServer, type MockServer } from '../../server-mock/server'
import { ApiClient } from '../../server-mock/test-helpers'
import { identityRecordsOf, type CitizenVariant } from '../../server-mock/test-pki'
import { startRig, type Rig } from '../rig/rig'
import { startWebHostOnRig, stopChild, type RunningApp } from './fixtures'

// The rig (pcscd, virtual cards, SoftHSM card) + a server-mock WITHOUT demo accounts, so the test
// citizen's card can go through 自然人憑證註冊 itself, + the built web host over both.

export interface PlatformApp extends RunningApp {
  server: MockServer
  /** POST to a dev endpoint (e.g. /dev/delegations) over HTTPS trusting only the dev CA. */
  dev(path: string, body: unknown): Promise<{ status: number; body: unknown }>
  lastSmsCode(): string
}

export interface PlatformOptions {
  /** A machine policy written to a file the web host reads (ECCS_POLICY_FILE, development builds). */
  policy?: Record<string, unknown>
  hostEnv?: Record<string, string>
  /** Which test citizen's card the rig carries (default the valid 王小明 card). */
  variant?: CitizenVariant
}

/** Starts everything; the caller owns `stop()`. */
export async function startPlatform(opts: PlatformOptions = {}): Promise<PlatformApp & { stop(): Promise<void> }> {
  const rig: Rig = await startRig(opts.variant ? { variant: opts.variant } : {})
  const citizen = rig.pki.citizens.valid
  const server = await startMockServer({
    dataDir: join(rig.dir, 'mock-platform'),
    port: 0,
    anchors: [rig.pki.root.certPath],
    intermediates: [rig.pki.moica.certPath],
    crls: [rig.pki.crlPath],
    seed: { demoAccounts: false, demoCertificatePath: citizen.files.signCert },
    identityRecords: identityRecordsOf(rig.pki),
    dev: true
  })
  const devApi = new ApiClient(server)
  const dev = async (path: string, body: unknown) => {
    const r = await devApi.post<unknown>(path, body)
    return { status: r.status, body: r.body }
  }
  const lastSmsCode = (): string => {
    const lines = readFileSync(server.smsOutboxPath, 'utf8').trim().split('\n')
    return (JSON.parse(lines.at(-1) ?? '{}') as { code: string }).code
  }
  // A private user-data folder, so settings saved by a test never touch the real one.
  const userDataDir = join(rig.dir, 'user-data')
  mkdirSync(userDataDir, { recursive: true })
  const policyEnv: Record<string, string> = {}
  if (opts.policy) {
    const policyPath = join(rig.dir, 'policy.json')
    writeFileSync(policyPath, JSON.stringify(opts.policy))
    policyEnv.ECCS_POLICY_FILE = policyPath
  } else policyEnv.ECCS_POLICY_FILE = join(rig.dir, 'no-policy.json')
  let child: RunningApp['process'] | null = null
  const stop = async (): Promise<void> => {
    if (child) await stopChild(child)
    await server.close().catch(() => undefined) // a test may have closed it already
    await rig.stop()
  }
  try {
    const started = await startWebHostOnRig(rig, {
      ECCS_API_URL: server.url,
      ECCS_API_CA: server.caCertPath,
      ECCS_USER_DATA_DIR: userDataDir,
      ...policyEnv,
      ...(opts.hostEnv ?? {})
    })
    child = started.child
    return {
      rig,
      get appUrl() {
        return started.appUrl // the newest single-use App URL the host printed
      },
      process: started.child,
      server,
      dev,
      lastSmsCode,
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}
