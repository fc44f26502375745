// Fleet queries. Status is rules/device-status.ts's deviceStatus, answered here in SQL for every device at
// once, at read time, from stored instants, as store/sqlite/fleet.ts answers it (the store conformance
// suite's status test checks both against deviceStatus). $1 is the instant of the read (now) and $2 the
// stale rule's active cutoff in every statement that reads status.
import type { Sql } from './sql.ts';
import { DEVICE_COLUMNS, toDevice } from '../rows.ts';
import type { DeviceRowRaw } from '../rows.ts';
import { unexpiredAt } from './exemptions.ts';
import type {
  DeviceFilter,
  DeviceRow,
  DeviceStatus,
  FleetParams,
  FleetQueries,
  RuleCount,
} from '../types.ts';
import type { FindingState, RuleId } from '../../rules/types.ts';
import { toFactCount, toFacts } from './fact-columns.ts';
import type { FactColumnsRaw, FactCountRaw } from './fact-columns.ts';

const NOW = '$1::bigint';
const STALE_ACTIVE = '$2::bigint';

const STALE_EXEMPT = `EXISTS (SELECT 1 FROM exemptions e WHERE (e.serial IS NULL OR e.serial = d.serial)
  AND (e.rule IS NULL OR e.rule = 'stale') AND e.user_name IS NULL AND ${unexpiredAt(NOW)})`;

/** An open identity conflict claims the device's serial or its hardware UUID (unknown until resolved). */
const IDENTITY_CONFLICT_SQL = `(EXISTS (SELECT 1 FROM identity_conflicts c WHERE c.serial = d.serial AND c.resolved_at IS NULL)
  OR EXISTS (SELECT 1 FROM identity_conflicts c WHERE c.hardware_uuid = d.hardware_uuid AND c.resolved_at IS NULL))`;

const ACTIVE_FAILURE = `(d.noncompliant_from IS NOT NULL AND d.noncompliant_from <= ${NOW})`;
const STALE_ACTIVE_UNEXEMPTED = `(d.last_contact <= ${STALE_ACTIVE} AND NOT ${STALE_EXEMPT})`;

const STATUS_SQL = `CASE
  WHEN ${ACTIVE_FAILURE} OR ${STALE_ACTIVE_UNEXEMPTED} THEN 'noncompliant'
  WHEN d.has_unknown OR ${IDENTITY_CONFLICT_SQL} THEN 'unknown'
  ELSE 'compliant' END`;

const ROW_COLUMNS = `${DEVICE_COLUMNS.split(', ')
  .map((c) => `d.${c}`)
  .join(
    ', ',
  )}, d.model, d.os_version, d.os_build, d.hostname, d.apple_silicon, d.agent_version, d.last_console_user,
  d.bootstrap_escrowed, d.bootstrap_usable, d.filevault_on, d.mdm_update, d.mdm_update_reason, d.token_holders,
  d.tokenless_users, ${STATUS_SQL} AS status, ${IDENTITY_CONFLICT_SQL} AS identity_conflict,
  d.last_contact AS stale_contact`;

export interface FullRow extends DeviceRowRaw, FactColumnsRaw {
  last_console_user: string | null;
  stale_contact: number | null;
  model: string | null;
  os_version: string | null;
  os_build: string | null;
  hostname: string | null;
  apple_silicon: boolean | null;
  agent_version: string | null;
  status: DeviceStatus;
  identity_conflict: boolean;
}

export const toRow = (r: FullRow): DeviceRow => ({
  ...toDevice(r),
  model: r.model,
  osVersion: r.os_version,
  osBuild: r.os_build,
  hostname: r.hostname,
  appleSilicon: r.apple_silicon,
  agentVersion: r.agent_version,
  status: r.status,
  identityConflict: r.identity_conflict,
  ...toFacts(r),
  lastConsoleUser: r.last_console_user,
  staleContact: r.stale_contact,
});

