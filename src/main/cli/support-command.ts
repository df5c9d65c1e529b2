import { join } from 'node:path'
import { loadCoreConfig } from '../config'
import { exportSupportBundle } from '../logging'
import { runDoctor } from './doctor'
import { EXIT, type CliIo } from './report'

// `eccs-client support-bundle [--out FILE]`: runs the doctor and packs it with the logs, versions
// and the policy in effect (all redacted) into one .tar.gz for a support ticket.

export async function runSupportBundleCommand(
  argv: string[],
  io: CliIo,
  opts: { version: string; resourcesDir: string }
): Promise<number> {
  const outIndex = argv.indexOf('--out')
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const outFile =
    outIndex >= 0 && argv[outIndex + 1]
      ? (argv[outIndex + 1] as string)
      : join(process.cwd(), `eccs-support-${stamp}.tar.gz`)
  const config = loadCoreConfig(io.env, opts)
  const doctor = await runDoctor({ env: io.env, ...opts })
  const result = exportSupportBundle({
    outFile,
    logDir: config.logDir,
    doctor,
    settings: config.settings,
    versions: { app: opts.version }
  })
  io.out(`${result.file}\n`)
  return EXIT.ok
}
