// Which store the collector's settings name: PostgreSQL when databaseUrl is set, else the SQLite file db.
// The one place that chooses a backend; everything above it sees the store interfaces (types.ts) only.
import { openSqliteStore } from './sqlite/index.ts';
import { openPostgresStore } from './postgres/index.ts';
import type { Store } from './types.ts';

export interface StoreSettings {
  db: string;
  databaseUrl: string;
  databasePoolSize: number;
  databaseStatementTimeoutSeconds: number;
  auditMaxRows: number;
}

/** Open the configured store, or null when neither a database URL nor a file is set. */
export function openConfiguredStore(s: StoreSettings): Store | null {
  if (s.databaseUrl !== '')
    return openPostgresStore(s.databaseUrl, {
      poolSize: s.databasePoolSize,
      statementTimeoutMs: s.databaseStatementTimeoutSeconds * 1000,
      auditMaxRows: s.auditMaxRows,
    });
  if (s.db !== '') return openSqliteStore(s.db, { auditMaxRows: s.auditMaxRows });
  return null;
}

/** What names the store in logs and messages: the file, or the URL without its password. */
export { redactedUrl } from './postgres/index.ts';
