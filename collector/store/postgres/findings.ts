// findings: (device, rule, user) failures keyed by firstSeen; resolved ones stay as history.
import type { Sql } from './sql.ts';
import type { FindingRecord, FindingStore } from '../types.ts';
import type { RuleId } from '../../rules/types.ts';

interface FindingRow {
  device_id: number;
  rule: string;
  user_name: string;
  first_seen: number;
  last_seen: number;
  resolved_at: number | null;
  pending_until: number | null;
  failing: boolean;
  reason: string;
}

const COLUMNS =
  'device_id, rule, user_name, first_seen, last_seen, resolved_at, pending_until, failing, reason';

const toFinding = (r: FindingRow): FindingRecord => ({
  rule: r.rule as RuleId,
  user: r.user_name === '' ? null : r.user_name,
  reason: r.reason,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  resolvedAt: r.resolved_at,
  pendingUntil: r.pending_until,
  failing: r.failing,
});

export function postgresFindings(sql: Sql): FindingStore {
  return {
    async graceEndedBetween(from, to) {
      const rows = await sql.rows<{ device_id: number }>(
        `SELECT DISTINCT device_id FROM findings
         WHERE resolved_at IS NULL AND failing AND pending_until > $1 AND pending_until <= $2 ORDER BY device_id`,
        [from, to],
      );
      return rows.map((r) => r.device_id);
    },
    async open(deviceId) {
      const rows = await sql.rows<FindingRow>(
        `SELECT ${COLUMNS} FROM findings WHERE device_id = $1 AND resolved_at IS NULL ORDER BY rule, user_name`,
        [deviceId],
      );
      return rows.map(toFinding);
    },
    async openFor(deviceIds) {
      const out = new Map<number, FindingRecord[]>();
      if (deviceIds.length === 0) return out;
      const rows = await sql.rows<FindingRow>(
        `SELECT ${COLUMNS} FROM findings WHERE resolved_at IS NULL AND device_id = ANY($1::bigint[])
         ORDER BY rule, user_name`,
        [deviceIds],
      );
      for (const r of rows) {
        const list = out.get(r.device_id) ?? [];
        list.push(toFinding(r));
        out.set(r.device_id, list);
      }
      return out;
    },
    async openAt(deviceIds, at) {
      const out = new Map<number, FindingRecord[]>();
      if (deviceIds.length === 0) return out;
      const rows = await sql.rows<FindingRow>(
        `SELECT ${COLUMNS} FROM findings WHERE device_id = ANY($1::bigint[])
           AND first_seen <= $2 AND (resolved_at IS NULL OR resolved_at > $2) ORDER BY rule, user_name`,
        [deviceIds, at],
      );
      for (const r of rows) {
        const list = out.get(r.device_id) ?? [];
        list.push(toFinding(r));
        out.set(r.device_id, list);
      }
      return out;
    },
    async recentlyResolved(deviceId, limit) {
      const rows = await sql.rows<FindingRow>(
        `SELECT ${COLUMNS} FROM findings WHERE device_id = $1 AND resolved_at IS NOT NULL
         ORDER BY resolved_at DESC LIMIT $2`,
        [deviceId, limit],
      );
      return rows.map(toFinding);
    },
    async save(deviceId, findings) {
      // One row per key, the last one winning (as one upsert after another would leave it).
      const byKey = new Map(findings.map((f) => [`${f.rule}\0${f.user ?? ''}\0${f.firstSeen}`, f]));
      findings = [...byKey.values()];
      if (findings.length === 0) return;
      // One statement for the device's findings: arrays of each column, unnested row by row.
      await sql.count(
        `INSERT INTO findings (device_id, rule, user_name, first_seen, last_seen, resolved_at, pending_until, failing, reason)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
           $8::boolean[], $9::text[])
         ON CONFLICT (device_id, rule, user_name, first_seen) DO UPDATE SET
           last_seen = excluded.last_seen, resolved_at = excluded.resolved_at,
           pending_until = excluded.pending_until, failing = excluded.failing, reason = excluded.reason`,
        [
          deviceId,
          findings.map((f) => f.rule),
          findings.map((f) => f.user ?? ''),
          findings.map((f) => f.firstSeen),
          findings.map((f) => f.lastSeen),
          findings.map((f) => f.resolvedAt),
          findings.map((f) => f.pendingUntil),
          findings.map((f) => f.failing),
          findings.map((f) => f.reason),
        ],
      );
    },
  };
}
