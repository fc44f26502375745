// `tokenwatch backup`: an online, checked copy of the collector's database (store/sqlite/backup.ts) while
// the collector runs, to a named file or, with --out-dir, to a time-stamped file in a directory that keeps
// the newest --keep copies (what the systemd timer in deploy/systemd runs).
import { readdirSync, unlinkSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { BackupError, backupSqlite } from './store/sqlite/backup.ts';

export const BACKUP_USAGE =
  'tokenwatch backup --db FILE (--out FILE [--force] | --out-dir DIR [--keep N])   online copy of the database, checked';

/** What backup answers for a PostgreSQL database (docs/operations.md, Backups). */
export const PG_REFUSAL =
  "the database is PostgreSQL: back it up with pg_dump (or the server's replicas and point-in-time recovery), not tokenwatch backup (docs/operations.md, Backups)";

export interface BackupCommandDeps {
  /** The environment (TOKENWATCH_DB stands in for --db). */
  env: Record<string, string | undefined>;
  /** Names the time-stamped file of --out-dir. */
  now: Date;
  /** Monotonic milliseconds, for the duration printed. */
  monotonic: () => number;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** `collector.db` at 2026-03-02T12:00:00Z -> `collector-20260302T120000Z.db`; these sort by time. */
export function stampedName(dbPath: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${stem(dbPath)}-${stamp}.db`;
}

function stem(dbPath: string): string {
  const name = basename(dbPath);
  return extname(name) === '' ? name : name.slice(0, -extname(name).length);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Remove all but the newest `keep` time-stamped backups of this database in `dir`; answer the removed. */
export function pruneBackups(dir: string, dbPath: string, keep: number): string[] {
  const own = new RegExp(`^${escapeRegExp(stem(dbPath))}-\\d{8}T\\d{6}Z\\.db$`);
  const stale = readdirSync(dir)
    .filter((f) => own.test(f))
    .sort()
    .reverse()
    .slice(keep);
  for (const f of stale) unlinkSync(join(dir, f));
  return stale.map((f) => join(dir, f));
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}

export async function backupCommand(argv: string[], deps: BackupCommandDeps): Promise<number> {
  const fail = (message: string, code: number) => {
    deps.err(`tokenwatch backup: ${message}\n`);
    if (code === 2) deps.err(`usage: ${BACKUP_USAGE}\n`);
    return code;
  };
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        db: { type: 'string' },
        'database-url': { type: 'string' },
        out: { type: 'string' },
        'out-dir': { type: 'string' },
        keep: { type: 'string' },
        force: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    return fail((e as Error).message, 2);
  }
  // A collector on PostgreSQL (its URL given, or in the environment with no --db) is backed up by the
  // database's own tools: this command copies SQLite files only.
  if (
    values['database-url'] !== undefined ||
    (values.db === undefined && (deps.env['TOKENWATCH_DATABASE_URL'] ?? '') !== '')
  )
    return fail(PG_REFUSAL, 2);
  const db = values.db ?? deps.env['TOKENWATCH_DB'] ?? '';
  if (db === '') return fail('--db FILE (or TOKENWATCH_DB) is required', 2);
  const outDir = values['out-dir'];
  if ((values.out === undefined) === (outDir === undefined))
    return fail('give exactly one of --out FILE or --out-dir DIR', 2);
  if (values.keep !== undefined && outDir === undefined) return fail('--keep goes with --out-dir', 2);
  if (values.force === true && outDir !== undefined)
    return fail('--force goes with --out (--out-dir never replaces a file)', 2);
  let keep: number | null = null;
  if (values.keep !== undefined) {
    if (!/^[1-9]\d*$/.test(values.keep)) return fail(`--keep must be a whole number of at least 1`, 2);
    keep = Number(values.keep);
  }
  const target = outDir !== undefined ? join(outDir, stampedName(db, deps.now)) : (values.out as string);

  const started = deps.monotonic();
  try {
    const r = await backupSqlite(db, target, values.force === true);
    const seconds = (deps.monotonic() - started) / 1000;
    deps.out(
      `backed up ${db} to ${r.out}: ${size(r.bytes)} (${r.bytes} bytes, ${r.pages} pages), schema version ${r.schemaVersion}, integrity ok, ${seconds.toFixed(2)} s\n`,
    );
    if (outDir !== undefined && keep !== null) {
      for (const removed of pruneBackups(outDir, db, keep)) deps.out(`removed old backup ${removed}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof BackupError) return fail(e.message, 1);
    return fail(`failed: ${(e as Error).message}`, 1);
  }
}