// Devices by status without computing STATUS_SQL for every row: the same definition taken apart along
// the partial indexes, as store/sqlite/fleet.ts explains (A = an active failure, B = stale past the grace
// and not exempted, U = has_unknown, C = claimed by an open identity conflict), in one statement. Retired
// devices are in no count: the whole table less the retired (their own partial index), and each other count
// tests the retired column of the few rows its index finds.
const COUNT_BY_STATUS = `SELECT
  (SELECT count(*) FROM devices) - (SELECT count(*) FROM devices WHERE retired_at IS NOT NULL) AS total,
  (SELECT count(*) FROM devices WHERE noncompliant_from <= ${NOW} AND retired_at IS NULL) AS active_failing,
  (SELECT count(*) FROM devices WHERE noncompliant_from <= ${NOW} AND has_unknown AND retired_at IS NULL)
    AS active_failing_unknown,
  (SELECT count(*) FROM devices WHERE has_unknown AND retired_at IS NULL) AS unknown_all,
  (SELECT count(*) FROM devices d WHERE d.last_contact <= ${STALE_ACTIVE} AND d.retired_at IS NULL
     AND NOT ${ACTIVE_FAILURE} AND NOT ${STALE_EXEMPT}) AS stale_only,
  (SELECT count(*) FROM devices d WHERE d.last_contact <= ${STALE_ACTIVE} AND d.retired_at IS NULL
     AND NOT ${ACTIVE_FAILURE} AND NOT ${STALE_EXEMPT} AND d.has_unknown) AS stale_only_unknown,
  (SELECT count(*) FROM devices d WHERE d.id IN (
       SELECT d2.id FROM identity_conflicts c JOIN devices d2 ON d2.serial = c.serial WHERE c.resolved_at IS NULL
       UNION SELECT d3.id FROM identity_conflicts c JOIN devices d3 ON d3.hardware_uuid = c.hardware_uuid
         WHERE c.resolved_at IS NULL)
     AND NOT d.has_unknown AND d.retired_at IS NULL AND NOT ${ACTIVE_FAILURE}
     AND NOT ${STALE_ACTIVE_UNEXEMPTED}) AS conflicted_only`;

// Per rule and device, the worst state of its failing findings of the rule (rules' findingState: a matching
// exemption in force -> exempted (0), else inside the grace window -> pending (1), else active (2)); -1 when
// its open findings of the rule are all unconfirmed. A finding's user '' is "no user": only an exemption for
// every user (user_name NULL) matches it. The exemption lookup is left out when none is in force at all, as
// store/sqlite/fleet.ts does (it is most of the query's cost).
const EXEMPTED = `EXISTS (SELECT 1 FROM exemptions e
  WHERE (e.serial IS NULL OR e.serial = (SELECT d.serial FROM devices d WHERE d.id = f.device_id))
  AND (e.rule IS NULL OR e.rule = f.rule)
  AND (e.user_name IS NULL OR (f.user_name <> '' AND e.user_name = f.user_name))
  AND ${unexpiredAt(NOW)})`;

const perRule = (
  exempted: string,
) => `SELECT rule, count(*) AS n, count(*) FILTER (WHERE worst = 2) AS active,
    count(*) FILTER (WHERE worst = 1) AS pending, count(*) FILTER (WHERE worst = 0) AS exempted
  FROM (
    SELECT f.rule AS rule, max(CASE
        WHEN NOT f.failing THEN -1
        WHEN ${exempted} THEN 0
        WHEN f.pending_until IS NOT NULL AND ${NOW} < f.pending_until THEN 1
        ELSE 2 END) AS worst
    FROM findings f
    WHERE f.resolved_at IS NULL
      AND f.device_id NOT IN (SELECT id FROM devices WHERE retired_at IS NOT NULL)
    GROUP BY f.rule, f.device_id
  ) AS worst_by_device GROUP BY rule`;

const BY_RULE_EXEMPTED = perRule(EXEMPTED);
const BY_RULE_NO_EXEMPTIONS = perRule('false');
const ANY_EXEMPTION_IN_FORCE = `SELECT EXISTS (SELECT 1 FROM exemptions e WHERE ${unexpiredAt(NOW)}) AS any`;

