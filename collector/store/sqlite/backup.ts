// Online backup of the collector's database with SQLite's backup API (better-sqlite3's db.backup), safe
// while the collector writes: a file copy can catch the database between a WAL commit and its checkpoint.
// The copy goes to a temporary file (0600) beside the target, is checked (integrity_check, schema version)
// and only then takes the target's name in one step (link or rename), so a reader of the target never sees
// a half-written or unchecked backup.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { latestSchemaVersion } from './open.ts';

export { latestSchemaVersion };

export class BackupError extends Error {
  override name = 'BackupError';
}

export interface BackupResult {
  /** The backup file (absolute). */
  out: string;
  bytes: number;
  pages: number;
  schemaVersion: number;
}

/** All pages in one step: one read transaction gives a consistent copy that a concurrent write cannot restart. */
const ALL_PAGES = 0x7fffffff;

function errorCode(e: unknown): string {
  return (e as { code?: unknown }).code?.toString() ?? '';
}

/** Open an existing tokenwatch database to read it; never creates a file. */
function openSource(path: string): { db: Database.Database; version: number } {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = errorCode(e);
    throw new BackupError(
      code === 'ENOENT'
        ? `${path} does not exist (give the collector's database file; backup never creates one)`
        : `cannot read ${path}: ${(e as Error).message}`,
    );
  }
  if (!st.isFile()) throw new BackupError(`${path} is not a file`);
  // Read-write, not readonly: a read-only connection leaves -wal and -shm files behind (owned by whoever
  // ran the backup); a read-write one removes them when it is the last to close and writes nothing else.
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === 0) {
      db.close();
      throw new BackupError(`${path} is not a tokenwatch database (schema version 0)`);
    }
    const latest = latestSchemaVersion();
    if (version > latest) {
      db.close();
      throw new BackupError(
        `${path} has schema version ${version}, newer than this tokenwatch knows (${latest}): back it up with the tokenwatch that runs the collector`,
      );
    }
    return { db, version };
  } catch (e) {
    if (e instanceof BackupError) throw e;
    if (errorCode(e) === 'SQLITE_NOTADB') throw new BackupError(`${path} is not a SQLite database`);
    throw new BackupError(`cannot open ${path}: ${(e as Error).message}`);
  }
}

/** Check the copy as the collector would read it: every page and index sound, the schema version kept. */
function verify(path: string, version: number): number {
  const db = new Database(path, { fileMustExist: true });
  try {
    const problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map(
      (r) => r.integrity_check,
    );
    if (problems.length !== 1 || problems[0] !== 'ok')
      throw new BackupError(`the copy failed integrity_check: ${problems.slice(0, 5).join('; ')}`);
    const copied = db.pragma('user_version', { simple: true }) as number;
    if (copied !== version)
      throw new BackupError(`the copy has schema version ${copied}, the database ${version}`);
    return db.pragma('page_count', { simple: true }) as number;
  } finally {
    db.close();
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copy the database at `dbPath` to `outPath` while other connections (a running collector) keep writing.
 * An existing `outPath` is refused unless `replace`; nothing is left behind when anything fails.
 */
export async function backupSqlite(dbPath: string, outPath: string, replace: boolean): Promise<BackupResult> {
  const src = resolve(dbPath);
  const out = resolve(outPath);
  if (src === out) throw new BackupError('the backup must not be the database itself');
  const dir = dirname(out);
  try {
    if (!statSync(dir).isDirectory()) throw new BackupError(`${dir} is not a directory`);
  } catch (e) {
    if (e instanceof BackupError) throw e;
    throw new BackupError(`the backup's directory ${dir} does not exist`);
  }
  let target: Stats | null = null;
  try {
    target = statSync(out);
  } catch {
    target = null;
  }
  if (target?.isDirectory()) throw new BackupError(`${out} is a directory: give the backup file's name`);
  if (target && !replace) throw new BackupError(`${out} exists (--force replaces it)`);

  const { db, version } = openSource(src);
  const tmp = join(dir, `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // Created here, 0600, so the copy is never readable by others, not even for a moment.
    closeSync(openSync(tmp, 'wx', 0o600));
    try {
      await db.backup(tmp, { progress: () => ALL_PAGES });
    } finally {
      db.close();
    }
    const pages = verify(tmp, version);
    fsyncPath(tmp);
    if (replace) renameSync(tmp, out);
    else {
      // link() fails if the target appeared meanwhile: never overwrite without --force.
      try {
        linkSync(tmp, out);
      } catch (e) {
        if (errorCode(e) === 'EEXIST') throw new BackupError(`${out} exists (--force replaces it)`);
        throw e;
      }
      unlinkSync(tmp);
    }
    fsyncPath(dir);
    return { out, bytes: statSync(out).size, pages, schemaVersion: version };
  } catch (e) {
    if (db.open) db.close();
    for (const leftover of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) {
      try {
        unlinkSync(leftover);
      } catch {
        // not there
      }
    }
    throw e;
  }
}
