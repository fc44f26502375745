// `tokenwatch migrate-to-postgres`: copy an SQLite collector's database into an empty PostgreSQL database
// (store/copy-to-postgres.ts), saying what it copied per table. Stop the collector first, or copy from a
// `tokenwatch backup` of the file: what a running collector writes after the copy began is not in it.
import { parseArgs } from 'node:util';
import { CopyRefusedError, copySqliteToPostgres } from './store/copy-to-postgres.ts';
import { redactedUrl } from './store/postgres/url.ts';
import { EXIT } from './startup.ts';

export const MIGRATE_TO_POSTGRES_USAGE =
  'tokenwatch migrate-to-postgres --db FILE --database-url URL   copy an SQLite collector into an empty PostgreSQL database';

export interface MigrateToPostgresDeps {
  /** TOKENWATCH_DB and TOKENWATCH_DATABASE_URL stand in for the flags. */
  env: Record<string, string | undefined>;
  /** Monotonic milliseconds, for the duration printed. */
  monotonic: () => number;
  out: (text: string) => void;
  err: (text: string) => void;
}

export async function migrateToPostgresCommand(argv: string[], deps: MigrateToPostgresDeps): Promise<number> {
  const fail = (message: string, code: number) => {
    deps.err(`tokenwatch migrate-to-postgres: ${message}\n`);
    return code;
  };
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { db: { type: 'string' }, 'database-url': { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    deps.err(
      `tokenwatch migrate-to-postgres: ${(e as Error).message}\nusage: ${MIGRATE_TO_POSTGRES_USAGE}\n`,
    );
    return EXIT.configuration;
  }
  const db = values.db ?? deps.env['TOKENWATCH_DB'] ?? '';
  const url = values['database-url'] ?? deps.env['TOKENWATCH_DATABASE_URL'] ?? '';
  if (db === '' || url === '') {
    deps.err(
      `tokenwatch migrate-to-postgres: ${db === '' ? '--db FILE (or TOKENWATCH_DB)' : '--database-url URL (or TOKENWATCH_DATABASE_URL)'} is required\nusage: ${MIGRATE_TO_POSTGRES_USAGE}\n`,
    );
    return EXIT.configuration;
  }
  const started = deps.monotonic();
  try {
    const r = await copySqliteToPostgres(db, url, {
      progress: (table, rows) => deps.out(`${table}: ${rows.toLocaleString('en-US')} rows\n`),
    });
    const total = r.tables.reduce((n, t) => n + t.rows, 0);
    const seconds = (deps.monotonic() - started) / 1000;
    deps.out(
      `copied ${db} (schema version ${r.schemaVersion}) into ${redactedUrl(url)}: ${total.toLocaleString('en-US')} rows in ${r.tables.length} tables, ${r.partitions.length} history partitions, ${seconds.toFixed(2)} s\n`,
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CopyRefusedError)
      return fail(e.message, e.unreachable ? EXIT.failed : EXIT.configuration);
    return fail(`failed, nothing copied: ${(e as Error).message}`, EXIT.failed);
  }
}
