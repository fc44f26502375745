// Which store the collector's settings name: PostgreSQL when databaseUrl is set, else the SQLite file db.
// The one place that chooses a backend; everything above it sees the store interfaces (types.ts) only.
import { openSqliteStore } from './sqlite/index.ts';
import { openSqliteReadOnly, ReadOnlyOpenError } from './sqlite/read-only.ts';
import { openPostgresStore } from './postgres/index.ts';
import { redactedUrl } from './postgres/url.ts';
import type { Repos, Store, StoreOptions } from './types.ts';

export interface StoreSettings {
  db: string;
  databaseUrl: string;
  databasePoolSize: number;
  databaseStatementTimeoutSeconds: number;
  auditMaxRows: number;
}

/**
 * Open the configured store, or null when neither a database URL nor a file is set. `options` are the
 * store's (auditMaxRows comes from the settings unless given); mustExist is SQLite's (a PostgreSQL database
 * always exists: the server refuses a connection to one that does not).
 */
export function openConfiguredStore(s: StoreSettings, options: StoreOptions = {}): Store | null {
  if (s.databaseUrl !== '')
    return openPostgresStore(s.databaseUrl, {
      auditMaxRows: s.auditMaxRows,
      ...options,
      poolSize: s.databasePoolSize,
      statementTimeoutMs: s.databaseStatementTimeoutSeconds * 1000,
    });
  if (s.db !== '') return openSqliteStore(s.db, { auditMaxRows: s.auditMaxRows, ...options });
  return null;
}

/** What names the store in logs and messages: the file, or the URL without its password. */
export function databaseName(s: { db: string; databaseUrl: string }): string {
  return s.databaseUrl !== '' ? redactedUrl(s.databaseUrl) : s.db;
}

/** A store opened only to read (tokenwatch report): the repos, and close when done. */
export interface ReadOnlyStore extends Repos {
  close(): void | Promise<void>;
}

/**
 * Open the named database only to read it, as `tokenwatch report` does: SQLite's file in its read-only mode,
 * or PostgreSQL with every session read-only (default_transaction_read_only); no migration runs on either,
 * and the schema must be this version's. Throws ReadOnlyOpenError with a one-line reason (a missing file, a
 * server that does not answer, a schema of another version); the URL in it has no password.
 */
export async function openReadOnlyStore(
  s: Pick<StoreSettings, 'db' | 'databaseUrl' | 'databasePoolSize' | 'databaseStatementTimeoutSeconds'>,
): Promise<ReadOnlyStore> {
  if (s.databaseUrl === '') return openSqliteReadOnly(s.db);
  const name = redactedUrl(s.databaseUrl);
  let store: Store & { migrated: Promise<void> };
  try {
    store = openPostgresStore(s.databaseUrl, {
      readOnly: true,
      poolSize: s.databasePoolSize,
      statementTimeoutMs: s.databaseStatementTimeoutSeconds * 1000,
    });
  } catch (e) {
    throw new ReadOnlyOpenError(`cannot open ${name}: ${(e as Error).message}`);
  }
  try {
    await store.migrated;
  } catch (e) {
    await store.close();
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new ReadOnlyOpenError(`cannot read ${name}: ${why}`);
  }
  return store;
}

export { redactedUrl, ReadOnlyOpenError };
