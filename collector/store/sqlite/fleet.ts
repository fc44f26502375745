// Fleet queries. Status is rules/device-status.ts's deviceStatus, answered here in SQL for every device at
// once, at read time, from stored instants: noncompliant_from (rules' noncompliantFrom, written at ingest and
// on exemption changes), last_contact (the stale rule, its grace and exemptions), has_unknown and open
// identity conflicts, so reads are right before any scheduled job runs. The same questions about a past
// instant: fleet-at.ts.
import type { Db } from './open.ts';
import { unexpiredAt } from './exemptions.ts';
import { toFactCount } from './fact-columns.ts';
import type { FactCountRaw } from './fact-columns.ts';
import { fleetAt } from './fleet-at.ts';
import { DEVICE_ROW_COLUMNS, FACT_COUNT, listSql, statementCache, toRow } from './fleet-rows.ts';
import type { FullRow } from './fleet-rows.ts';
import type { DeviceFilter, FleetParams, FleetQueries } from '../types.ts';
import type { FindingState, RuleId } from '../../rules/types.ts';

const STALE_EXEMPT = `EXISTS (SELECT 1 FROM exemptions e WHERE (e.serial IS NULL OR e.serial = d.serial)
  AND (e.rule IS NULL OR e.rule = 'stale') AND e.user_name IS NULL AND ${unexpiredAt('@now')})`;

/** An open identity conflict claims the device's serial or its hardware UUID: which side is the real Mac is
 * unknown until an admin resolves it, so the device is not compliant meanwhile. */
export const IDENTITY_CONFLICT_SQL = `(EXISTS (SELECT 1 FROM identity_conflicts c WHERE c.serial = d.serial AND c.resolved_at IS NULL)
  OR EXISTS (SELECT 1 FROM identity_conflicts c WHERE c.hardware_uuid = d.hardware_uuid AND c.resolved_at IS NULL))`;

export const STATUS_SQL = `CASE
  WHEN (d.noncompliant_from IS NOT NULL AND d.noncompliant_from <= @now)
    OR (d.last_contact <= @staleActiveCutoff AND NOT ${STALE_EXEMPT}) THEN 'noncompliant'
  WHEN d.has_unknown = 1 OR ${IDENTITY_CONFLICT_SQL} THEN 'unknown'
  ELSE 'compliant' END`;

const ROW_COLUMNS = `${DEVICE_ROW_COLUMNS}, d.os_version, d.bootstrap_escrowed, d.bootstrap_usable, d.filevault_on,
  d.mdm_update, ${STATUS_SQL} AS status, ${IDENTITY_CONFLICT_SQL} AS identity_conflict, d.last_contact AS stale_contact`;

