// Opens (and migrates) the agent's SQLite cache. A corrupt, locked or newer-than-us database is a
// clear CacheError, never silent data loss: we never delete or recreate an existing file.
//
// The state directory runs as root and holds the device token, so nothing in it is trusted blindly: the
// directory and the files are opened with O_NOFOLLOW (a symbolic link planted at their path is refused,
// never followed, and the mode of whatever it points at is never changed), must belong to the user the
// agent runs as, and the directory must not be writable by group or others.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.ts';

export type Db = Database.Database;

export class CacheError extends Error {
  readonly code: 'cache_corrupt' | 'cache_locked' | 'cache_too_new' | 'cache_unavailable' | 'cache_unsafe';
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

const { O_RDONLY, O_RDWR, O_CREAT, O_NOFOLLOW, O_DIRECTORY } = fs.constants;

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** The uid the agent runs as (root under launchd), or null where the platform has none. */
const myUid = (): number | null => (typeof process.getuid === 'function' ? process.getuid() : null);

/** Opens `file` without following a symbolic link at it; a link is a cache_unsafe CacheError naming `what`. */
export function openNoFollow(file: string, flags: number, what: string, mode = 0o600): number {
  try {
    return fs.openSync(file, flags | O_NOFOLLOW, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ELOOP is POSIX's answer (EMLINK on FreeBSD); Linux answers ENOTDIR when O_DIRECTORY meets a link.
    const link = code === 'ELOOP' || code === 'EMLINK' || (code === 'ENOTDIR' && isLink(file));
    if (link) {
      throw new CacheError(
        'cache_unsafe',
        `${what} ${file} is a symbolic link: refusing to follow it (the agent never uses a link in its state directory; remove it)`,
      );
    }
    throw err;
  }
}

function isLink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Checks what an open descriptor refers to: the right kind, owned by us, a single link. */
export function checkOwned(fd: number, file: string, what: string, kind: 'file' | 'directory'): fs.Stats {
  const st = fs.fstatSync(fd);
  if (kind === 'directory' ? !st.isDirectory() : !st.isFile()) {
    throw new CacheError(
      'cache_unsafe',
      `${what} ${file} is not a ${kind === 'file' ? 'regular file' : 'directory'}`,
    );
  }
  const uid = myUid();
  if (uid !== null && st.uid !== uid) {
    throw new CacheError(
      'cache_unsafe',
      `${what} ${file} belongs to uid ${st.uid}, not to the user the agent runs as (uid ${uid}): refusing to use it`,
    );
  }
  if (kind === 'file' && st.nlink > 1) {
    throw new CacheError('cache_unsafe', `${what} ${file} has ${st.nlink} hard links: refusing to use it`);
  }
  return st;
}

/**
 * Creates the root-only state directory (0700) if needed. Refuses one that is a symbolic link, is not
 * ours, or that group or others may write to (a file could have been planted in it); takes away read
 * access that group or others have.
 */
export function ensureStateDir(stateDir: string): void {
  try {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new CacheError(
      'cache_unavailable',
      `cannot create the state directory ${stateDir}: ${String(err)}`,
    );
  }
  const fd = openNoFollow(stateDir, O_RDONLY | O_DIRECTORY, 'the state directory');
  try {
    const st = checkOwned(fd, stateDir, 'the state directory', 'directory');
    if ((st.mode & 0o022) !== 0) {
      throw new CacheError(
        'cache_unsafe',
        `the state directory ${stateDir} is writable by group or others (mode ${octal(st.mode)}): refusing to use it; check what is in it, then chmod 700 it`,
      );
    }
    if ((st.mode & 0o777) !== 0o700) fs.fchmodSync(fd, 0o700);
  } finally {
    fs.closeSync(fd);
  }
}

/** SQLite's own files beside the database: none may be a link or someone else's. */
const SQLITE_COMPANIONS = ['-wal', '-shm', '-journal'];

/** Creates or checks the database file (and checks its companions) before SQLite opens it by name. */
function prepareCacheFile(file: string): void {
  for (const suffix of SQLITE_COMPANIONS) {
    const companion = file + suffix;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(companion);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) {
      throw new CacheError(
        'cache_unsafe',
        `the cache's ${companion} is a symbolic link: refusing to follow it`,
      );
    }
    const uid = myUid();
    if (!st.isFile() || (uid !== null && st.uid !== uid) || st.nlink > 1) {
      throw new CacheError(
        'cache_unsafe',
        `the cache's ${companion} is not a plain file of ours: refusing to use it`,
      );
    }
  }
  const fd = openNoFollow(file, O_RDWR | O_CREAT, 'the cache');
  try {
    const st = checkOwned(fd, file, 'the cache', 'file');
    if ((st.mode & 0o777) !== 0o600) fs.fchmodSync(fd, 0o600);
  } finally {
    fs.closeSync(fd);
  }
}

export function openCache(options: OpenOptions): Db {
  ensureStateDir(options.stateDir);
  const file = path.join(options.stateDir, CACHE_FILE);
  prepareCacheFile(file);
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
