// SQLite persistence (better-sqlite3): schema and the row types shared by the route modules.
import Database from 'better-sqlite3'

export type Db = Database.Database

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (
  id INTEGER PRIMARY KEY,
  account TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  name TEXT NOT NULL,
  national_id TEXT NOT NULL UNIQUE,
  category TEXT NOT NULL,
  email TEXT NOT NULL,
  email2 TEXT,
  mobile TEXT NOT NULL,
  phone TEXT,
  address TEXT,
  birth_date TEXT,
  registered_via TEXT NOT NULL CHECK (registered_via IN ('certificate','app')),
  cert_enabled INTEGER NOT NULL DEFAULT 0,
  cert_card_serial TEXT UNIQUE,
  cert_serial TEXT,
  cert_subject TEXT,
  cert_issuer TEXT,
  cert_not_before TEXT,
  cert_not_after TEXT,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  via TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS challenges (
  id TEXT PRIMARY KEY,
  nonce TEXT NOT NULL,
  purpose TEXT NOT NULL,
  session_id TEXT,
  registration_id TEXT,
  delegation_id TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
CREATE TABLE IF NOT EXISTS registrations (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  national_id TEXT,
  name TEXT,
  card_serial TEXT,
  cert_serial TEXT,
  cert_subject TEXT,
  cert_issuer TEXT,
  cert_not_before TEXT,
  cert_not_after TEXT,
  mobile TEXT,
  sms_code_hash TEXT,
  sms_sent_at TEXT,
  sms_expires_at TEXT,
  sms_attempts INTEGER NOT NULL DEFAULT 0,
  sms_sends INTEGER NOT NULL DEFAULT 0,
  sms_verified INTEGER NOT NULL DEFAULT 0,
  account_id INTEGER
);
CREATE TABLE IF NOT EXISTS delegations (
  id TEXT PRIMARY KEY,
  national_id TEXT NOT NULL,
  declaration_date TEXT NOT NULL,
  house_bill_no TEXT NOT NULL,
  master_bill_no TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('IMPORT','EXPORT')),
  carrier TEXT NOT NULL,
  goods_description TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  declared_value REAL NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING','MATCH','MISMATCH')),
  reason TEXT,
  confirmed_at TEXT,
  confirmed_via TEXT CHECK (confirmed_via IN ('certificate','app')),
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS delegations_owner_date ON delegations (national_id, direction, declaration_date);
CREATE INDEX IF NOT EXISTS delegations_owner_declared ON delegations (national_id, declaration_date, id);
CREATE INDEX IF NOT EXISTS delegations_owner_version ON delegations (national_id, version);
CREATE INDEX IF NOT EXISTS delegations_owner_bill ON delegations (national_id, house_bill_no);
CREATE TABLE IF NOT EXISTS confirmations (
  id INTEGER PRIMARY KEY,
  delegation_id TEXT NOT NULL UNIQUE REFERENCES delegations(id),
  national_id TEXT NOT NULL,
  account_id INTEGER,
  decision TEXT NOT NULL,
  reason TEXT,
  confirmed_at TEXT NOT NULL,
  confirmed_via TEXT NOT NULL,
  cert_serial TEXT,
  card_serial TEXT,
  cert_fingerprint TEXT,
  challenge_id TEXT,
  statement BLOB,
  signature BLOB
);
CREATE INDEX IF NOT EXISTS confirmations_owner ON confirmations (national_id, confirmed_at);
CREATE TABLE IF NOT EXISTS idempotency (
  account_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (account_id, key)
);
CREATE TABLE IF NOT EXISTS audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL,
  account_id INTEGER,
  registration_id TEXT,
  delegation_id TEXT,
  challenge_id TEXT,
  decision TEXT,
  cert_serial TEXT,
  card_serial TEXT,
  cert_fingerprint TEXT,
  ip TEXT,
  detail TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`

export interface AccountRow {
  id: number
  account: string
  password_hash: string
  name: string
  national_id: string
  category: string
  email: string
  email2: string | null
  mobile: string
  phone: string | null
  address: string | null
  birth_date: string | null
  registered_via: 'certificate' | 'app'
  cert_enabled: number
  cert_card_serial: string | null
  cert_serial: string | null
  cert_subject: string | null
  cert_issuer: string | null
  cert_not_before: string | null
  cert_not_after: string | null
  failed_logins: number
  locked_until: string | null
  created_at: string
  updated_at: string
}

export interface DelegationRow {
  id: string
  national_id: string
  declaration_date: string
  house_bill_no: string
  master_bill_no: string
  direction: 'IMPORT' | 'EXPORT'
  carrier: string
  goods_description: string
  quantity: number
  declared_value: number
  currency: string
  status: 'PENDING' | 'MATCH' | 'MISMATCH'
  reason: string | null
  confirmed_at: string | null
  confirmed_via: 'certificate' | 'app' | null
  updated_at: string
  version: number
}

export interface ConfirmationRow {
  id: number
  delegation_id: string
  national_id: string
  account_id: number | null
  decision: 'MATCH' | 'MISMATCH'
  reason: string | null
  confirmed_at: string
  confirmed_via: 'certificate' | 'app'
  cert_serial: string | null
  card_serial: string | null
  cert_fingerprint: string | null
  challenge_id: string | null
}

export interface AuditEntry {
  at: string
  action: string
  outcome: string
  accountId?: number | null
  registrationId?: string | null
  delegationId?: string | null
  challengeId?: string | null
  decision?: string | null
  certSerial?: string | null
  cardSerial?: string | null
  certFingerprint?: string | null
  ip?: string | null
  detail?: string | null
}

export function openDb(path: string): Db {
  const db = new Database(path)
  // WAL with synchronous=NORMAL, SQLite's recommended pair: a commit survives a crash of the
  // process (the platform stand-in restarts in tests) without an fsync per decision.
  if (path !== ':memory:') {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
  }
  db.pragma('foreign_keys = ON')
  db.exec(SCHEMA)
  // Compiled statements are kept per SQL text: routes prepare the same few statements on every
  // request (a batch of 100 decisions runs ~1,000 of them), and compiling dominates their cost.
  // Safe because the server never changes a statement's mode (pluck/raw/expand).
  const cache = new Map<string, Database.Statement>()
  const prepare = db.prepare.bind(db)
  db.prepare = ((sql: string) => {
    let st = cache.get(sql)
    if (!st) {
      st = prepare(sql)
      cache.set(sql, st)
    }
    return st
  }) as typeof db.prepare
  return db
}

/** Next value of the global change counter used by /sync cursors. */
export function nextVersion(db: Db, count = 1): number {
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'version'`).get() as { value: string } | undefined
  const current = row ? Number(row.value) : 0
  db.prepare(
    `INSERT INTO meta (key, value) VALUES ('version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`
  ).run(String(current + count))
  return current + 1
}