export function sqliteFleet(db: Db): FleetQueries {
  // Devices by status without computing STATUS_SQL for every row (a scan of the whole fleet): the same
  // definition taken apart along the partial indexes. With A = noncompliant_from <= now, B = stale and past
  // the stale grace and not exempted from stale, and U = has_unknown:
  //   noncompliant = |A| + |B - A|;  unknown = |U| - |U & A| - |U & (B - A)| + |C - U - A - B|;
  //   compliant = the rest,
  // where C = devices an open identity conflict claims (unknown unless noncompliant).
  // |A| and |U & A| read the noncompliant_from index, |U| its own, |B - A| only the stale devices
  // (last_contact index), |C - U - A - B| only the devices of open conflicts: the cost follows the
  // noncompliant, unknown, stale and conflicted devices, not the fleet.
  // The store conformance suite (test/collector/store/conformance/status.ts) checks both against the rules'
  // deviceStatus at every boundary of every input.
  // (Separate statements: SQLite counts a whole table from its b-tree only for a plain top-level count(*).
  // countByStatus runs as one unit of work, so they all read the same state.)
  const count = (sql: string) => db.prepare<[Record<string, number>], { n: number }>(sql);
  const total = count(`SELECT count(*) AS n FROM devices`);
  const activeFailing = count(`SELECT count(*) AS n FROM devices WHERE noncompliant_from <= @now`);
  const activeFailingUnknown = count(
    `SELECT count(*) AS n FROM devices WHERE noncompliant_from <= @now AND has_unknown = 1`,
  );
  const unknownAll = count(`SELECT count(*) AS n FROM devices WHERE has_unknown = 1`);
  const staleOnly = db.prepare<[Record<string, number>], { n: number; u: number | null }>(
    `SELECT count(*) AS n, sum(d.has_unknown = 1) AS u FROM devices d
     WHERE d.last_contact <= @staleActiveCutoff
       AND NOT (d.noncompliant_from IS NOT NULL AND d.noncompliant_from <= @now)
       AND NOT ${STALE_EXEMPT}`,
  );
  // Driven from the open conflicts (CROSS JOIN keeps SQLite from scanning devices instead).
  const conflictedOnly = count(
    `SELECT count(*) AS n FROM (
       SELECT d2.id FROM identity_conflicts c CROSS JOIN devices d2 ON d2.serial = c.serial
         WHERE c.resolved_at IS NULL
       UNION SELECT d3.id FROM identity_conflicts c CROSS JOIN devices d3 ON d3.hardware_uuid = c.hardware_uuid
         WHERE c.resolved_at IS NULL
     ) AS claimed CROSS JOIN devices d ON d.id = claimed.id
     WHERE d.has_unknown = 0
       AND NOT (d.noncompliant_from IS NOT NULL AND d.noncompliant_from <= @now)
       AND NOT (d.last_contact <= @staleActiveCutoff AND NOT ${STALE_EXEMPT})`,
  );
  const byRule = db.prepare<[], { rule: RuleId; n: number }>(
    `SELECT rule, count(DISTINCT device_id) AS n FROM findings WHERE resolved_at IS NULL GROUP BY rule`,
  );
  // findingState in SQL: a matching exemption in force, else inside the grace window, else active.
  const findingStates = db.prepare<
    [Record<string, number>],
    { rule: RuleId; state: FindingState; n: number }
  >(
    `SELECT f.rule AS rule, CASE
       WHEN EXISTS (SELECT 1 FROM exemptions e WHERE (e.serial IS NULL OR e.serial = d.serial)
         AND (e.rule IS NULL OR e.rule = f.rule)
         AND (e.user_name IS NULL OR (e.user_name <> '' AND e.user_name = f.user_name))
         AND ${unexpiredAt('@now')}) THEN 'exempted'
       WHEN f.pending_until IS NOT NULL AND @now < f.pending_until THEN 'pending'
       ELSE 'active' END AS state, count(*) AS n
     FROM findings f CROSS JOIN devices d ON d.id = f.device_id
     WHERE f.resolved_at IS NULL AND f.failing = 1
     GROUP BY 1, 2`,
  );
  // staleFinding's state: exempted as the status query says, active past the stale rule's grace window.
  const staleStates = db.prepare<[Record<string, number>], { state: FindingState; n: number }>(
    `SELECT CASE WHEN ${STALE_EXEMPT} THEN 'exempted'
       WHEN d.last_contact <= @staleActiveCutoff THEN 'active' ELSE 'pending' END AS state, count(*) AS n
     FROM devices d WHERE d.last_contact < @staleCutoff
     GROUP BY 1`,
  );
  const staleCount = db.prepare<[{ staleCutoff: number }], { n: number }>(
    `SELECT count(*) AS n FROM devices WHERE last_contact < @staleCutoff`,
  );
  const one = db.prepare<[Record<string, number | string>], FullRow>(
    `SELECT ${ROW_COLUMNS} FROM devices d WHERE d.serial = @serial`,
  );
  const facts = db.prepare<[], FactCountRaw>(
    `${FACT_COUNT} FROM devices INDEXED BY devices_facts GROUP BY 1, 2, 3, 4`,
  );
  const withoutFacts = db.prepare<[number, number, number], { id: number; snapshot_id: string }>(
    `SELECT id, snapshot_id FROM devices WHERE id > ? AND snapshot_id IS NOT NULL
       AND (facts_version IS NULL OR facts_version <> ?) ORDER BY id LIMIT ?`,
  );
  const prepared = statementCache(db);
  const params = (p: FleetParams) => ({ now: p.now, staleActiveCutoff: p.staleActiveCutoff });

  return {
    async listDevices(p, f: DeviceFilter, page) {
      const { where, args } = listSql(
        f,
        page,
        {
          os: 'd.os_version',
          mdmUpdate: 'd.mdm_update',
          stale: 'd.last_contact < @staleCutoff',
          status: STATUS_SQL,
          openRule: 'd.id IN (SELECT device_id FROM findings WHERE rule = @rule AND resolved_at IS NULL)',
        },
        params(p),
      );
      if (f.rule === 'stale') args['staleCutoff'] = p.staleCutoff;
      const sql = `SELECT ${ROW_COLUMNS} FROM devices d ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY d.serial LIMIT @limit`;
      return (prepared(sql).all(args) as FullRow[]).map(toRow);
    },
    async deviceRow(p, serial) {
      const r = one.get({ ...params(p), serial });
      return r ? toRow(r) : null;
    },
    async countByStatus(p) {
      const args = params(p);
      const n = (q: typeof total, a: Record<string, number> = {}) => q.get(a)?.n ?? 0;
      const stale = staleOnly.get(args);
      const noncompliant = n(activeFailing, args) + (stale?.n ?? 0);
      const unknown =
        n(unknownAll) - n(activeFailingUnknown, args) - (stale?.u ?? 0) + n(conflictedOnly, args);
      return { compliant: n(total) - noncompliant - unknown, noncompliant, unknown };
    },
    async countByRule(p) {
      const rows = byRule.all().map((r) => ({ rule: r.rule, devices: r.n }));
      const stale = staleCount.get({ staleCutoff: p.staleCutoff })?.n ?? 0;
      if (stale > 0) rows.push({ rule: 'stale', devices: stale });
      return rows;
    },
    async deviceCount() {
      return total.get({})?.n ?? 0;
    },
    async countFacts() {
      return facts.all().map(toFactCount);
    },
    async withoutReportFacts(version, afterId, limit) {
      return withoutFacts.all(afterId, version, limit).map((r) => ({ id: r.id, snapshotId: r.snapshot_id }));
    },
    ...fleetAt(db),
    async findingCounts(p) {
      const rows = findingStates
        .all({ now: p.now })
        .map((r) => ({ rule: r.rule, state: r.state, findings: r.n }));
      for (const r of staleStates.all({ ...params(p), staleCutoff: p.staleCutoff }))
        rows.push({ rule: 'stale', state: r.state, findings: r.n });
      return rows;
    },
  };
}
