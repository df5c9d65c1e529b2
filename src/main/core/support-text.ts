import type { DiagnosticsReport } from '../../shared/diagnostics'
import { redactText } from '../logging'

// The "copy support info" text: plain lines a user can paste into a mail to the help desk. Built
// only from the report (which holds no secrets) and scrubbed once more as a backstop.

export function formatSupportText(r: DiagnosticsReport): string {
  const lines = [
    'ECCS Real-Name Desktop Client — support info',
    `generated: ${r.generatedAt}`,
    `app: ${r.app.version} (${r.app.host}${r.app.demo ? ', DEMO' : ''})`,
    `runtime: node ${r.runtime.node}${r.runtime.electron ? `, electron ${r.runtime.electron}` : ''}${r.runtime.chrome ? `, chrome ${r.runtime.chrome}` : ''}`,
    `platform: ${r.runtime.platform} (${r.runtime.osRelease})`,
    `card: ${r.card.phase}${r.card.problem ? ` [${r.card.problem}]` : ''}`,
    `readers: ${r.card.readers.length === 0 ? '(none)' : r.card.readers.map((x) => `${x.name}${x.cardPresent ? ` [card${x.atr ? ` ATR ${x.atr}` : ''}]` : ''}`).join('; ')}`,
    `card type: ${r.card.cardName ?? '-'}`,
    `module: ${r.card.module ?? '-'}`,
    `chain: ${r.card.chain ?? '-'}`,
    `certificate: ${r.card.certificate ? `issuer ${r.card.certificate.issuer}; valid until ${r.card.certificate.notAfter}; card …${r.card.certificate.cardSerialEnd}${r.card.certificate.idMasked ? `; ID ${r.card.certificate.idMasked}` : ''}` : '-'}`,
    `api: ${r.api.origin ?? '(not configured)'} — ${r.api.state}${r.api.problem ? ` [${r.api.problem}]` : ''}`,
    `api probe: ${r.api.probe ? `${r.api.probe.reachable ? 'reachable' : 'unreachable'} in ${r.api.probe.ms} ms${r.api.probe.problem ? ` [${r.api.probe.problem}]` : ''}` : 'not run'}`,
    `policy: ${r.policy.status}${r.policy.locked.length ? `; locked: ${r.policy.locked.join(', ')}` : ''}`,
    `session: ${r.session.loggedIn ? 'logged in' : 'not logged in'}`
  ]
  return redactText(lines.join('\n'))
}
