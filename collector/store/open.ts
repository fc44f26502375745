// Which store the collector's settings name: PostgreSQL when databaseUrl is set, else the SQLite file db.
// The one place that chooses a backend; everything above it sees the store interfaces (types.ts) only.
import { openSqliteStore } from './sqlite/index.ts';
import { openPostgresStore } from './postgres/index.ts';
import { redactedUrl } from './postgres/url.ts';
import type { Store, StoreOptions } from './types.ts';

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

export { redactedUrl };
