// Small typed key/value state in the cache (latest snapshot, daily mdmclient check, upload times).
import type { Db } from './open.ts';

export function readState<T>(db: Db, key: string): T | null {
  const row = db.prepare('SELECT value FROM state WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : null;
}

export function writeState(db: Db, key: string, value: unknown): void {
  db.prepare(
    'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  ).run(key, JSON.stringify(value));
}

export function deleteState(db: Db, key: string): void {
  db.prepare('DELETE FROM state WHERE key = ?').run(key);
}
