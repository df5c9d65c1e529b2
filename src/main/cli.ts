import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { findResourcesDir } from './config'
import { formatDoctor, runDoctor } from './cli/doctor'
import { runPolicyCommand } from './cli/policy-command'
import { EXIT, type CliIo } from './cli/report'
import { runSupportBundleCommand } from './cli/support-command'
import { runVerifyCert, VERIFY_CERT_USAGE } from './pki'

// `eccs-client` — the IT command line, sharing the main-process code with the app (no Electron).
// Exit codes: 0 ok, 1 warnings, 2 failures, 64 usage error.

const HELP = `eccs-client — 實名認證桌面用戶端 (ECCS Real-Name Desktop Client) tools for IT

  eccs-client doctor [--json]            environment check (PC/SC, readers, card, module,
                                         certificate, chain, OCSP, API, policy); exit = worst result
  eccs-client policy validate FILE       check a policy.json; names every bad key (exit 2)
  eccs-client policy show [--json]       settings in effect, their sources and locked keys
  eccs-client policy schema              print the policy JSON Schema
  eccs-client verify-cert LEAF [--ca F]… RFC 5280 path validation of a certificate file
  eccs-client COMMAND --help             usage of one command
  eccs-client support-bundle [--out F]   doctor + logs + versions + policy, redacted, as .tar.gz

Exit codes: 0 ok · 1 warning · 2 failure · 64 usage error`

/** Usage of each subcommand, printed (exit 0) for `eccs-client SUBCOMMAND --help` / `-h`. */
const SUBCOMMAND_USAGE: Record<string, string> = {
  doctor: `usage: eccs-client doctor [--json]
  Checks PC/SC, readers, card, PKCS#11 module, certificate, chain (RFC 5280, the card's own
  validator), revocation, API and policy; prints a fix hint for each. Exit = worst result.`,
  policy: `usage: eccs-client policy validate FILE [--json] | policy show [--json] | policy schema
  validate  check a policy.json against the schema; names every bad key (exit 2)
  show      settings in effect, their sources and locked keys
  schema    print the policy JSON Schema`,
  'verify-cert': VERIFY_CERT_USAGE,
  'support-bundle': `usage: eccs-client support-bundle [--out FILE]
  Writes doctor output, logs, versions and the policy, redacted, as a .tar.gz.`
}

function appVersion(): string {
  for (const dir of [join(__dirname, '..', '..'), join(__dirname, '..'), process.cwd()]) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'eccs-client' && pkg.version) return pkg.version
    } catch {
      // try the next folder
    }
  }
  return '0.0.0'
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  const version = appVersion()
  const resourcesDir = (): string => findResourcesDir(__dirname)
  if (command && SUBCOMMAND_USAGE[command] && (rest.includes('--help') || rest.includes('-h'))) {
    io.out(`${SUBCOMMAND_USAGE[command]}\n`)
    return EXIT.ok
  }
  switch (command) {
    case 'doctor': {
      const unknown = rest.filter((a) => a !== '--json')
      if (unknown.length > 0) {
        io.err(`unknown option ${unknown.join(' ')}\nusage: eccs-client doctor [--json]\n`)
        return EXIT.usage
      }
      const report = await runDoctor({ env: io.env, version, resourcesDir: resourcesDir() })
      io.out(rest.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctor(report)}\n`)
      return report.exitCode
    }
    case 'policy':
      return runPolicyCommand(rest, io, { version, resourcesDir })
    case 'verify-cert':
      // The card layer's RFC 5280 path validation (src/main/pki/verify-cert-command.ts).
      return runVerifyCert(rest, { stdout: io.out, stderr: io.err })
    case 'support-bundle':
      return runSupportBundleCommand(rest, io, { version, resourcesDir: resourcesDir() })
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(`${HELP}\n`)
      return command === undefined ? EXIT.usage : EXIT.ok
    case '--version':
      io.out(`${version}\n`)
      return EXIT.ok
    default:
      io.err(`unknown command: ${command}\n\n${HELP}\n`)
      return EXIT.usage
  }
}

const SUBCOMMANDS = new Set(['doctor', 'policy', 'verify-cert', 'support-bundle'])

/**
 * For the Electron shell: the installed app has no Node to run bin/eccs-client.mjs (RunAsNode is
 * fused off), so `<app executable> doctor --json` (Linux packages link it as /usr/bin/eccs-client)
 * must run the CLI instead of opening a window. Returns the CLI arguments, or null for a normal start.
 */
export function cliArgsFromElectronArgv(argv: readonly string[], packaged: boolean): string[] | null {
  // Packaged: argv = [exe, ...args]. Development (`electron .`): argv = [electron, appPath, ...args].
  const args = argv.slice(packaged ? 1 : 2)
  const first = args[0]
  return first && SUBCOMMANDS.has(first) ? [...args] : null
}

/** Entry point used by bin/eccs-client.mjs (source via tsx, or out/main/cli.js when built). */
export function main(): void {
  const io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env }
  runCli(process.argv.slice(2), io).then(
    (code) => process.stdout.write('', () => process.exit(code)), // pcsclite keeps handles open: exit explicitly
    (err: unknown) => {
      process.stderr.write(`eccs-client: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(EXIT.fail)
    }
  )
}

if (require.main === module) main()
