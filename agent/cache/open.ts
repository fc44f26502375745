// Opens (and migrates) the agent's SQLite cache. A corrupt, locked or newer-than-us database is a
// clear CacheError, never silent data loss: we never delete or recreate an existing file.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.ts';

export type Db = Database.Database;

export class CacheError extends Error {
  readonly code: 'cache_corrupt' | 'cache_locked' | 'cache_too_new' | 'cache_unavailable';
  constructor(code: CacheError['code'], message: string) {
    super(message);
    this.name = 'CacheError';
    this.code = code;
  }
}

export const CACHE_FILE = 'cache.sqlite';

export interface OpenOptions {
  stateDir: string;
  /** better-sqlite3's native binding (the single executable extracts its embedded copy). */
  nativeBinding?: string;
  busyTimeoutMs?: number;
}

/** Creates the root-only state directory (0700) if needed and tightens it if it is looser. */
export function ensureStateDir(stateDir: string): void {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const mode = fs.statSync(stateDir).mode & 0o777;
  if (mode !== 0o700) fs.chmodSync(stateDir, 0o700);
}

export function openCache(options: OpenOptions): Db {
  ensureStateDir(options.stateDir);
  const file = path.join(options.stateDir, CACHE_FILE);
  let db: Db;
  try {
    db = new Database(file, {
      timeout: options.busyTimeoutMs ?? 5000,
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    });
  } catch (err) {
    throw new CacheError('cache_unavailable', `cannot open the cache ${file}: ${String(err)}`);
  }
  try {
    fs.chmodSync(file, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok')
      throw new CacheError('cache_corrupt', `the cache ${file} is corrupt: ${String(check)}`);
    migrate(db, file);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof CacheError) throw err;
    const text = String(err);
    if (/SQLITE_BUSY|database is locked/i.test(text)) {
      throw new CacheError('cache_locked', `the cache ${file} is locked by another process: ${text}`);
    }
    if (/SQLITE_NOTADB|SQLITE_CORRUPT|file is not a database|malformed/i.test(text)) {
      throw new CacheError(
        'cache_corrupt',
        `the cache ${file} is corrupt (${text}); move it aside to start a new one (queued uploads in it would be lost)`,
      );
    }
    throw new CacheError('cache_unavailable', `cannot use the cache ${file}: ${text}`);
  }
}

function migrate(db: Db, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new CacheError(
      'cache_too_new',
      `the cache ${file} has schema version ${version}, newer than this agent knows (${MIGRATIONS.length}); refusing to touch it`,
    );
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
