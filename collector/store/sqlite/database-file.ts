// Whether a path can be the collector's database, said before SQLite touches it and in one line with what
// to do: the file or its directory missing or not writable, a file that is no SQLite database, a SQLite
// database that is not tokenwatch's, one a newer release migrated. Serving creates the database in an
// existing directory; every other command opens an existing one only, so a mistyped path is an error,
// never a new empty database that silently receives an admin's work.
import fs from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Db } from './open.ts';
import { StoreOpenError } from '../types.ts';

const { R_OK, W_OK, X_OK } = fs.constants;

/** Who this process is, for a permission message: `uid 998`. */
const me = (): string => (typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'this user');

function accessible(path: string, mode: number): boolean {
  try {
    fs.accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

function statOrNull(path: string): fs.Stats | null {
  try {
    return fs.statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'EACCES')
      throw new StoreOpenError(
        `cannot reach ${path}: a directory on its path is not searchable by ${me()}; run as the user the collector runs as`,
      );
    throw new StoreOpenError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * Refuses (StoreOpenError) a path that cannot be the database, before it is opened. `mustExist`: every
 * command but serve. SQLite writes beside the file (its -wal and -shm files), so the directory must be
 * writable too.
 */
export function checkDatabasePath(path: string, mustExist: boolean): void {
  if (path === ':memory:' || path === '') return;
  const file = resolve(path);
  const dir = dirname(file);
  const st = statOrNull(file);
  if (st === null) {
    if (mustExist)
      throw new StoreOpenError(
        `the database ${path} does not exist: give the collector's database file (only tokenwatch serve creates one)`,
      );
    const d = statOrNull(dir);
    if (d === null)
      throw new StoreOpenError(
        `the database directory ${dir} does not exist: create it (the systemd unit's StateDirectory= does) or point --db into an existing directory`,
      );
    if (!d.isDirectory()) throw new StoreOpenError(`${dir} is not a directory: --db must name a file in one`);
  } else {
    if (st.isDirectory())
      throw new StoreOpenError(
        `${path} is a directory: --db names the database file in it, e.g. ${path}/collector.db`,
      );
    if (!st.isFile()) throw new StoreOpenError(`${path} is not a regular file: --db names the database file`);
    if (!accessible(file, R_OK | W_OK))
      throw new StoreOpenError(
        `the database ${path} is not readable and writable by ${me()} (it belongs to uid ${st.uid}, mode 0${(st.mode & 0o777).toString(8)}): run as its owner (the service's user, e.g. sudo -u tokenwatch)`,
      );
  }
  if (!accessible(dir, W_OK | X_OK))
    throw new StoreOpenError(
      `the database directory ${dir} is not writable by ${me()}: the collector writes ${st === null ? 'the database and ' : ''}its -wal and -shm files there; run as the directory's owner or fix its permissions`,
    );
}

/** What a database holds, read before any migration. */
export interface DatabaseIdentity {
  /** PRAGMA user_version: the last migration applied (0 for a new or foreign database). */
  version: number;
  /** Its tables, for a database that is not tokenwatch's. */
  tables: string[];
}

export function readIdentity(db: Db): DatabaseIdentity {
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
      name: string;
    }[]
  ).map((t) => t.name);
  return { version, tables };
}

/**
 * Refuses a database that is not the collector's, or that a newer release migrated (forward-only
 * migrations: this release cannot read what it has never seen). A new, empty database is the collector's
 * to create, unless the command opens an existing one only.
 */
export function checkIdentity(path: string, id: DatabaseIdentity, latest: number, mustExist: boolean): void {
  if (id.version === 0) {
    if (id.tables.length > 0) {
      const shown = id.tables.slice(0, 5).join(', ') + (id.tables.length > 5 ? ', ...' : '');
      throw new StoreOpenError(
        `${path} is a SQLite database but not a tokenwatch one (no tokenwatch schema version; its tables: ${shown}): check --db`,
      );
    }
    if (mustExist)
      throw new StoreOpenError(
        `${path} is an empty database, not the collector's (no tokenwatch schema): check --db`,
      );
    return;
  }
  if (!id.tables.includes('devices'))
    throw new StoreOpenError(
      `${path} is a SQLite database but not a tokenwatch one (schema version ${id.version}, no devices table): check --db`,
    );
  if (id.version > latest)
    throw new StoreOpenError(
      `${path} has schema version ${id.version}, newer than this release of tokenwatch knows (${latest}): a newer release migrated it; run that release, or restore the backup taken before the upgrade (docs/operations.md, Upgrades and rollback)`,
    );
}
