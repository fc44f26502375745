// enrollment_audit: enrollment events, and counted repeats (one row per key: count, first and last time).
// The table has a hard cap: past it the oldest rows go, those of unauthenticated attempts first, so a
// flood from clients without the enroll secret never pushes out an issued token or a revocation.
import type { AfterCommit, Sql } from './sql.ts';
import type { EnrollmentAttempt, EnrollmentOutcome, EnrollmentStore } from '../types.ts';
import { DEFAULT_AUDIT_MAX_ROWS } from '../rows.ts';
import type { AuditRow } from '../rows.ts';

/** Collectors keeping the cap take turns ("tokenwatch" + 2). */
const CAP_LOCK = (0x746f6b656e776174n + 2n).toString();

export function postgresEnrollments(
  sql: Sql,
  after: AfterCommit,
  maxRows: number = DEFAULT_AUDIT_MAX_ROWS,
): EnrollmentStore {
  /** Back to the cap, unauthenticated rows first: once the unit that added rows has committed. */
  const keepCap = (q: Sql) => async () => {
    await q.rows('SELECT pg_advisory_xact_lock($1)', [CAP_LOCK]);
    const [size] = await q.rows<{ n: number }>(`SELECT count(*) AS n FROM enrollment_audit`);
    const excess = (size?.n ?? 0) - maxRows;
    if (excess <= 0) return;
    const dropped = await q.count(
      `DELETE FROM enrollment_audit WHERE id IN
         (SELECT id FROM enrollment_audit WHERE unauthenticated ORDER BY id LIMIT $1)`,
      [excess],
    );
    if (dropped < excess)
      await q.count(
        `DELETE FROM enrollment_audit WHERE id IN (SELECT id FROM enrollment_audit ORDER BY id LIMIT $1)`,
        [excess - dropped],
      );
  };
  const enforceCap = () => after('enrollment-audit-cap', (q) => keepCap(q)());

  return {
    async record(e: EnrollmentAttempt) {
      await sql.count(
        `INSERT INTO enrollment_audit (at, last_at, serial, hardware_uuid, outcome, remote_address, detail)
         VALUES ($1, $1, $2, $3, $4, $5, $6)`,
        [e.at, e.serial, e.hardwareUuid, e.outcome, e.remoteAddress, e.detail],
      );
      enforceCap();
    },
    async tally(e: EnrollmentAttempt, key: string, unauthenticated: boolean) {
      const [row] = await sql.rows<{ count: number }>(
        `INSERT INTO enrollment_audit AS a
           (at, last_at, serial, hardware_uuid, outcome, remote_address, detail, merge_key, unauthenticated)
         VALUES ($1, $1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (merge_key) WHERE merge_key IS NOT NULL DO UPDATE SET
           count = a.count + 1, last_at = greatest(a.last_at, excluded.at), serial = excluded.serial,
           hardware_uuid = excluded.hardware_uuid, detail = excluded.detail
         RETURNING count`,
        [e.at, e.serial, e.hardwareUuid, e.outcome, e.remoteAddress, e.detail, key, unauthenticated],
      );
      if (row?.count === 1) enforceCap();
    },
    async list({ serial, before, limit }) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (serial !== undefined) {
        args.push(serial);
        where.push(`serial = $${args.length}`);
      }
      if (before !== undefined) {
        args.push(before);
        where.push(`id < $${args.length}`);
      }
      args.push(limit);
      const rows = await sql.rows<AuditRow>(
        `SELECT id, at, last_at, count, serial, hardware_uuid, outcome, remote_address, detail
         FROM enrollment_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`,
        args,
      );
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