// The stale finding (never stored): stale past the stale age; active past its grace window unless exempted.
const STALE_BY_STATE = `SELECT count(*) AS n, count(*) FILTER (WHERE ex) AS exempted,
    count(*) FILTER (WHERE NOT ex AND last_contact <= ${STALE_ACTIVE}) AS active
  FROM (SELECT d.last_contact AS last_contact, ${STALE_EXEMPT} AS ex FROM devices d
        WHERE d.last_contact < $3 AND d.retired_at IS NULL) AS stale`;

interface StatusCounts {
  total: number;
  active_failing: number;
  active_failing_unknown: number;
  unknown_all: number;
  stale_only: number;
  stale_only_unknown: number;
  conflicted_only: number;
}

export function postgresFleet(
  sql: Sql,
): Omit<
  FleetQueries,
  'listDevicesAt' | 'countByStatusAt' | 'countByRuleAt' | 'deviceCountAt' | 'countFactsAt'
> {
  const params = (p: FleetParams) => [p.now, p.staleActiveCutoff];
  return {
    async listDevices(p, f: DeviceFilter, page) {
      const where: string[] = [];
      const args: unknown[] = params(p);
      const arg = (v: unknown) => {
        args.push(v);
        return `$${args.length}`;
      };
      if (page.after !== undefined) where.push(`d.serial > ${arg(page.after)}`);
      const retired = f.retired ?? 'exclude';
      if (retired !== 'include')
        where.push(retired === 'only' ? 'd.retired_at IS NOT NULL' : 'd.retired_at IS NULL');
      if (f.serial !== undefined) where.push(`d.serial = ${arg(f.serial)}`);
      if (f.model !== undefined) where.push(`d.model = ${arg(f.model)}`);
      if (f.osVersion !== undefined) {
        // "14" matches 14, 14.5, 14.5.1; "14.5" matches 14.5 and 14.5.x (byte order: COLLATE "C").
        const v = arg(f.osVersion);
        where.push(
          `(d.os_version = ${v}::text OR (d.os_version >= ${v}::text || '.' AND d.os_version < ${v}::text || '/'))`,
        );
      }
      if (f.mdmUpdate !== undefined) where.push(`d.mdm_update = ${arg(f.mdmUpdate)}::text`);
      if (f.seenSince !== undefined) where.push(`d.last_seen >= ${arg(f.seenSince)}::bigint`);
      if (f.rule !== undefined) {
        if (f.rule === 'stale') where.push(`d.last_contact < ${arg(p.staleCutoff)}::bigint`);
        else
          where.push(
            `d.id IN (SELECT device_id FROM findings WHERE rule = ${arg(f.rule)} AND resolved_at IS NULL)`,
          );
      }
      if (f.status !== undefined) where.push(`(${STATUS_SQL}) = ${arg(f.status)}::text`);
      const limit = arg(page.limit);
      const rows = await sql.rows<FullRow>(
        `SELECT ${ROW_COLUMNS} FROM devices d ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY d.serial LIMIT ${limit}`,
        args,
      );
      return rows.map(toRow);
    },
    async deviceRow(p, serial) {
      const [r] = await sql.rows<FullRow>(`SELECT ${ROW_COLUMNS} FROM devices d WHERE d.serial = $3`, [
        ...params(p),
        serial,
      ]);
      return r ? toRow(r) : null;
    },
    async countByStatus(p) {
      const [c] = await sql.rows<StatusCounts>(COUNT_BY_STATUS, params(p));
      const n = c as StatusCounts;
      const noncompliant = n.active_failing + n.stale_only;
      const unknown = n.unknown_all - n.active_failing_unknown - n.stale_only_unknown + n.conflicted_only;
      return { compliant: n.total - noncompliant - unknown, noncompliant, unknown };
    },
    async countByRule(p) {
      const [any] = await sql.rows<{ any: boolean }>(ANY_EXEMPTION_IN_FORCE, [p.now]);
      const byRule = await sql.rows<{
        rule: RuleId;
        n: number;
        active: number;
        pending: number;
        exempted: number;
      }>(any?.any ? BY_RULE_EXEMPTED : BY_RULE_NO_EXEMPTIONS, [p.now]);
      const rows: RuleCount[] = byRule.map((r) => ({
        rule: r.rule,
        devices: r.n,
        active: r.active,
        pending: r.pending,
        exempted: r.exempted,
      }));
      const [stale] = await sql.rows<{ n: number; exempted: number; active: number }>(STALE_BY_STATE, [
        ...params(p),
        p.staleCutoff,
      ]);
      if (stale && stale.n > 0)
        rows.push({
          rule: 'stale',
          devices: stale.n,
          active: stale.active,
          pending: stale.n - stale.exempted - stale.active,
          exempted: stale.exempted,
        });
      return rows;
    },
    async deviceCount() {
      const [r] = await sql.rows<{ n: number }>(
        `SELECT (SELECT count(*) FROM devices) - (SELECT count(*) FROM devices WHERE retired_at IS NOT NULL) AS n`,
      );
      return r?.n ?? 0;
    },
    async countFacts() {
      const rows = await sql.rows<FactCountRaw>(
        `SELECT bootstrap_escrowed, bootstrap_usable, filevault_on, mdm_update, count(*) AS n FROM devices
         WHERE retired_at IS NULL GROUP BY 1, 2, 3, 4`,
      );
      return rows.map(toFactCount);
    },
    async withoutReportFacts(version, afterId, limit) {
      const rows = await sql.rows<{ id: number; snapshot_id: string }>(
        `SELECT id, snapshot_id FROM devices WHERE id > $1 AND snapshot_id IS NOT NULL
           AND (facts_version IS NULL OR facts_version <> $2) ORDER BY id LIMIT $3`,
        [afterId, version, limit],
      );
      return rows.map((r) => ({ id: r.id, snapshotId: r.snapshot_id }));
    },
    async findingCounts(p) {
      // rules' findingState per failing open finding: exempted by an unexpired exemption that covers it
      // (a device-level one by rule, a user's by name), pending inside its grace window, else active.
      const rows = (
        await sql.rows<{ rule: RuleId; state: FindingState; n: number }>(
          `SELECT f.rule AS rule, CASE
             WHEN EXISTS (SELECT 1 FROM exemptions e WHERE (e.serial IS NULL OR e.serial = d.serial)
               AND (e.rule IS NULL OR e.rule = f.rule)
               AND (e.user_name IS NULL OR (e.user_name <> '' AND e.user_name = f.user_name))
               AND ${unexpiredAt(NOW)}) THEN 'exempted'
             WHEN f.pending_until IS NOT NULL AND ${NOW} < f.pending_until THEN 'pending'
             ELSE 'active' END AS state, count(*) AS n
           FROM findings f JOIN devices d ON d.id = f.device_id
           WHERE f.resolved_at IS NULL AND f.failing AND d.retired_at IS NULL
           GROUP BY 1, 2`,
          [p.now],
        )
      ).map((r) => ({ rule: r.rule, state: r.state, findings: r.n }));
      // staleFinding's state: exempted as the status query says, active past the stale rule's grace window.
      const stale = await sql.rows<{ state: FindingState; n: number }>(
        `SELECT CASE WHEN ${STALE_EXEMPT} THEN 'exempted'
           WHEN d.last_contact <= ${STALE_ACTIVE} THEN 'active' ELSE 'pending' END AS state, count(*) AS n
         FROM devices d WHERE d.last_contact < $3 AND d.retired_at IS NULL
         GROUP BY 1`,
        [...params(p), p.staleCutoff],
      );
      for (const r of stale) rows.push({ rule: 'stale', state: r.state, findings: r.n });
      return rows;
    },
    async historyKeptSince() {
      const [r] = await sql.rows<{ kept_since: number | null }>(
        `SELECT kept_since FROM history_horizon WHERE id = 1`,
      );
      return r?.kept_since ?? null;
    },
  };
}
