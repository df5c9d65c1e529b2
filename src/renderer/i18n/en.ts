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
  ui: {
    nav: { login: 'Log in', register: 'Register', delegation: 'Customs delegation', confirm: 'Confirm delegations', records: 'Confirmation records', maintenance: 'Account maintenance', profile: 'Personal account data', logout: 'Log out' },
    offline: 'The platform cannot be reached right now; data may be out of date.',
    loggedInAs: 'Logged in: {name}',
    login: {
      title: 'Log in', generalUser: 'General user', certificate: 'Certificate login', account: 'Account', password: 'Password', submit: 'Log in',
      pin: 'PIN', loadCertificate: 'Load certificate', loaded: 'Certificate loaded.', confirm: 'OK', send: 'Submit', noAccount: 'No account yet?', register: 'Register'
    },
    register: {
      title: 'Account registration', steps: { env: 'Environment check', identity: 'Identity verification', data: 'Account data', done: 'Registered' },
      envOk: 'Operating system, card reader and certificate module passed the check.', envBad: 'Please fix the card reader or card problem first.', next: 'Next',
      nationalId: 'National ID or resident certificate number', pin: 'PIN', verify: 'Verify identity', verified: 'Identity verified: {name}',
      name: 'Name', account: 'Account', password: 'Password', passwordConfirm: 'Confirm password', email: 'Email', email2: 'Email2', mobile: 'Mobile number',
      phone: 'Phone', address: 'Address', birthDate: 'Date of birth', category: 'Category', individual: 'Individual', broker: 'Customs specialist',
      sendSms: 'Send SMS code', smsSent: 'Code sent to {mobile}', smsCode: 'Verification code', privacy: 'Privacy statement',
      privacyText: 'I have read and agree to the personal data statement.', submit: 'OK', success: 'Registered', successText: 'Account {account} was created; log in with your password or certificate.', home: 'Back to home',
      rules: { title: 'Password rules', length: 'At least 8 characters', digit: 'At least 1 digit', upper: 'At least 1 upper-case letter', lower: 'At least 1 lower-case letter' },
      mismatch: 'The passwords do not match', idInvalid: 'The national ID or resident certificate number is not valid',
      idKind: { 'national-id': 'National ID number', 'resident-old': 'Resident certificate (UI) number, old format', 'resident-new': 'Resident certificate (UI) number, new format' },
      reason: {
        cardNotReady: 'Insert your citizen certificate card and wait until the reader is ready.', idEmpty: 'Enter your national ID or resident certificate number.',
        idFormat: 'The number has 10 characters: a letter, then 1, 2, 8, 9 or A–D, then digits.', idCheckDigit: 'The check digit of this number is wrong; compare it with your card.',
        pinFormat: 'Enter your PIN: 6 to 8 digits.', mobileFormat: 'Enter a mobile number, e.g. 0911-222-333 or +886 911 222 333.',
        name: 'Enter your name exactly as on your certificate (at most {max} characters).', account: 'The account has 4 to 30 letters or digits (also _ . -) and starts with a letter or digit.',
        password: 'The password does not meet the password rules yet.', passwordMismatch: 'The passwords do not match.', email: 'Enter a valid e-mail address.',
        smsCode: 'Enter the 6-digit SMS code.', privacy: 'Tick the privacy statement.'
      }
    },
    query: {
      title: 'Confirm customs delegations', direction: 'Import/export', all: 'All', import: 'Import', export: 'Export', dateFrom: 'Declaration date (from)', dateTo: 'Declaration date (to)',
      houseBillNo: 'House bill number', status: 'Result', search: 'Search', results: '{n} results', none: 'No matching delegations', loading: 'Searching…',
      or: 'or',
      exportCsv: 'Export CSV', exportJson: 'Export JSON',
      fromCache: 'Offline: showing the local history, last synced {at}', fromCacheNever: 'Offline: the local history has not been synced yet'
    },
    status: { PENDING: 'Not yet confirmed', MATCH: 'Declaration matches', MISMATCH: 'Declaration does not match' },
    cols: { select: 'Select', declarationDate: 'Declaration date', houseBillNo: 'House bill no.', direction: 'Import/export', carrier: 'Carrier', goods: 'Goods', value: 'Declared value', status: 'Result' },
    detail: { title: 'Delegation details', masterBillNo: 'Master bill no.', quantity: 'Quantity', reason: 'Reason', confirmedAt: 'Confirmed at', via: 'Confirmed via', close: 'Close' },
    decide: {
      match: 'Declaration matches', mismatch: 'Declaration does not match', reason: 'Reason', reasonRequired: 'A reason is required', batch: 'Confirm {n} selected as matching', selectAll: 'Select all not yet confirmed',
      disabled: 'This account was registered by phone (EZWay) and has not enabled certificate confirmation.', enableLink: 'Enable certificate confirmation in account maintenance',
      done: 'Done: {ok} succeeded, {fail} failed', rowOk: 'OK', rowFail: 'Failed'
    },
    pin: { title: 'Enter your citizen certificate PIN', label: 'PIN', hint: '6 to 8 digits; too many wrong PINs lock the card.', pinFormat: 'Enter your PIN: 6 to 8 digits.',
      loadFirst: 'First press "Load certificate", then OK.', confirm: 'OK', cancel: 'Cancel',
      stage: { preparing: 'Preparing…', signing: 'Card signing ({done}/{total})…', submitting: 'Submitting ({done}/{total})…', done: 'Done' } },
    records: { title: 'Confirmation records', decision: 'Decision', all: 'All', confirmedAt: 'Confirmed at', via: 'Via', certificate: 'Citizen certificate', app: 'EZWay app' },
    profile: {
      title: 'Personal account data', account: 'Account', name: 'Name', nationalId: 'National ID', phone: 'Phone', email: 'E-mail', address: 'Address', mobile: 'Mobile',
      save: 'Save', saved: 'Saved', password: 'Password', oldPassword: 'Current password', newPassword: 'New password', changePassword: 'Change password', passwordChanged: 'Password changed',
      certificate: 'Certificate confirmation', enabled: 'Enabled', notEnabled: 'Not enabled', enable: 'Use citizen certificate', enabledNow: 'Certificate confirmation enabled'
    },
    pending: { badge: '{n} not yet confirmed', notifyTitle: 'New customs delegations', notifyBody: '{n} new delegations await confirmation', refresh: 'Refresh', enableNotify: 'Turn on desktop notifications' },
    error: { detail: ' ({code})' }
  },
  nav: { home: 'Home', diagnostics: 'Environment check', settings: 'Settings' },
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
    'card-locked': 'The card is locked',
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
    'card-locked': 'Too many wrong PINs locked the card; only MOICA can unlock it. Do not try more PINs.',
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
    notConfigured: 'not configured',
    pcsc: 'Smart-card service (PC/SC)',
    runtime: 'Runtime',
    os: 'OS release',
    cardState: 'Card state',
    cardType: 'Card type',
    certificate: 'Certificate',
    certificateText: '{issuer}, valid until {notAfter}, card number ending {serial}',
    apiState: 'Platform connection',
    probe: 'Connection test',
    probeOk: 'reachable ({ms} ms)',
    probeBad: 'unreachable ({ms} ms)',
    probeNone: 'not run',
    policy: 'Machine policy',
    checks: 'Checks',
    ok: 'OK',
    bad: 'Needs attention',
    recheck: 'Check again',
    support: 'Support info',
    supportHint: 'This text holds no PIN, password or login token and the national ID is masked; you can send it to the help desk.',
    copy: 'Copy support info',
    copied: 'Copied to the clipboard',
    copyFailed: 'Could not copy automatically; select the text and copy it',
    loading: 'Checking…',
    online: 'connected',
    offline: 'unreachable',
    unconfigured: 'not configured',
    policyState: { absent: 'none', valid: 'applied', invalid: 'invalid (network disabled)' }
  },
  settings: {
    cacheTitle: 'Local delegation history', cacheHint: 'After login the delegation history is kept on this computer so it can be searched offline.', clearCache: 'Clear local history', clearCacheConfirm: 'Delete the delegation history kept on this computer for this account?', clearCacheDone: 'The local history was cleared.',
    title: 'Settings',
    language: 'Interface language',
    languageHint: 'Stored on this computer; applies at once.',
    effective: 'Settings in effect',
    policy: 'Machine policy',
    policyPath: 'File',
    userPath: 'Personal settings file',
    lockedNote: 'Settings marked “Locked by the machine policy” are set by your IT staff and cannot be changed here.',
    locked: 'Locked',
    lockedBy: 'Locked by the machine policy',
    source: { policy: 'Machine policy', environment: 'Launch environment', user: 'Personal setting', default: 'Default' },
    sourceLabel: 'Source',
    valueLabel: 'Value',
    nameLabel: 'Setting',
    save: 'Save settings',
    saved: 'Settings saved. Some take effect after restarting the app.',
    reset: 'Reset to default',
    none: '(none)',
    yes: 'Yes',
    no: 'No',
    warnings: 'Invalid entries in the personal settings file were ignored:',
    keys: {
      apiBaseUrl: 'Platform address',
      pkcs11Modules: 'Card module (PKCS#11) paths',
      extraCaCertificates: 'Extra trusted CA certificates',
      proxy: 'Proxy',
      proxyBypass: 'Hosts reached without the proxy',
      revocationCheck: 'Certificate revocation check',
      autoUpdate: 'Automatic updates',
      updateChannel: 'Update channel',
      updateUrl: 'Update server',
      cacheRetentionDays: 'Days the offline history is kept',
      wipeCacheOnSignOut: 'Erase the offline history on sign-out',
      allowedReaders: 'Allowed card readers',
      logLevel: 'Log level'
    },
    revocation: { off: 'Off', 'soft-fail': 'On (warn when unreachable)', 'hard-fail': 'On (block signing when unreachable)' },
    channel: { latest: 'Stable', beta: 'Beta' },
    proxyHint: 'system, direct or http://host:port'
  }
}
export default en
