// The SQLite store: one connection for writes (transactions serialised by a mutex, since they span awaits)
// and the aggregate modules on top of it. Nothing SQLite-specific leaves this folder.
import { openDatabase, migrate } from './open.ts';
import type { Db } from './open.ts';
import { sqliteDevices } from './devices.ts';
import { sqliteSnapshots } from './snapshots.ts';
import { sqliteFindings } from './findings.ts';
import { sqliteExemptions } from './exemptions.ts';
import { sqliteEnrollments } from './enrollments.ts';
import { sqliteFleet } from './fleet.ts';
import { Mutex } from '../lock.ts';
import type { PruneCutoffs, Repos, Store } from '../types.ts';

/** Wrap every method of a repo so that, outside a transaction, it waits for any open transaction to end. */
function guarded<T extends object>(repo: T, mutex: Mutex): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(repo)) {
    out[name] = (...args: unknown[]) => mutex.run(() => (fn as (...a: unknown[]) => Promise<unknown>)(...args));
  }
  return out as T;
}

export function openSqliteStore(path: string): Store {
  const db: Db = openDatabase(path);
  migrate(db);
  const mutex = new Mutex();
  const raw: Repos = {
    devices: sqliteDevices(db),
    snapshots: sqliteSnapshots(db),
    findings: sqliteFindings(db),
    exemptions: sqliteExemptions(db),
    enrollments: sqliteEnrollments(db),
  };
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const pruneHistory = db.prepare(
    `DELETE FROM snapshot_history WHERE received_at < ?
       AND seq NOT IN (SELECT max(seq) FROM snapshot_history h GROUP BY h.device_id)`,
  );
  const pruneReceipts = db.prepare(`DELETE FROM snapshot_receipts WHERE received_at < ?`);
  const pruneAudit = db.prepare(`DELETE FROM enrollment_audit WHERE at < ?`);
  const fleet = guarded(sqliteFleet(db), mutex);

  return {
    devices: guarded(raw.devices, mutex),
    snapshots: guarded(raw.snapshots, mutex),
    findings: guarded(raw.findings, mutex),
    exemptions: guarded(raw.exemptions, mutex),
    enrollments: guarded(raw.enrollments, mutex),
    fleet,
    withTransaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
      return mutex.run(async () => {
        begin.run();
        try {
          const result = await fn(raw);
          commit.run();
          return result;
        } catch (e) {
          if (db.inTransaction) rollback.run();
          throw e;
        }
      });
    },
    prune(c: PruneCutoffs) {
      return mutex.run(async () => {
        const tx = db.transaction(() => ({
          history: pruneHistory.run(c.historyBefore).changes,
          receipts: pruneReceipts.run(c.receiptsBefore).changes,
          audit: pruneAudit.run(c.auditBefore).changes,
        }));
        return tx.immediate();
      });
    },
    async close() {
      await mutex.run(async () => {
        if (db.open) {
          db.pragma('optimize');
          db.close();
        }
      });
    },
  };
}
