// Fleet queries. Status is rules/device-status.ts's deviceStatus, answered here in SQL for every device at
// once, at read time, from stored instants: noncompliant_from (rules' noncompliantFrom, written at ingest and
// on exemption changes), last_contact (the stale rule, its grace and exemptions), has_unknown and open
// identity conflicts, so reads are right before any scheduled job runs. Retired devices are in no count and
// no list unless the filter asks for them. The same questions about a past instant: fleet-at.ts.
import type { Db } from './open.ts';
import { unexpiredAt } from './exemptions.ts';
import { toFactCount } from './fact-columns.ts';
import type { FactCountRaw } from './fact-columns.ts';
import { fleetAt } from './fleet-at.ts';
import { DEVICE_ROW_COLUMNS, FACT_COUNT, listSql, statementCache, toRow } from './fleet-rows.ts';
import type { FullRow } from './fleet-rows.ts';
import type { DeviceFilter, FleetParams, FleetQueries, RuleCount } from '../types.ts';
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
  // Retired devices are in no count: the whole table less the retired (their own partial index), and
  // each other count tests the retired column of the few rows its index finds.
  const all = count(`SELECT count(*) AS n FROM devices`);
  const retired = count(`SELECT count(*) AS n FROM devices WHERE retired_at IS NOT NULL`);
  const activeFailing = count(
    `SELECT count(*) AS n FROM devices WHERE noncompliant_from <= @now AND retired_at IS NULL`,
  );
  const activeFailingUnknown = count(
    `SELECT count(*) AS n FROM devices WHERE noncompliant_from <= @now AND has_unknown = 1 AND retired_at IS NULL`,
  );
  const unknownAll = count(`SELECT count(*) AS n FROM devices WHERE has_unknown = 1 AND retired_at IS NULL`);
  const staleOnly = db.prepare<[Record<string, number>], { n: number; u: number | null }>(
    `SELECT count(*) AS n, sum(d.has_unknown = 1) AS u FROM devices d
     WHERE d.last_contact <= @staleActiveCutoff AND d.retired_at IS NULL
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
     WHERE d.has_unknown = 0 AND d.retired_at IS NULL
       AND NOT (d.noncompliant_from IS NOT NULL AND d.noncompliant_from <= @now)
       AND NOT (d.last_contact <= @staleActiveCutoff AND NOT ${STALE_EXEMPT})`,
  );
  // Per rule and device, the worst state of its failing findings of the rule (rules' findingState: a
  // matching exemption in force -> exempted (0), else inside the grace window -> pending (1), else active
  // (2)); -1 when its open findings of the rule are all unconfirmed. A finding's user '' is "no user": only
  // an exemption for every user (user_name NULL) matches it. Looking for a matching exemption costs most
  // of the query (about 4x at 100,000 devices), so it is only looked for when one is in force at all.
  const EXEMPTED = `EXISTS (SELECT 1 FROM exemptions e
      WHERE (e.serial IS NULL OR e.serial = (SELECT d.serial FROM devices d WHERE d.id = f.device_id))
      AND (e.rule IS NULL OR e.rule = f.rule)
      AND (e.user_name IS NULL OR (f.user_name <> '' AND e.user_name = f.user_name))
      AND ${unexpiredAt('@now')})`;
  const perRule = (exempted: string) =>
    db.prepare<
      [{ now: number }],
      { rule: RuleId; n: number; active: number; pending: number; exempted: number }
    >(
      `SELECT rule, count(*) AS n, sum(worst = 2) AS active, sum(worst = 1) AS pending, sum(worst = 0) AS exempted
       FROM (
         SELECT f.rule AS rule, max(CASE
             WHEN f.failing = 0 THEN -1
             WHEN ${exempted} THEN 0
             WHEN f.pending_until IS NOT NULL AND @now < f.pending_until THEN 1
             ELSE 2 END) AS worst
         FROM findings f
         WHERE f.resolved_at IS NULL
           AND f.device_id NOT IN (SELECT id FROM devices WHERE retired_at IS NOT NULL)
         GROUP BY f.rule, f.device_id
       ) GROUP BY rule`,
    );
  const byRuleExempted = perRule(EXEMPTED);
  const byRuleNoExemptions = perRule('0');
  const anyExemptionInForce = db.prepare<[{ now: number }], { n: number }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM exemptions e WHERE ${unexpiredAt('@now')} LIMIT 1)`,
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
     WHERE f.resolved_at IS NULL AND f.failing = 1 AND d.retired_at IS NULL
     GROUP BY 1, 2`,
  );
  // staleFinding's state: exempted as the status query says, active past the stale rule's grace window.
  const staleStates = db.prepare<[Record<string, number>], { state: FindingState; n: number }>(
    `SELECT CASE WHEN ${STALE_EXEMPT} THEN 'exempted'
       WHEN d.last_contact <= @staleActiveCutoff THEN 'active' ELSE 'pending' END AS state, count(*) AS n
     FROM devices d WHERE d.last_contact < @staleCutoff AND d.retired_at IS NULL
     GROUP BY 1`,
  );
  // The stale finding (never stored): stale past the stale age; active past its grace window unless exempted.
  const staleCount = db.prepare<
    [{ now: number; staleCutoff: number; staleActiveCutoff: number }],
    { n: number; exempted: number | null; active: number | null }
  >(
    `SELECT count(*) AS n, sum(ex) AS exempted, sum(NOT ex AND last_contact <= @staleActiveCutoff) AS active
     FROM (SELECT d.last_contact AS last_contact, ${STALE_EXEMPT} AS ex FROM devices d
           WHERE d.last_contact < @staleCutoff AND d.retired_at IS NULL)`,
  );
  const one = db.prepare<[Record<string, number | string>], FullRow>(
    `SELECT ${ROW_COLUMNS} FROM devices d WHERE d.serial = @serial`,
  );
  // The fleet's facts: every device's from the facts index, less the retired devices' (their own index).
  const facts = db.prepare<[], FactCountRaw>(
    `SELECT a.bootstrap_escrowed, a.bootstrap_usable, a.filevault_on, a.mdm_update, a.n - coalesce(r.n, 0) AS n
     FROM (${FACT_COUNT} FROM devices INDEXED BY devices_facts GROUP BY 1, 2, 3, 4) AS a
     LEFT JOIN (${FACT_COUNT} FROM devices WHERE retired_at IS NOT NULL GROUP BY 1, 2, 3, 4) AS r
       ON r.bootstrap_escrowed IS a.bootstrap_escrowed AND r.bootstrap_usable IS a.bootstrap_usable
       AND r.filevault_on IS a.filevault_on AND r.mdm_update IS a.mdm_update
     WHERE a.n - coalesce(r.n, 0) > 0`,
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
          inFleet: 'd.retired_at IS NULL',
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
      const n = (q: typeof all, a: Record<string, number> = {}) => q.get(a)?.n ?? 0;
      const total = n(all) - n(retired);
      const stale = staleOnly.get(args);
      const noncompliant = n(activeFailing, args) + (stale?.n ?? 0);
      const unknown =
        n(unknownAll) - n(activeFailingUnknown, args) - (stale?.u ?? 0) + n(conflictedOnly, args);
      return { compliant: total - noncompliant - unknown, noncompliant, unknown };
    },
    async countByRule(p) {
      const byRule =
        (anyExemptionInForce.get({ now: p.now })?.n ?? 0) > 0 ? byRuleExempted : byRuleNoExemptions;
      const rows: RuleCount[] = byRule.all({ now: p.now }).map((r) => ({
        rule: r.rule,
        devices: r.n,
        active: r.active,
        pending: r.pending,
        exempted: r.exempted,
      }));
      const stale = staleCount.get({
        now: p.now,
        staleCutoff: p.staleCutoff,
        staleActiveCutoff: p.staleActiveCutoff,
      });
      if (stale && stale.n > 0) {
        const exempted = stale.exempted ?? 0;
        const active = stale.active ?? 0;
        rows.push({
          rule: 'stale',
          devices: stale.n,
          active,
          pending: stale.n - exempted - active,
          exempted,
        });
      }
      return rows;
    },
    async deviceCount() {
      return (all.get({})?.n ?? 0) - (retired.get({})?.n ?? 0);
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
