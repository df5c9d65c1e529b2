import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DoctorReport } from '../../src/main/cli/doctor'
import { startRig, type Rig } from './rig'
import { MOICA_ATR } from './virtual-card'

// `eccs-client doctor --json` as IT runs it (a separate process, through bin/eccs-client.mjs) on
// the rig in each card state. The child gets the rig's environment: private pcscd socket,
// SoftHSM token as the PKCS#11 module, TEST trust anchors, server-mock over HTTPS.
// (A "no reader" state cannot be produced: vpcd always offers its two virtual readers.)

const root = join(__dirname, '../..')
let rig: Rig
let home: string

beforeAll(async () => {
  rig = await startRig({ server: true })
  home = mkdtempSync(join(tmpdir(), 'eccs-doctor-'))
})

afterAll(async () => {
  await rig?.stop()
  if (home) rmSync(home, { recursive: true, force: true })
})

function run(
  args: string[],
  extraEnv: Record<string, string> = {},
  viaNpx = false
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    ...rig.env,
    ECCS_POLICY_FILE: join(home, 'no-policy.json'),
    ECCS_USER_DATA_DIR: join(home, 'user'),
    ECCS_LOG_DIR: join(home, 'logs'),
    // server-mock's OCSP responder stands in for MOICA's (the test certificates name port 80)
    ECCS_OCSP_URL: `${rig.server?.url ?? ''}/api/v1/ocsp`,
    ...extraEnv
  }
  const [cmd, argv] = viaNpx
    ? ['npx', ['--offline', 'eccs-client', ...args]]
    : [process.execPath, [join(root, 'bin/eccs-client.mjs'), ...args]]
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the virtual cards answer vpcd from this process's event loop.
    const child = spawn(cmd as string, argv as string[], { cwd: root, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

async function doctor(
  extraEnv: Record<string, string> = {},
  viaNpx = false
): Promise<{ code: number; report: DoctorReport }> {
  const r = await run(['doctor', '--json'], extraEnv, viaNpx)
  const start = r.stdout.indexOf('{')
  if (start < 0) throw new Error(`no JSON from doctor (exit ${r.code}): ${r.stdout}\n${r.stderr}`)
  return { code: r.code, report: JSON.parse(r.stdout.slice(start)) as DoctorReport }
}

const statusOf = (report: DoctorReport, id: string): string | undefined =>
  report.checks.find((c) => c.id === id)?.status

describe('eccs-client doctor on the rig', () => {
  it('no card: readers ok, card warns, exit 1', async () => {
    const { code, report } = await doctor()
    expect(report.card.phase).toBe('no-card')
    expect(report.card.readers.sort()).toEqual(rig.pcscd.readerNames)
    expect(statusOf(report, 'pcsc')).toBe('ok')
    expect(statusOf(report, 'readers')).toBe('ok')
    expect(statusOf(report, 'card')).toBe('warn')
    expect(statusOf(report, 'module')).toBe('ok') // the SoftHSM module is installed
    expect(statusOf(report, 'chain')).toBe('skip')
    expect(statusOf(report, 'api')).toBe('ok')
    expect(report.worst).toBe('warn')
    expect(code).toBe(1)
  })

  it('ready (run as `npx eccs-client doctor --json`): every check ok, exit 0', async () => {
    await rig.cards[0].insert(MOICA_ATR)
    const { code, report } = await doctor({}, true)
    expect(report.card.phase).toBe('ready')
    expect(report.card.module).toBe(rig.token.module)
    expect(report.card.chain).toBe('valid')
    expect(report.card.certificate?.issuer).toBeTruthy()
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['policy', 'ok'],
      ['pcsc', 'ok'],
      ['readers', 'ok'],
      ['card', 'ok'],
      ['module', 'ok'],
      ['certificate', 'ok'],
      ['chain', 'ok'],
      ['revocation', 'ok'],
      ['api', 'ok']
    ])
    expect(code).toBe(0)
    // the report carries no personal data: no name, no national ID
    const text = JSON.stringify(report)
    expect(text).not.toContain('王小明')
    expect(text).not.toContain('A123456789')
    await rig.cards[0].remove()
  })

  it('unsupported card: card fails naming reader and ATR, exit 2', async () => {
    const atr = '3B8F8001804F0CA000000306030001000000006A'
    await rig.cards[1].insert(atr)
    // No configured module: an unlisted ATR is tried with the platform's modules (OpenSC here),
    // which find no token on it (SoftHSM, the rig's token, would answer for any reader).
    const { code, report } = await doctor({ ECCS_PKCS11_MODULE: '' })
    expect(report.card.phase).toBe('unsupported-card')
    const card = report.checks.find((c) => c.id === 'card')
    expect(card?.status).toBe('fail')
    expect(card?.detail).toContain(atr)
    expect(card?.hint).toBeTruthy()
    expect(code).toBe(2)
    await rig.cards[1].remove()
  }, 60_000) // the doctor now also tries the platform's modules (OpenSC) on the unknown card

  it('an unreachable OCSP responder warns under soft-fail and fails under hard-fail', async () => {
    const policy = join(home, 'hard.json')
    writeFileSync(policy, JSON.stringify({ revocationCheck: 'hard-fail' }))
    const dead = { ECCS_OCSP_URL: 'http://127.0.0.1:9/OCSP' }
    const soft = await doctor(dead)
    expect(statusOf(soft.report, 'revocation')).toBe('warn')
    const hard = await doctor({ ...dead, ECCS_POLICY_FILE: policy })
    expect(statusOf(hard.report, 'revocation')).toBe('fail')
    expect(hard.code).toBe(2)
  })

  it('an invalid machine policy fails the policy check, naming the key, and keeps the API offline', async () => {
    const policy = join(home, 'bad.json')
    writeFileSync(policy, JSON.stringify({ revocationCheck: 'sometimes' }))
    const { code, report } = await doctor({ ECCS_POLICY_FILE: policy })
    const p = report.checks.find((c) => c.id === 'policy')
    expect(p?.status).toBe('fail')
    expect(p?.detail).toContain('revocationCheck')
    expect(report.checks.find((c) => c.id === 'api')?.detail).toContain('network disabled')
    expect(code).toBe(2)
  })

  it('pcscd down: PC/SC fails with the install hint, exit 2', async () => {
    await rig.pcscd.kill()
    try {
      const { code, report } = await doctor()
      expect(report.card.phase).toBe('pcsc-unavailable')
      const pcsc = report.checks.find((c) => c.id === 'pcsc')
      expect(pcsc?.status).toBe('fail')
      expect(pcsc?.hint).toContain('pcscd')
      expect(statusOf(report, 'readers')).toBe('skip')
      expect(code).toBe(2)
    } finally {
      await rig.pcscd.restart()
    }
  })
})
