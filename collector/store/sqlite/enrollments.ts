// enrollment_audit: every enrollment attempt and every admin revocation.
import type { Db } from './open.ts';
import type { EnrollmentEvent, EnrollmentOutcome, EnrollmentStore } from '../types.ts';

interface AuditRow {
  id: number;
  at: number;
  serial: string | null;
  hardware_uuid: string | null;
  outcome: string;
  remote_address: string | null;
  detail: string | null;
}

export function sqliteEnrollments(db: Db): EnrollmentStore {
  const insert = db.prepare(
    `INSERT INTO enrollment_audit (at, serial, hardware_uuid, outcome, remote_address, detail)
     VALUES (@at, @serial, @hardwareUuid, @outcome, @remoteAddress, @detail)`,
  );
  return {
    async record(e: EnrollmentEvent) {
      insert.run({ ...e });
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
      const sql = `SELECT * FROM enrollment_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      const rows = db.prepare<(string | number)[], AuditRow>(sql).all(...args, limit);
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        serial: r.serial,
        hardwareUuid: r.hardware_uuid,
        outcome: r.outcome as EnrollmentOutcome,
        remoteAddress: r.remote_address,
        detail: r.detail,
      }));
    },
  };
}
