import { loadCoreConfig } from '../config'
import { loadPolicyFile, policyFilePath, policySchemaText } from '../policy'
import { EXIT, type CliIo } from './report'

// `eccs-client policy validate FILE` (exit 0 when valid, 2 naming each bad key otherwise),
// `policy show` (the settings in effect with their sources and locks) and `policy schema`.

const USAGE = 'usage: eccs-client policy validate FILE [--json] | policy show [--json] | policy schema'

export function runPolicyCommand(
  argv: string[],
  io: CliIo,
  opts: { version: string; resourcesDir: () => string }
): number {
  const [sub, ...rest] = argv
  const json = rest.includes('--json')
  const args = rest.filter((a) => a !== '--json')
  if (sub === 'validate') {
    const file = args[0]
    if (!file || args.length > 1) {
      io.err(`${USAGE}\n`)
      return EXIT.usage
    }
    const state = loadPolicyFile(file)
    if (json)
      io.out(
        `${JSON.stringify({ file, status: state.status, issues: state.status === 'invalid' ? state.issues : [] }, null, 2)}\n`
      )
    if (state.status === 'valid') {
      if (!json)
        io.out(
          `${file}: valid (${
            Object.keys(state.policy)
              .filter((k) => k !== '$schema')
              .join(', ') || 'no keys'
          })\n`
        )
      return EXIT.ok
    }
    if (!json) {
      if (state.status === 'absent') io.err(`${file}: no such file\n`)
      else for (const issue of state.issues) io.err(`${file}: ${issue.key ? `${issue.key}: ` : ''}${issue.message}\n`)
    }
    return EXIT.fail
  }
  if (sub === 'show') {
    const config = loadCoreConfig(io.env, { version: opts.version, resourcesDir: opts.resourcesDir() })
    const s = config.settings
    const view = {
      policyFile: policyFilePath(io.env),
      policy: s.policy,
      values: s.values,
      sources: s.sources,
      locked: s.locked,
      userWarnings: s.userWarnings,
      networkBlocked: s.networkBlocked
    }
    if (json) io.out(`${JSON.stringify(view, null, 2)}\n`)
    else {
      io.out(`policy: ${s.policy.path} (${s.policy.status})\n`)
      for (const [key, value] of Object.entries(s.values))
        io.out(
          `  ${key.padEnd(20)} ${JSON.stringify(value)}  [${s.sources[key as keyof typeof s.sources]}${s.locked.includes(key as never) ? ', locked' : ''}]\n`
        )
    }
    return s.networkBlocked ? EXIT.fail : EXIT.ok
  }
  if (sub === 'schema') {
    io.out(policySchemaText())
    return EXIT.ok
  }
  io.err(`${USAGE}\n`)
  return EXIT.usage
}