export function writeAudit(db: Db, e: AuditEntry): void {
  db.prepare(
    `INSERT INTO audit_log (at, action, outcome, account_id, registration_id, delegation_id, challenge_id, decision, cert_serial, card_serial, cert_fingerprint, ip, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  ).run(
    e.at,
    e.action,
    e.outcome,
    e.accountId ?? null,
    e.registrationId ?? null,
    e.delegationId ?? null,
    e.challengeId ?? null,
    e.decision ?? null,
    e.certSerial ?? null,
    e.cardSerial ?? null,
    e.certFingerprint ?? null,
    e.ip ?? null,
    e.detail ?? null
  )
}

export const DELEGATION_INSERT = `INSERT INTO delegations
  (id, national_id, declaration_date, house_bill_no, master_bill_no, direction, carrier, goods_description, quantity,
   declared_value, currency, status, reason, confirmed_at, confirmed_via, updated_at, version)
  VALUES (@id, @national_id, @declaration_date, @house_bill_no, @master_bill_no, @direction, @carrier, @goods_description,
   @quantity, @declared_value, @currency, @status, @reason, @confirmed_at, @confirmed_via, @updated_at, @version)`

export const CONFIRMATION_INSERT = `INSERT INTO confirmations
  (delegation_id, national_id, account_id, decision, reason, confirmed_at, confirmed_via, cert_serial, card_serial, cert_fingerprint, challenge_id, statement, signature)
  VALUES (@delegation_id, @national_id, @account_id, @decision, @reason, @confirmed_at, @confirmed_via, @cert_serial, @card_serial, @cert_fingerprint, @challenge_id, @statement, @signature)`
