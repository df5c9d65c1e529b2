import type zhTW from './zh-TW'

type Messages<T> = { [K in keyof T]: T[K] extends string ? string : Messages<T[K]> }

const en: Messages<typeof zhTW> = {
  app: {
    title: 'Real-Name Desktop Client',
    subtitle: 'Customs delegation confirmation',
    demo: 'DEMO mode',
    demoHint: 'Demo environment: virtual reader, test citizen card and mock platform; all data is fictitious.',
    language: '中文'
  },
  nav: { home: 'Home', diagnostics: 'Environment check' },
  status: {
    label: 'Card reader status',
    starting: 'Checking card readers…',
    'pcsc-unavailable': 'Smart-card service (PC/SC) is not running',
    'no-reader': 'No card reader found',
    'no-card': 'Please insert your citizen certificate card',
    'unsupported-card': 'Unrecognised card',
    'module-missing': 'Card module not found',
    reading: 'Reading the citizen certificate…',
    'token-absent': 'The card could not be read',
    'certificate-missing': 'No certificate on the card',
    'chain-invalid': 'Certificate validation failed',
    ready: 'Card reader ready',
    holder: 'Card holder',
    validUntil: 'Valid until',
    reader: 'Reader',
    fix: 'What to do'
  },
  hint: {
    'pcsc-unavailable': 'Start the smart-card service; the app reconnects automatically.',
    'no-reader': 'Connect a card reader to this computer.',
    'no-card': 'Insert your citizen certificate card into the reader (chip up).',
    'unsupported-card': 'Make sure the card is a citizen digital certificate (MOICA).',
    'module-missing': 'Install the HiCOS card client, then re-insert the card.',
    'token-absent': 'Re-insert the card.',
    'certificate-missing': 'This card holds no certificate usable for signing.',
    'chain-invalid': 'The certificate may be expired, not yet valid, revoked, or not issued by MOICA.'
  },
  chain: {
    valid: 'valid',
    expired: 'expired',
    'not-yet-valid': 'not yet valid',
    untrusted: 'untrusted issuer',
    revoked: 'revoked',
    'revocation-unknown': 'revocation status unknown'
  },
  home: {
    intro: 'Confirm customs delegations with your citizen digital certificate. First make sure the status reads “Card reader ready”.'
  },
  diagnostics: {
    title: 'Environment check',
    readers: 'Card readers',
    none: '(none)',
    card: 'Card',
    atr: 'ATR',
    module: 'Card module (PKCS#11)',
    chain: 'Certificate chain',
    platform: 'Platform',
    version: 'Version',
    host: 'Running as',
    api: 'Platform address',
    notConfigured: 'not configured'
  }
}
export default en
