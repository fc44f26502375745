// The SQLite store: one connection; units of work (withTransaction, and each call outside one) are
// grouped into SQLite transactions by group-commit.ts; the aggregate modules sit on top. Nothing SQLite-specific leaves this folder.
import Database from 'better-sqlite3';
import { configure, latestSchemaVersion, migrate } from './open.ts';
import type { Db } from './open.ts';
import { sqliteDevices } from './devices.ts';
import { sqliteSnapshots } from './snapshots.ts';
import { sqliteFindings } from './findings.ts';
import { sqliteExemptions } from './exemptions.ts';
import { sqliteEnrollments } from './enrollments.ts';
import { sqliteIdentityConflicts } from './identity-conflicts.ts';
import { sqliteFleet } from './fleet.ts';
import { sqliteIncidents } from './incidents.ts';
import { sqliteAlertEvents, sqliteDeliveries } from './alert-events.ts';
import { sqliteAlertChannels } from './alert-channels.ts';
import { sqliteJobs } from './jobs.ts';
import { GroupCommit } from './group-commit.ts';
import { startCheckpointer } from './checkpointer.ts';
import { checkDatabasePath, checkIdentity, readIdentity } from './database-file.ts';
import { StoreOpenError } from '../types.ts';
import type { PruneCutoffs, Repos, Store, StoreOptions } from '../types.ts';

/** Wrap every method so that, outside a transaction, it runs as its own unit of the group commit. */
function guarded<T extends object>(repo: (tx: Repos) => T, commit: GroupCommit, raw: Repos): T {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(repo(raw))) {
    out[name] = (...args: unknown[]) =>
      commit.run((tx) => {
        const method = (repo(tx) as Record<string, (...a: unknown[]) => Promise<unknown>>)[name] as (
          ...a: unknown[]
        ) => Promise<unknown>;
        return method(...args);
      });
  }
  return out as T;
}

/**
 * Record each silence longer than `overMs` when a contact ends it: a trigger on the connection (TEMP: the
 * threshold is this collector's stale age, not the schema's), so every write of last_contact (enrollment,
 * upload, check-in) is covered.
 */
function recordSilences(db: Db, overMs: number | undefined): void {
  if (overMs === undefined) return;
  if (!Number.isSafeInteger(overMs) || overMs < 0)
    throw new RangeError(`silenceOverMs ${overMs} is no duration`);
  db.exec(`CREATE TEMP TRIGGER device_silence AFTER UPDATE OF last_contact ON devices
    WHEN NEW.last_contact - OLD.last_contact > ${overMs}
    BEGIN
      INSERT OR IGNORE INTO device_silences (device_id, since, until) VALUES (NEW.id, OLD.last_contact, NEW.last_contact);
    END`);
}

/**
 * Open the collector's database: checked before it is touched (database-file.ts), then its identity
 * (a tokenwatch database this release knows), then configured and migrated. Every refusal is a
 * StoreOpenError saying what to do.
 */
function openChecked(path: string, mustExist: boolean): Db {
  checkDatabasePath(path, mustExist);
  let db: Db | null = null;
  try {
    db = new Database(path, { fileMustExist: mustExist });
    checkIdentity(path, readIdentity(db), latestSchemaVersion(), mustExist);
    return configure(db);
  } catch (e) {
    db?.close();
    if (e instanceof StoreOpenError) throw e;
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB')
      throw new StoreOpenError(`${path} is not a SQLite database, so not a tokenwatch one: check --db`);
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM')
      throw new StoreOpenError(`cannot open the database ${path}: ${(e as Error).message}`);
    throw e;
  }
}

export function openSqliteStore(path: string, options: StoreOptions = {}): Store {
  const db: Db = openChecked(path, options.mustExist === true);
  migrate(db);
  recordSilences(db, options.silenceOverMs);
  // WAL checkpoints in a worker thread, so no COMMIT on the event loop copies pages and fsyncs.
  const checkpointer = path === ':memory:' || path === '' ? null : startCheckpointer(db, path);
  const raw: Repos = {
    devices: sqliteDevices(db),
    snapshots: sqliteSnapshots(db),
    findings: sqliteFindings(db),
    exemptions: sqliteExemptions(db),
    enrollments: sqliteEnrollments(db, options.auditMaxRows),
    identityConflicts: sqliteIdentityConflicts(db),
    fleet: sqliteFleet(db),
    incidents: sqliteIncidents(db),
    alertEvents: sqliteAlertEvents(db),
    deliveries: sqliteDeliveries(db),
    alertChannels: sqliteAlertChannels(db),
    jobs: sqliteJobs(db),
  };
  const commit = new GroupCommit(db, raw);
  // Never a device's current snapshot: not the last one received (a late older delivery can come after it).
  const pruneHistory = db.prepare(
    `DELETE FROM snapshot_history WHERE received_at < ?
       AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = snapshot_history.device_id AND d.snapshot_id = snapshot_history.snapshot_id)`,
  );
  const pruneReceipts = db.prepare(`DELETE FROM snapshot_receipts WHERE received_at < ?`);
  // A counted row goes once its latest repeat is past retention.
  const pruneAudit = db.prepare(`DELETE FROM enrollment_audit WHERE last_at < ?`);
  // The state history answers for instants from the cutoff on: entries and silences that ended before it go.
  const pruneStates = db.prepare(`DELETE FROM device_states WHERE until IS NOT NULL AND until < ?`);
  const pruneSilences = db.prepare(`DELETE FROM device_silences WHERE until < ?`);
  const moveHorizon = db.prepare(
    `UPDATE history_horizon SET kept_since = max(coalesce(kept_since, @cutoff), @cutoff) WHERE id = 1`,
  );

  return {
    devices: guarded((tx) => tx.devices, commit, raw),
    snapshots: guarded((tx) => tx.snapshots, commit, raw),
    findings: guarded((tx) => tx.findings, commit, raw),
    exemptions: guarded((tx) => tx.exemptions, commit, raw),
    enrollments: guarded((tx) => tx.enrollments, commit, raw),
    identityConflicts: guarded((tx) => tx.identityConflicts, commit, raw),
    fleet: guarded((tx) => tx.fleet, commit, raw),
    incidents: guarded((tx) => tx.incidents, commit, raw),
    alertEvents: guarded((tx) => tx.alertEvents, commit, raw),
    deliveries: guarded((tx) => tx.deliveries, commit, raw),
    alertChannels: guarded((tx) => tx.alertChannels, commit, raw),
    jobs: guarded((tx) => tx.jobs, commit, raw),
    withTransaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
      return commit.run(fn);
    },
    prune(c: PruneCutoffs) {
      return commit.exclusive(async () => {
        const tx = db.transaction(() => {
          const states =
            pruneStates.run(c.historyBefore).changes + pruneSilences.run(c.historyBefore).changes;
          if (states > 0) moveHorizon.run({ cutoff: c.historyBefore });
          return {
            history: pruneHistory.run(c.historyBefore).changes,
            receipts: pruneReceipts.run(c.receiptsBefore).changes,
            audit: pruneAudit.run(c.auditBefore).changes,
          };
        });
        return tx.immediate();
      });
    },
    async health() {
      return db.open
        ? { backend: 'sqlite', state: 'ready' as const, detail: null }
        : { backend: 'sqlite', state: 'unreachable' as const, detail: 'the database is closed' };
    },
    async close() {
      await commit.exclusive(async () => {
        // The worker's connection first, so the main one is the last and its close checkpoints the WAL away.
        await checkpointer?.stop();
        if (db.open) {
          db.pragma('optimize');
          db.close();
        }
      });
    },
  };
}
