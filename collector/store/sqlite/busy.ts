// SQLite's busy and locked errors (every extended code: SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE, ...)
// leave this folder as the store's own StoreBusyError (store/types.ts); any other error leaves as it is.
import Database from 'better-sqlite3';
import { StoreBusyError } from '../types.ts';

export function storeError(e: unknown): unknown {
  if (e instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)(_|$)/.test(e.code))
    return new StoreBusyError(`the database is busy (${e.code}): ${e.message}`, { cause: e });
  return e;
}
