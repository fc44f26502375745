// enrollment_audit: enrollment events, and counted repeats (one row per key: count, first and last time).
// The table has a hard cap: past it the oldest rows go, those of unauthenticated attempts first, so a
// flood from clients without the enroll secret never pushes out an issued token or a revocation.
import type { Db } from './open.ts';
import type { EnrollmentAttempt, EnrollmentOutcome, EnrollmentStore } from '../types.ts';
import { DEFAULT_AUDIT_MAX_ROWS } from '../rows.ts';
import type { AuditRow } from '../rows.ts';

export function sqliteEnrollments(db: Db, maxRows: number = DEFAULT_AUDIT_MAX_ROWS): EnrollmentStore {
  const insert = db.prepare(
    `INSERT INTO enrollment_audit (at, last_at, serial, hardware_uuid, outcome, remote_address, detail)
     VALUES (@at, @at, @serial, @hardwareUuid, @outcome, @remoteAddress, @detail)`,
  );
  const tally = db.prepare<Record<string, unknown>, { count: number }>(
    `INSERT INTO enrollment_audit
       (at, last_at, serial, hardware_uuid, outcome, remote_address, detail, merge_key, unauthenticated)
     VALUES (@at, @at, @serial, @hardwareUuid, @outcome, @remoteAddress, @detail, @key, @unauthenticated)
     ON CONFLICT (merge_key) WHERE merge_key IS NOT NULL DO UPDATE SET
       count = count + 1, last_at = max(last_at, excluded.at), serial = excluded.serial,
       hardware_uuid = excluded.hardware_uuid, detail = excluded.detail
     RETURNING count`,
  );
  const size = db.prepare<[], { rows: number }>(`SELECT sum(rows) AS rows FROM enrollment_audit_size`);
  const dropUnauthenticated = db.prepare(
    `DELETE FROM enrollment_audit WHERE id IN
       (SELECT id FROM enrollment_audit WHERE unauthenticated = 1 ORDER BY id LIMIT ?)`,
  );
  const dropOldest = db.prepare(
    `DELETE FROM enrollment_audit WHERE id IN (SELECT id FROM enrollment_audit ORDER BY id LIMIT ?)`,
  );

  /** After a new row: back to the cap, unauthenticated rows first. */
  const enforceCap = () => {
    const excess = (size.get()?.rows ?? 0) - maxRows;
    if (excess <= 0) return;
    const dropped = dropUnauthenticated.run(excess).changes;
    if (dropped < excess) dropOldest.run(excess - dropped);
  };

  return {
    async record(e: EnrollmentAttempt) {
      insert.run({ ...e });
      enforceCap();
    },
    async tally(e: EnrollmentAttempt, key: string, unauthenticated: boolean) {
      const row = tally.get({ ...e, key, unauthenticated: unauthenticated ? 1 : 0 });
      if (row?.count === 1) enforceCap();
    },
    async list({ serial, before, limit }) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (serial !== undefined) {
        where.push('serial = ?');
        args.push(serial);
      }
      if (before !== undefined) {
        where.push('id < ?');
        args.push(before);
      }
      const sql = `SELECT id, at, last_at, count, serial, hardware_uuid, outcome, remote_address, detail
        FROM enrollment_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      const rows = db.prepare<(string | number)[], AuditRow>(sql).all(...args, limit);
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        lastAt: r.last_at,
        count: r.count,
        serial: r.serial,
        hardwareUuid: r.hardware_uuid,
        outcome: r.outcome as EnrollmentOutcome,
        remoteAddress: r.remote_address,
        detail: r.detail,
      }));
    },
  };
}
