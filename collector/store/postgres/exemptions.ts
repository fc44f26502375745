// exemptions: (device or all) x (rule or all) x (optional user), with reason, author and expiry.
import type { Sql } from './sql.ts';
import type { Exemption, ExemptionStore } from '../types.ts';
import type { RuleId } from '../../rules/types.ts';
import { WRITABLE_UNTIL } from '../types.ts';

/**
 * SQL: exemption `e` is unexpired at `now` (an SQL expression). An expiry that is no instant (past what
 * RFC 3339 can write) exempts nothing, as services/evaluation.ts's exemptionProblem says.
 */
export const unexpiredAt = (now: string): string =>
  `(e.expires_at IS NULL OR (e.expires_at > ${now} AND e.expires_at < ${WRITABLE_UNTIL}))`;

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

const COLUMNS = 'e.id, e.serial, e.rule, e.user_name, e.reason, e.created_by, e.created_at, e.expires_at';

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

export function postgresExemptions(sql: Sql): ExemptionStore {
  const get = async (id: string) => {
    const [r] = await sql.rows<ExemptionRow>(`SELECT ${COLUMNS} FROM exemptions e WHERE e.id = $1`, [id]);
    return r ? toExemption(r) : null;
  };
  return {
    async add(e) {
      await sql.count(
        `INSERT INTO exemptions (id, serial, rule, user_name, reason, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [e.id, e.serial, e.rule, e.user, e.reason, e.createdBy, e.createdAt, e.expiresAt],
      );
    },
    get,
    async remove(id) {
      const [r] = await sql.rows<ExemptionRow>(
        `DELETE FROM exemptions e WHERE e.id = $1 RETURNING ${COLUMNS}`,
        [id],
      );
      return r ? toExemption(r) : null;
    },
    async list(serial) {
      const rows =
        serial === undefined
          ? await sql.rows<ExemptionRow>(
              `SELECT ${COLUMNS} FROM exemptions e ORDER BY e.created_at DESC, e.id`,
            )
          : await sql.rows<ExemptionRow>(
              `SELECT ${COLUMNS} FROM exemptions e WHERE e.serial = $1 OR e.serial IS NULL
               ORDER BY e.created_at DESC, e.id`,
              [serial],
            );
      return rows.map(toExemption);
    },
    async applicable(serial, now) {
      const rows = await sql.rows<ExemptionRow>(
        `SELECT ${COLUMNS} FROM exemptions e WHERE (e.serial = $1 OR e.serial IS NULL) AND ${unexpiredAt('$2::bigint')}`,
        [serial, now],
      );
      return rows.map(toExemption);
    },
  };
}
