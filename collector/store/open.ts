// Which store the collector's settings name: PostgreSQL when databaseUrl is set, else the SQLite file db.
// The one place that chooses a backend; everything above it sees the store interfaces (types.ts) only.
import { openSqliteStore } from './sqlite/index.ts';
import { redactedUrl } from './postgres/url.ts';
import type { Store, StoreOptions } from './types.ts';
import { StoreOpenError } from './types.ts';

export interface StoreSettings {
  db: string;
  databaseUrl: string;
  databasePoolSize: number;
  databaseStatementTimeoutSeconds: number;
  auditMaxRows: number;
}

/** What the PostgreSQL store does not implement yet of the store interfaces: serve refuses it until it does. */
export const POSTGRES_MISSING = 'the finding counts behind the findings and stale metrics';

/**
 * Open the configured store, or null when neither a database URL nor a file is set. `options` are the
 * SQLite store's (auditMaxRows comes from the settings unless given).
 */
export function openConfiguredStore(s: StoreSettings, options: StoreOptions = {}): Store | null {
  if (s.databaseUrl !== '')
    throw new StoreOpenError(
      `--database-url: the PostgreSQL store does not support ${POSTGRES_MISSING} yet; use --db FILE (SQLite)`,
    );
  if (s.db !== '') return openSqliteStore(s.db, { auditMaxRows: s.auditMaxRows, ...options });
  return null;
}

/** What names the store in logs and messages: the file, or the URL without its password. */
export function databaseName(s: { db: string; databaseUrl: string }): string {
  return s.databaseUrl !== '' ? redactedUrl(s.databaseUrl) : s.db;
}

export { redactedUrl };
