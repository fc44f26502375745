// Copy a SQLite collector database into an empty PostgreSQL database of the same schema version: every
// table of the collector, in batches, in one PostgreSQL transaction (all or nothing), the history rows into
// their monthly partitions (made first), the sequences and identities moved past the copied ids. The file
// is opened read-only and read in one read transaction, so what is copied is one consistent state of it,
// even while a collector writes to it (the copy then misses what came after it began). The one place that
// knows both backends besides open.ts; the collector's code above the store never sees it.
import Database from 'better-sqlite3';
import pg from 'pg';
import { statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { LATEST_VERSION, migrate } from './postgres/migrate.ts';
import { HistoryPartitions, monthOf } from './postgres/history-partitions.ts';
import { TYPES } from './postgres/sql.ts';
import { redactedUrl } from './postgres/url.ts';

/**
 * The collector's tables in the order they are copied (a table before the tables that refer to it). A
 * table on either side that is not here stops the copy: a new migration's table must be added here.
 */
export const COPIED_TABLES = [
  'devices',
  'snapshot_receipts',
  'snapshot_history',
  'findings',
  'exemptions',
  'enrollment_audit',
  'identity_conflicts',
  'incidents',
  'alert_events',
  'alert_deliveries',
  'alert_attempts',
  'alert_channels',
  'alert_reminders',
  'jobs',
  'alert_state',
  'device_states',
  'device_silences',
  'history_horizon',
] as const;

/** SQLite's own bookkeeping (PostgreSQL keeps the audit's cap without it), not copied. */
const SQLITE_ONLY = new Set(['enrollment_audit_size']);
/** PostgreSQL's own: the applied migrations. */
const POSTGRES_ONLY = new Set(['tokenwatch_schema']);

/** Rows per chunk sent to COPY. */
export const BATCH_ROWS = 1000;

/** A copy that cannot be made: said in one line, nothing written. */
export class CopyRefusedError extends Error {
  override name = 'CopyRefusedError';
  /** The database did not answer: the same command may work later. */
  readonly unreachable: boolean;
  constructor(message: string, options: { unreachable?: boolean } = {}) {
    super(message);
    this.unreachable = options.unreachable === true;
  }
}

export interface CopyOptions {
  /** Told each table's count as it is copied. */
  progress?: (table: string, rows: number) => void;
  batchRows?: number;
}

export interface CopyResult {
  schemaVersion: number;
  /** Rows copied per table, in COPIED_TABLES order. */
  tables: { table: string; rows: number }[];
  /** The history months that got a partition. */
  partitions: string[];
}

interface Column {
  name: string;
  /** PostgreSQL's type name (int8, text, bool, bytea, jsonb, int4). */
  type: string;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function openSource(path: string): Database.Database {
  try {
    if (!statSync(path).isFile()) throw new CopyRefusedError(`${path} is not a file`);
  } catch (e) {
    if (e instanceof CopyRefusedError) throw e;
    throw new CopyRefusedError(
      (e as { code?: string }).code === 'ENOENT'
        ? `${path} does not exist (give the collector's database file, or a tokenwatch backup of it)`
        : `cannot read ${path}: ${(e as Error).message}`,
    );
  }
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (e) {
    throw new CopyRefusedError(`cannot open ${path}: ${(e as Error).message}`);
  }
}

/** A string in COPY's text format: backslash, tab, newline and carriage return escaped. */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const text = (v: string) => v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string);

/** SQLite's value as the PostgreSQL column's COPY text (0/1 as booleans, blobs as bytea hex, NULL as \N). */
function encoder(type: string): (v: unknown) => string {
  return (v) => {
    if (v === null || v === undefined) return '\\N';
    if (type === 'bool') return v === 0 || v === 0n ? 'f' : 't';
    if (Buffer.isBuffer(v)) return `\\\\x${v.toString('hex')}`;
    if (typeof v === 'string') return text(v);
    return String(v as number | bigint);
  };
}

/**
 * Copy the SQLite file at `sqlitePath` into the PostgreSQL database at `url`. The target must be empty:
 * either without tables (it is migrated here to this tokenwatch's schema) or migrated and without rows; its
 * schema version must be the file's.
 */
export async function copySqliteToPostgres(
  sqlitePath: string,
  url: string,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const batchRows = options.batchRows ?? BATCH_ROWS;
  const source = openSource(sqlitePath);
  const pool = new pg.Pool({
    connectionString: url,
    max: 2,
    types: TYPES,
    application_name: 'tokenwatch copy',
  });
  pool.on('error', () => undefined);
  try {
    let version: number;
    try {
      version = source.pragma('user_version', { simple: true }) as number;
    } catch (e) {
      throw new CopyRefusedError(`${sqlitePath} is not a SQLite database (${(e as Error).message})`);
    }
    const sourceTables = new Set(
      (
        source
          .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
          .all() as { name: string }[]
      )
        .map((r) => r.name)
        .filter((n) => !SQLITE_ONLY.has(n)),
    );
    if (version === 0 || !sourceTables.has('devices'))
      throw new CopyRefusedError(`${sqlitePath} is not a tokenwatch collector database`);
    if (version !== LATEST_VERSION)
      throw new CopyRefusedError(
        version < LATEST_VERSION
          ? `${sqlitePath} is schema version ${version}, this tokenwatch's is ${LATEST_VERSION}: start this version's collector on the file once (tokenwatch serve --db FILE migrates it), stop it, then copy`
          : `${sqlitePath} is schema version ${version}, newer than this tokenwatch knows (${LATEST_VERSION}): copy with the tokenwatch that wrote it`,
      );

    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      throw new CopyRefusedError(`cannot connect to ${redactedUrl(url)}: ${(e as Error).message}`, {
        unreachable: true,
      });
    }
    try {
      await client.query('SET statement_timeout = 0');
      const target = await targetVersion(client);
      if (target === null) await migrate(client);
      else if (target !== version)
        throw new CopyRefusedError(
          `${redactedUrl(url)} is schema version ${target}, the file ${version}: copy into an empty database (createdb), which this command migrates`,
        );
      const targetTables = new Set(
        (
          await client.query<{ name: string }>(
            `SELECT c.relname AS name FROM pg_class c
             WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
               AND NOT c.relispartition`,
          )
        ).rows
          .map((r) => r.name)
          .filter((n) => !POSTGRES_ONLY.has(n)),
      );
      const known = new Set<string>(COPIED_TABLES);
      for (const [side, tables] of [
        [sqlitePath, sourceTables],
        [redactedUrl(url), targetTables],
      ] as const) {
        const unknown = [...tables].filter((t) => !known.has(t));
        const missing = COPIED_TABLES.filter((t) => !tables.has(t));
        if (unknown.length > 0 || missing.length > 0)
          throw new CopyRefusedError(
            `${side}: ${unknown.length > 0 ? `tables this copy does not know (${unknown.join(', ')})` : `tables missing (${missing.join(', ')})`}`,
          );
      }
      const nonEmpty: string[] = [];
      for (const t of COPIED_TABLES) {
        // A migrated database's history horizon has its one row, with no instant yet.
        const where = t === 'history_horizon' ? ' WHERE kept_since IS NOT NULL' : '';
        const [row] = (
          await client.query<{ n: number }>(
            `SELECT count(*) AS n FROM (SELECT 1 FROM ${t}${where} LIMIT 1) x`,
          )
        ).rows;
        if ((row?.n ?? 0) > 0) nonEmpty.push(t);
      }
      if (nonEmpty.length > 0)
        throw new CopyRefusedError(
          `${redactedUrl(url)} is not empty (${nonEmpty.join(', ')} have rows): copy into an empty database`,
        );

      const columns = new Map<string, Column[]>();
      for (const t of COPIED_TABLES) {
        const target = (
          await client.query<Column>(
            `SELECT column_name AS name, udt_name AS type FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
            [t],
          )
        ).rows;
        const sourceNames = (source.pragma(`table_info(${quote(t)})`) as { name: string }[]).map(
          (c) => c.name,
        );
        const a = [...sourceNames].sort().join(', ');
        const b = target
          .map((c) => c.name)
          .sort()
          .join(', ');
        if (a !== b)
          throw new CopyRefusedError(`table ${t}: the file's columns (${a}) are not the database's (${b})`);
        columns.set(t, target);
      }

      // One read transaction: every table as of one instant of the file.
      source.exec('BEGIN');
      try {
        const span = source
          .prepare('SELECT min(received_at) AS lo, max(received_at) AS hi FROM snapshot_history')
          .get() as { lo: number | null; hi: number | null };
        const partitions: string[] = [];
        if (span.lo !== null && span.hi !== null) {
          // Every month from the first row's to the one after the last row's, made before the rows arrive
          // (a row of a month without its partition would land in the default partition for good).
          const made = new HistoryPartitions(pool);
          for (let m = monthOf(span.lo); m.from <= monthOf(span.hi).to; m = monthOf(m.to)) {
            await made.make(m);
            partitions.push(m.name);
          }
        }

        await client.query('BEGIN');
        const tables: CopyResult['tables'] = [];
        try {
          await client.query('DELETE FROM history_horizon');
          for (const t of COPIED_TABLES) {
            const cols = columns.get(t) as Column[];
            const encode = cols.map((c) => encoder(c.type));
            const read = source
              .prepare(`SELECT ${cols.map((c) => quote(c.name)).join(', ')} FROM ${quote(t)}`)
              .raw(true);
            let rows = 0;
            // The rows in COPY's text format, batchRows lines a chunk, read from the file as COPY takes them.
            function* lines(): Generator<string> {
              let chunk = '';
              let n = 0;
              for (const row of read.iterate() as Iterable<unknown[]>) {
                chunk += `${row.map((v, i) => (encode[i] as (v: unknown) => string)(v)).join('\t')}\n`;
                rows++;
                if (++n >= batchRows) {
                  yield chunk;
                  chunk = '';
                  n = 0;
                }
              }
              if (n > 0) yield chunk;
            }
            await pipeline(
              Readable.from(lines()),
              client.query(copyFrom(`COPY ${t} (${cols.map((c) => quote(c.name)).join(', ')}) FROM STDIN`)),
            );
            // Identities and sequences continue after the copied ids.
            for (const c of cols) {
              const [seq] = (
                await client.query<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [
                  t,
                  c.name,
                ])
              ).rows;
              if (seq?.seq)
                await client.query(
                  `SELECT setval($1, coalesce((SELECT max(${quote(c.name)}) FROM ${t}), 0) + 1, false)`,
                  [seq.seq],
                );
            }
            tables.push({ table: t, rows });
            options.progress?.(t, rows);
          }
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
        return { schemaVersion: version, tables, partitions };
      } finally {
        source.exec('COMMIT');
      }
    } finally {
      client.release();
    }
  } finally {
    source.close();
    await pool.end();
  }
}

/** The target's schema version, or null when it has no tokenwatch tables at all. */
async function targetVersion(client: pg.ClientBase): Promise<number | null> {
  const [has] = (
    await client.query<{ t: string | null }>(`SELECT to_regclass('tokenwatch_schema')::text AS t`)
  ).rows;
  if (!has?.t) {
    const [any] = (
      await client.query<{ n: number }>(
        `SELECT count(*) AS n FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p')`,
      )
    ).rows;
    if ((any?.n ?? 0) > 0)
      throw new CopyRefusedError(
        'the database has tables but no tokenwatch schema: copy into an empty database (createdb)',
      );
    return null;
  }
  const [row] = (await client.query<{ v: number | null }>('SELECT max(version) AS v FROM tokenwatch_schema'))
    .rows;
  return row?.v ?? 0;
}
