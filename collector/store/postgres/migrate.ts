// Numbered migrations (migrations/NNN_name.sql), applied at start under a session advisory lock, so that
// collectors starting at once on one database migrate it once: the first takes the lock and applies what
// is missing, each in its own transaction with its row in tokenwatch_schema; the others wait for the lock
// and then find nothing to do. A database newer than this collector knows is refused.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type pg from 'pg';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** The advisory lock every tokenwatch collector takes to migrate ("tokenwatch" in ASCII). */
export const MIGRATION_LOCK = 0x746f6b656e776174n;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function migrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f,
      sql: readFileSync(join(MIGRATIONS_DIR, f), 'utf8'),
    }));
}

export const LATEST_VERSION = Math.max(...migrations().map((m) => m.version));

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

/** A database opened only to read whose schema is not this tokenwatch's (none, older, newer). */
export class SchemaMismatchError extends Error {
  override name = 'SchemaMismatchError';
}

/**
 * For a store opened only to read (no migration runs): the database's schema must be exactly this version's.
 * An older one is migrated by the collector (tokenwatch serve), never by a reader; a newer one is read by the
 * tokenwatch that wrote it.
 */
export async function checkSchema(client: pg.ClientBase): Promise<void> {
  const table = await client.query(`SELECT to_regclass('tokenwatch_schema') IS NOT NULL AS present`);
  const present = (table.rows[0] as { present: boolean } | undefined)?.present === true;
  const version = present
    ? ((
        await client.query<{ version: number | null }>(
          'SELECT max(version) AS version FROM tokenwatch_schema',
        )
      ).rows[0]?.version ?? 0)
    : 0;
  if (version === LATEST_VERSION) return;
  throw new SchemaMismatchError(
    version === 0
      ? "the database holds no tokenwatch schema (is it the collector's database? tokenwatch serve creates it)"
      : version < LATEST_VERSION
        ? `the database's schema is version ${version}, older than this tokenwatch's (${LATEST_VERSION}): start this version's collector on it once (tokenwatch serve migrates it), then read it`
        : `the database's schema is version ${version}, newer than this tokenwatch knows (${LATEST_VERSION}): read it with the tokenwatch that runs the collector`,
  );
}

/** Apply every missing migration on this connection (held for the duration); the versions it applied. */
export async function migrate(client: pg.ClientBase): Promise<number[]> {
  // Waiting for another collector's migration is no statement to time out.
  await client.query('SET statement_timeout = 0');
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS tokenwatch_schema (
         version    integer     PRIMARY KEY,
         name       text        NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM tokenwatch_schema')).rows.map(
        (r) => r.version,
      ),
    );
    const newest = Math.max(0, ...done);
    if (newest > LATEST_VERSION)
      throw new SchemaTooNewError(
        `the database's schema is version ${newest}, newer than this collector knows (${LATEST_VERSION}): run a newer tokenwatch`,
      );
    const applied: number[] = [];
    for (const m of migrations()) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO tokenwatch_schema (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
        });
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]).catch(() => undefined);
    await client.query('RESET statement_timeout').catch(() => undefined);
  }
}
