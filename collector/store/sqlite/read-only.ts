// A collector database opened only to read it (tokenwatch report --db FILE): SQLite's read-only mode, so
// nothing this connection runs can write, and no migration runs. The file must exist and be a tokenwatch
// database of exactly this version's schema: an older one is migrated by the collector (tokenwatch serve),
// never by a report; a newer one is read by the tokenwatch that wrote it. The repos are the collector's own
// (the read model on top is the API's), each call reading the database as it is then.
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { latestSchemaVersion } from './backup.ts';
import { sqliteDevices } from './devices.ts';
import { sqliteSnapshots } from './snapshots.ts';
import { sqliteFindings } from './findings.ts';
import { sqliteExemptions } from './exemptions.ts';
import { sqliteEnrollments } from './enrollments.ts';
import { sqliteIdentityConflicts } from './identity-conflicts.ts';
import { sqliteFleet } from './fleet.ts';
import type { Repos } from '../types.ts';
import { sqliteIncidents } from './incidents.ts';
import { sqliteAlertEvents, sqliteDeliveries } from './alert-events.ts';
import { sqliteAlertChannels } from './alert-channels.ts';
import { sqliteJobs } from './jobs.ts';

export class ReadOnlyOpenError extends Error {
  override name = 'ReadOnlyOpenError';
}

export interface ReadOnlyStore extends Repos {
  close(): void;
}

const errorCode = (e: unknown): string => (e as { code?: unknown }).code?.toString() ?? '';

export function openSqliteReadOnly(path: string): ReadOnlyStore {
  try {
    if (!statSync(path).isFile()) throw new ReadOnlyOpenError(`${path} is not a file`);
  } catch (e) {
    if (e instanceof ReadOnlyOpenError) throw e;
    throw new ReadOnlyOpenError(
      errorCode(e) === 'ENOENT'
        ? `${path} does not exist (give the collector's database file)`
        : `cannot read ${path}: ${(e as Error).message}`,
    );
  }
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // A report reads the database once, in order: a small page cache and no memory map keep its memory
    // bounded (mapped pages count in its resident size) whatever the database's size.
    db.pragma('cache_size = -16384');
    db.pragma('mmap_size = 0');
  } catch (e) {
    throw new ReadOnlyOpenError(
      errorCode(e) === 'SQLITE_NOTADB'
        ? `${path} is not a SQLite database`
        : `cannot open ${path}: ${(e as Error).message}`,
    );
  }
  let version: number;
  try {
    version = db.pragma('user_version', { simple: true }) as number;
  } catch (e) {
    db.close();
    throw new ReadOnlyOpenError(
      errorCode(e) === 'SQLITE_NOTADB'
        ? `${path} is not a SQLite database`
        : `cannot read ${path}: ${(e as Error).message}`,
    );
  }
  const latest = latestSchemaVersion();
  if (version !== latest) {
    db.close();
    throw new ReadOnlyOpenError(
      version === 0
        ? `${path} is not a tokenwatch database (schema version 0)`
        : version < latest
          ? `${path} has schema version ${version}, older than this tokenwatch's (${latest}): start this version's collector on it once (tokenwatch serve migrates it; back it up first), then report`
          : `${path} has schema version ${version}, newer than this tokenwatch knows (${latest}): report with the tokenwatch that runs the collector`,
    );
  }
  return {
    devices: sqliteDevices(db),
    snapshots: sqliteSnapshots(db),
    findings: sqliteFindings(db),
    exemptions: sqliteExemptions(db),
    enrollments: sqliteEnrollments(db),
    identityConflicts: sqliteIdentityConflicts(db),
    fleet: sqliteFleet(db),
    incidents: sqliteIncidents(db),
    alertEvents: sqliteAlertEvents(db),
    deliveries: sqliteDeliveries(db),
    alertChannels: sqliteAlertChannels(db),
    jobs: sqliteJobs(db),
    close: () => {
      if (db.open) db.close();
    },
  };
}
