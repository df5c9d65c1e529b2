import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { cliArgsFromElectronArgv } from '../../src/main/cli'
import { loadOrGenerateTestPki } from '../../server-mock/test-pki'

// `eccs-client policy validate FILE` through the real bin script, as an administrator runs it
// before rolling a policy out with GPO / Intune / Jamf.

const root = join(__dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'eccs-policy-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliWith({}, ...args)
}

async function cliWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [join(root, 'bin/eccs-client.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      timeout: 60_000
    })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('eccs-client policy validate', () => {
  it('accepts the example policy', async () => {
    const r = await cli('policy', 'validate', join(root, 'resources/policy/policy.example.json'))
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('valid')
  })

  it('rejects a bad file with exit 2, one line per bad key', async () => {
    const file = join(dir, 'bad.json')
    writeFileSync(
      file,
      JSON.stringify({
        apiBaseUrl: 'http://plain.example',
        revocationCheck: 'maybe',
        pkcs11Modules: ['relative.so'],
        logLevl: 'info'
      })
    )
    const r = await cli('policy', 'validate', file)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${file}: apiBaseUrl: must use https://`)
    expect(r.stderr).toContain(`${file}: revocationCheck: must be one of`)
    expect(r.stderr).toContain(`${file}: pkcs11Modules[0]: must be an absolute path`)
    expect(r.stderr).toContain(`${file}: logLevl: unknown key`)
    const json = await cli('policy', 'validate', file, '--json')
    expect(json.code).toBe(2)
    expect((JSON.parse(json.stdout) as { issues: { key: string }[] }).issues.map((i) => i.key).sort()).toEqual([
      'apiBaseUrl',
      'logLevl',
      'pkcs11Modules[0]',
      'revocationCheck'
    ])
  })

  it('rejects broken JSON and a missing file; usage errors exit 64', async () => {
    const file = join(dir, 'broken.json')
    writeFileSync(file, '{"logLevel": ')
    const broken = await cli('policy', 'validate', file)
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain('not valid JSON')
    expect((await cli('policy', 'validate', join(dir, 'missing.json'))).code).toBe(2)
    expect((await cli('policy', 'validate')).code).toBe(64)
    expect((await cli('frobnicate')).code).toBe(64)
  })

  it('prints the committed schema', async () => {
    const r = await cli('policy', 'schema')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).properties.revocationCheck.enum).toEqual(['off', 'soft-fail', 'hard-fail'])
  })
})

describe('eccs-client support-bundle and the Electron entry', () => {
  it('writes a redacted .tar.gz with the doctor report, versions, policy and logs', async () => {
    const logs = join(dir, 'logs')
    mkdirSync(logs, { recursive: true })
    writeFileSync(join(logs, 'eccs.log'), '{"msg":"old line from before a fix: pin 123456 for A123456789"}\n')
    const out = join(dir, 'bundle.tar.gz')
    const r = await cliWith(
      {
        ECCS_LOG_DIR: logs,
        ECCS_POLICY_FILE: join(dir, 'none.json'),
        ECCS_USER_DATA_DIR: join(dir, 'user'),
        PCSCLITE_CSOCK_NAME: join(dir, 'no-pcscd.comm')
      },
      'support-bundle',
      '--out',
      out
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe(out)
    const raw = gunzipSync(readFileSync(out)).toString('utf8')
    expect(raw).toContain('eccs-client doctor')
    expect(raw).toContain('old line from before a fix')
    expect(raw).not.toContain('123456')
    expect(raw).not.toContain('A123456789')
  })

  it("delegates verify-cert to the card layer's path validation", async () => {
    const pki = await loadOrGenerateTestPki()
    const ok = await cli(
      'verify-cert',
      pki.citizens.valid.files.signCert,
      '--ca',
      pki.root.certPath,
      '--intermediate',
      pki.moica.certPath
    )
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout.trim()).toBe('valid')
    const untrusted = await cli(
      'verify-cert',
      pki.citizens.valid.files.signCert,
      '--ca',
      join(root, 'resources/ca/GRCA-G3.pem')
    )
    expect(untrusted.code).toBe(1)
  })

  it('recognises CLI invocations of the app executable', () => {
    expect(cliArgsFromElectronArgv(['/opt/eccs/eccs-client', 'doctor', '--json'], true)).toEqual(['doctor', '--json'])
    expect(cliArgsFromElectronArgv(['/usr/bin/electron', '.', 'policy', 'validate', 'p.json'], false)).toEqual([
      'policy',
      'validate',
      'p.json'
    ])
    expect(cliArgsFromElectronArgv(['/opt/eccs/eccs-client'], true)).toBeNull()
    expect(cliArgsFromElectronArgv(['/opt/eccs/eccs-client', '--no-sandbox'], true)).toBeNull()
  })
})
