// Open a SQLite database for the collector: WAL, synchronous=NORMAL, busy timeout, numbered migrations.
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export type Db = Database.Database;

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

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

/** The newest schema version this tokenwatch knows (the last numbered migration). */
export function latestSchemaVersion(): number {
  return Math.max(...migrations().map((m) => m.version));
}

/** The WAL's automatic checkpoint is the checkpointer's to set (checkpointer.ts). */
export function openDatabase(path: string, options: { fileMustExist?: boolean } = {}): Db {
  return configure(new Database(path, { fileMustExist: options.fileMustExist === true }));
}

/** The connection settings every collector connection runs with (openDatabase applies them). */
export function configure(db: Db): Db {
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  db.pragma('mmap_size = 268435456');
  return db;
}

/** Apply every migration newer than the database's user_version, each in its own transaction. */
export function migrate(db: Db): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const applied: number[] = [];
  for (const m of migrations()) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
