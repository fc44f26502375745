// exemptions: (device or all) x (rule or all) x (optional user), with reason, author and expiry.
import type { Db } from './open.ts';
import type { Exemption, ExemptionStore } from '../types.ts';
import type { RuleId } from '../../rules/types.ts';
import { WRITABLE_UNTIL } from '../types.ts';

/**
 * SQL: exemption `e` is unexpired at `now` (an SQL expression). An expiry that is no instant (a row from
 * before expiries were bounded, or written by hand) exempts nothing, as services/evaluation.ts's exemptionProblem says.
 */
export const unexpiredAt = (now: string): string =>
  `(e.expires_at IS NULL OR (typeof(e.expires_at) = 'integer' AND e.expires_at > ${now} AND e.expires_at < ${WRITABLE_UNTIL}))`;

interface ExemptionRow {
  id: string;
  serial: string | null;
  rule: string | null;
  user_name: string | null;
  reason: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
}

const toExemption = (r: ExemptionRow): Exemption => ({
  id: r.id,
  serial: r.serial,
  rule: r.rule as RuleId | null,
  user: r.user_name,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export function sqliteExemptions(db: Db): ExemptionStore {
  const add = db.prepare(
    `INSERT INTO exemptions (id, serial, rule, user_name, reason, created_by, created_at, expires_at)
     VALUES (@id, @serial, @rule, @user, @reason, @createdBy, @createdAt, @expiresAt)`,
  );
  const get = db.prepare<[string], ExemptionRow>(`SELECT * FROM exemptions WHERE id = ?`);
  const del = db.prepare(`DELETE FROM exemptions WHERE id = ?`);
  const all = db.prepare<[], ExemptionRow>(`SELECT * FROM exemptions ORDER BY created_at DESC, id`);
  const forSerial = db.prepare<[string], ExemptionRow>(
    `SELECT * FROM exemptions WHERE serial = ? OR serial IS NULL ORDER BY created_at DESC, id`,
  );
  const applicable = db.prepare<[string, number], ExemptionRow>(
    `SELECT * FROM exemptions e WHERE (e.serial = ? OR e.serial IS NULL) AND ${unexpiredAt('?')}`,
  );
  return {
    async add(e) {
      add.run(e);
    },
    async get(id) {
      const r = get.get(id);
      return r ? toExemption(r) : null;
    },
    async remove(id) {
      const r = get.get(id);
      if (!r) return null;
      del.run(id);
      return toExemption(r);
    },
    async list(serial) {
      return (serial === undefined ? all.all() : forSerial.all(serial)).map(toExemption);
    },
    async applicable(serial, now) {
      return applicable.all(serial, now).map(toExemption);
    },
  };
}
