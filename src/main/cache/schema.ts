import type Database from 'better-sqlite3'

// Cache schema, versioned with PRAGMA user_version. MIGRATIONS[n] takes a database at version n to
// n + 1; a new file runs them all. Never edit a released step: add a new one (the tests build every
// earlier version from these very steps and migrate it forward).

const V1 = `
CREATE TABLE delegations (
  id TEXT PRIMARY KEY NOT NULL,
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
  updated_at TEXT NOT NULL
);
CREATE INDEX delegations_by_date ON delegations (declaration_date, id);
CREATE TABLE sync_state (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  cursor TEXT
);
INSERT INTO sync_state (singleton, cursor) VALUES (1, NULL);
`

// v2: "last synced" label for offline answers, and indexes so that every query of the UI is an
// index walk (v1 only had the date index): one per filter combination, ordered by date (the default
// sort), and one per sort column that also carries the filter columns, so a page sorted by another
// column is read in order and filtered in the index, touching the table only for the rows returned.
const FILTERS = 'direction, status, declaration_date'
const V2_INDEXES: Readonly<Record<string, string>> = {
  delegations_by_date: 'delegations (declaration_date, id, direction, status)',
  delegations_by_direction: 'delegations (direction, declaration_date, id)',
  delegations_by_status: 'delegations (status, declaration_date, id)',
  delegations_by_direction_status: 'delegations (direction, status, declaration_date, id)',
  delegations_by_bill: `delegations (house_bill_no, id, ${FILTERS})`,
  delegations_by_direction_sort: 'delegations (direction, id, status, declaration_date)',
  delegations_by_status_sort: 'delegations (status, id, direction, declaration_date)',
  delegations_by_carrier: `delegations (carrier, id, ${FILTERS})`,
  delegations_by_value: `delegations (declared_value, id, ${FILTERS})`,
  delegations_by_confirmed: `delegations (confirmed_at, id, ${FILTERS})`,
  delegations_by_updated: `delegations (updated_at, id, ${FILTERS})`
}
const V2 = `
ALTER TABLE sync_state ADD COLUMN last_synced_at TEXT;
DROP INDEX delegations_by_date;
${Object.entries(V2_INDEXES)
  .map(([name, on]) => `CREATE INDEX ${name} ON ${on};`)
  .join('\n')}
`

export const MIGRATIONS: readonly string[] = [V1, V2]
export const LATEST_VERSION = MIGRATIONS.length

/**
 * The secondary indexes of the latest schema (a test compares them with what the migrations build).
 * A first full sync drops them and builds them once at its end: building an index from 100k rows
 * is far cheaper than updating eleven of them row by row.
 */
export const SECONDARY_INDEXES = V2_INDEXES

export function dropSecondaryIndexes(db: Database.Database): void {
  for (const name of Object.keys(SECONDARY_INDEXES)) db.exec(`DROP INDEX IF EXISTS ${name}`)
}

export function ensureSecondaryIndexes(db: Database.Database): void {
  for (const [name, on] of Object.entries(SECONDARY_INDEXES)) db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${on}`)
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

/** Runs the steps from the file's version up to `target` in one transaction (all or nothing). */
export function migrate(db: Database.Database, target: number = LATEST_VERSION): void {
  db.transaction(() => {
    for (let v = schemaVersion(db); v < target; v++) {
      db.exec(MIGRATIONS[v] as string)
      db.pragma(`user_version = ${v + 1}`)
    }
  }).immediate()
}
