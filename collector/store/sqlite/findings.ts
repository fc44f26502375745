// findings: (device, rule, user) failures keyed by firstSeen; resolved ones stay as history.
import type { Db } from './open.ts';
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
  failing: number;
  reason: string;
}

export function toFinding(r: FindingRow): FindingRecord {
  return {
    rule: r.rule as RuleId,
    user: r.user_name === '' ? null : r.user_name,
    reason: r.reason,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    resolvedAt: r.resolved_at,
    pendingUntil: r.pending_until,
    failing: r.failing === 1,
  };
}

export function sqliteFindings(db: Db): FindingStore {
  const open = db.prepare<[number], FindingRow>(
    `SELECT * FROM findings WHERE device_id = ? AND resolved_at IS NULL ORDER BY rule, user_name`,
  );
  const resolved = db.prepare<[number, number], FindingRow>(
    `SELECT * FROM findings WHERE device_id = ? AND resolved_at IS NOT NULL ORDER BY resolved_at DESC LIMIT ?`,
  );
  const upsert = db.prepare(
    `INSERT INTO findings (device_id, rule, user_name, first_seen, last_seen, resolved_at, pending_until, failing, reason)
     VALUES (@deviceId, @rule, @user, @firstSeen, @lastSeen, @resolvedAt, @pendingUntil, @failing, @reason)
     ON CONFLICT (device_id, rule, user_name, first_seen) DO UPDATE SET
       last_seen = excluded.last_seen, resolved_at = excluded.resolved_at,
       pending_until = excluded.pending_until, failing = excluded.failing, reason = excluded.reason`,
  );
  const graceEnded = db.prepare<[number, number], { device_id: number }>(
    `SELECT DISTINCT device_id FROM findings
     WHERE resolved_at IS NULL AND failing = 1 AND pending_until > ? AND pending_until <= ? ORDER BY device_id`,
  );
  return {
    async graceEndedBetween(from, to) {
      return graceEnded.all(from, to).map((r) => r.device_id);
    },
    async open(deviceId) {
      return open.all(deviceId).map(toFinding);
    },
    async openFor(deviceIds) {
      const out = new Map<number, FindingRecord[]>();
      for (let i = 0; i < deviceIds.length; i += 500) {
        const chunk = deviceIds.slice(i, i + 500);
        const rows = db
          .prepare<number[], FindingRow>(
            `SELECT * FROM findings WHERE resolved_at IS NULL AND device_id IN (${chunk.map(() => '?').join(',')})
             ORDER BY rule, user_name`,
          )
          .all(...chunk);
        for (const r of rows) {
          const list = out.get(r.device_id) ?? [];
          list.push(toFinding(r));
          out.set(r.device_id, list);
        }
      }
      return out;
    },
    async openAt(deviceIds, at) {
      const out = new Map<number, FindingRecord[]>();
      for (let i = 0; i < deviceIds.length; i += 500) {
        const chunk = deviceIds.slice(i, i + 500);
        const rows = db
          .prepare<number[], FindingRow>(
            `SELECT * FROM findings WHERE device_id IN (${chunk.map(() => '?').join(',')})
               AND first_seen <= ? AND (resolved_at IS NULL OR resolved_at > ?) ORDER BY rule, user_name`,
          )
          .all(...chunk, at, at);
        for (const r of rows) {
          const list = out.get(r.device_id) ?? [];
          list.push(toFinding(r));
          out.set(r.device_id, list);
        }
      }
      return out;
    },
    async recentlyResolved(deviceId, limit) {
      return resolved.all(deviceId, limit).map(toFinding);
    },
    async save(deviceId, findings) {
      for (const f of findings) {
        upsert.run({
          deviceId,
          rule: f.rule,
          user: f.user ?? '',
          firstSeen: f.firstSeen,
          lastSeen: f.lastSeen,
          resolvedAt: f.resolvedAt,
          pendingUntil: f.pendingUntil,
          failing: f.failing ? 1 : 0,
          reason: f.reason,
        });
      }
    },
  };
}
