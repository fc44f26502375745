// The cache's schema, migrated by version (PRAGMA user_version). Append only: never edit a migration
// that has shipped.
export const MIGRATIONS: readonly string[] = [
  // 1: snapshots that changed, the outbox, small key/value state.
  `
  CREATE TABLE snapshots (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    digest TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    last_collected_at TEXT NOT NULL,
    collections INTEGER NOT NULL DEFAULT 1,
    error_count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX snapshots_digest ON snapshots(digest);
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('snapshot', 'checkin')),
    item_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    rejected_at TEXT
  );
  CREATE INDEX outbox_due ON outbox(rejected_at, next_attempt_at);
  CREATE TABLE state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
];
