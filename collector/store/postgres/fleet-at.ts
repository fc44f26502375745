// The fleet as it was at a past instant (p.now), as store/sqlite/fleet-at.ts answers it (its header says
// what each part of a status is read from): the device_states entry in force then, the silences, the
// stale exemptions, identity conflicts and findings as they stood then. The statements are SQLite's, with
// @name parameters bound here to numbered ones cast by their value's type. Devices retired by then are out
// of every count and list (unless the filter asks for them); a device retired after the instant is in.
import type { Sql } from './sql.ts';
import { unexpiredAt } from './exemptions.ts';
import { DEVICE_COLUMNS } from '../rows.ts';
import { toFactCount } from './fact-columns.ts';
import type { FactCountRaw } from './fact-columns.ts';
import { toRow } from './fleet.ts';
import type { FullRow } from './fleet.ts';
import type { FleetParams, FleetQueries } from '../types.ts';
import type { RuleId } from '../../rules/types.ts';

/** `@name` parameters as `$n::bigint` or `$n::text` (by the value's type) and the values in their order. */
function bind(text: string, args: Record<string, string | number>): [string, unknown[]] {
  const order: string[] = [];
  const out = text.replace(/@(\w+)/g, (_m, name: string) => {
    const v = args[name];
    if (v === undefined) throw new Error(`fleet-at: no value for @${name}`);
    let i = order.indexOf(name);
    if (i < 0) i = order.push(name) - 1;
    return `$${i + 1}::${typeof v === 'number' ? 'bigint' : 'text'}`;
  });
  return [out, order.map((n) => args[n])];
}

/** The device's state entry in force at @now (`st`; no row: no snapshot yet then). */
const STATE_AT = `LEFT JOIN device_states st ON st.device_id = d.id
  AND st.since = (SELECT max(s2.since) FROM device_states s2 WHERE s2.device_id = d.id AND s2.since <= @now)`;

/** Devices retired at or before @now: out of the fleet then (a device retired later was still in it). */
const RETIRED_BY = `(SELECT id FROM devices WHERE retired_at <= @now)`;

/** In the fleet at @now: not retired, or retired after that instant. */
const IN_FLEET_AT = '(d.retired_at IS NULL OR d.retired_at > @now)';

/** State entries in force at @now, read in one pass (no per-device lookup), of devices in the fleet then. */
const STATES_IN_FORCE = `device_states WHERE since <= @now AND (until IS NULL OR until > @now)
  AND device_id NOT IN ${RETIRED_BY}`;

const STALE_EXEMPT_AT = `EXISTS (SELECT 1 FROM exemptions e WHERE (e.serial IS NULL OR e.serial = d.serial)
  AND (e.rule IS NULL OR e.rule = 'stale') AND e.user_name IS NULL AND e.created_at <= @now AND ${unexpiredAt('@now')})`;

const silentAt = (op: '<' | '<=', cutoff: string) =>
  `(d.last_contact ${op} ${cutoff} OR EXISTS (SELECT 1 FROM device_silences s WHERE s.device_id = d.id
     AND s.since ${op} ${cutoff} AND s.until > @now))`;

const STALE_ACTIVE_AT = `(${silentAt('<=', '@staleActiveCutoff')} AND NOT ${STALE_EXEMPT_AT})`;

const CONFLICT_OPEN_AT = `c.first_at <= @now AND (c.resolved_at IS NULL OR c.resolved_at > @now)`;
const CONFLICT_AT = `(EXISTS (SELECT 1 FROM identity_conflicts c WHERE c.serial = d.serial AND ${CONFLICT_OPEN_AT})
  OR EXISTS (SELECT 1 FROM identity_conflicts c WHERE c.hardware_uuid = d.hardware_uuid AND ${CONFLICT_OPEN_AT}))`;

const ACTIVE_AT = `(st.noncompliant_from IS NOT NULL AND st.noncompliant_from <= @now)`;

const STATUS_AT_SQL = `CASE
  WHEN ${ACTIVE_AT} OR ${STALE_ACTIVE_AT} THEN 'noncompliant'
  WHEN coalesce(st.has_unknown, true) OR ${CONFLICT_AT} THEN 'unknown'
  ELSE 'compliant' END`;

const STALE_CONTACT_AT = `CASE WHEN d.last_contact <= @now THEN d.last_contact
  ELSE (SELECT max(s.since) FROM device_silences s WHERE s.device_id = d.id AND s.since <= @now AND s.until > @now) END`;

const NONE = '-1000000000000000';
const LAST_SEEN_AT = `CASE WHEN d.last_seen <= @now THEN d.last_seen ELSE nullif(greatest(
  coalesce((SELECT max(h.received_at) FROM snapshot_history h WHERE h.device_id = d.id AND h.received_at <= @now), ${NONE}),
  coalesce((SELECT max(s.until) FROM device_silences s WHERE s.device_id = d.id AND s.until <= @now), ${NONE}),
  coalesce(${STALE_CONTACT_AT}, ${NONE})), ${NONE}) END`;

const ROW_COLUMNS_AT = `${DEVICE_COLUMNS.split(', ')
  .map((c) => `d.${c}`)
  .join(', ')}, d.model, d.os_build, d.hostname, d.apple_silicon, d.agent_version, d.last_console_user,
  d.mdm_update_reason, d.token_holders, d.tokenless_users, st.os_version, st.bootstrap_escrowed,
  st.bootstrap_usable, st.filevault_on, st.mdm_update, st.mdm_update_reason AS mdm_update_reason_at,
  ${STATUS_AT_SQL} AS status, ${CONFLICT_AT} AS identity_conflict, ${STALE_CONTACT_AT} AS stale_contact,
  ${LAST_SEEN_AT} AS last_seen_at`;

interface RowAt extends FullRow {
  mdm_update_reason_at: string | null;
  last_seen_at: number | null;
}

type Counted = { n: number | null; a: number | null; u: number | null; au: number | null };

export function postgresFleetAt(
  sql: Sql,
): Pick<
  FleetQueries,
  'listDevicesAt' | 'countByStatusAt' | 'countByRuleAt' | 'deviceCountAt' | 'countFactsAt'
> {
  const rows = <R>(text: string, args: Record<string, string | number>) => sql.rows<R>(...bind(text, args));
  const enrolled = async (now: number) =>
    (
      await rows<{ n: number }>(
        `SELECT count(*) AS n FROM devices WHERE enrolled_at <= @now AND id NOT IN ${RETIRED_BY}`,
        {
          now,
        },
      )
    )[0]?.n ?? 0;
  const params = (p: FleetParams) => ({ now: p.now, staleActiveCutoff: p.staleActiveCutoff });

  return {
    async listDevicesAt(p, f, page) {
      const args: Record<string, string | number> = { ...params(p), limit: page.limit };
      const where = ['d.enrolled_at <= @now'];
      const put = (term: string, name: string, v: string | number | undefined) => {
        if (v === undefined) return;
        where.push(term);
        args[name] = v;
      };
      put('d.serial > @after', 'after', page.after);
      const retired = f.retired ?? 'exclude';
      if (retired !== 'include') where.push(retired === 'only' ? `NOT ${IN_FLEET_AT}` : IN_FLEET_AT);
      put('d.serial = @serial', 'serial', f.serial);
      put('d.model = @model', 'model', f.model);
      // "14" matches 14, 14.5, 14.5.1; "14.5" matches 14.5 and 14.5.x (byte order: COLLATE "C").
      put(
        `(st.os_version = @osVersion OR (st.os_version >= @osVersion || '.' AND st.os_version < @osVersion || '/'))`,
        'osVersion',
        f.osVersion,
      );
      put('st.mdm_update = @mdmUpdate', 'mdmUpdate', f.mdmUpdate);
      put(`(${LAST_SEEN_AT}) >= @seenSince`, 'seenSince', f.seenSince);
      if (f.rule === 'stale') put(silentAt('<', '@staleCutoff'), 'staleCutoff', p.staleCutoff);
      else
        put(
          `d.id IN (SELECT device_id FROM findings WHERE rule = @rule AND first_seen <= @now
            AND (resolved_at IS NULL OR resolved_at > @now))`,
          'rule',
          f.rule,
        );
      put(`(${STATUS_AT_SQL}) = @status`, 'status', f.status);
      const found = await rows<RowAt>(
        `SELECT ${ROW_COLUMNS_AT} FROM devices d ${STATE_AT} WHERE ${where.join(' AND ')}
         ORDER BY d.serial LIMIT @limit`,
        args,
      );
      return found.map((r) => ({
        ...toRow(r),
        // What the history does not keep: who was at the console, who held tokens then.
        consoleUser: null,
        lastConsoleUser: null,
        tokenHolders: null,
        tokenlessUsers: null,
        mdmUpdateReason: r.mdm_update_reason_at,
        lastSeen: r.last_seen_at,
      }));
    },
    async countByStatusAt(p) {
      const args = params(p);
      const all = await enrolled(p.now);
      const [s] = await rows<Counted>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE noncompliant_from <= @now) AS a,
           count(*) FILTER (WHERE has_unknown) AS u,
           count(*) FILTER (WHERE has_unknown AND noncompliant_from <= @now) AS au FROM ${STATES_IN_FORCE}`,
        { now: p.now },
      );
      // Stale (past the grace, not exempted) and not active otherwise: driven from the silent devices.
      const [stale] = await rows<{ n: number; u: number | null }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE coalesce(st.has_unknown, true)) AS u FROM (
           SELECT id FROM devices WHERE last_contact <= @staleActiveCutoff
           UNION SELECT device_id FROM device_silences WHERE since <= @staleActiveCutoff AND until > @now
         ) AS silent JOIN devices d ON d.id = silent.id ${STATE_AT}
         WHERE d.enrolled_at <= @now AND d.id NOT IN ${RETIRED_BY} AND NOT ${ACTIVE_AT}
           AND NOT ${STALE_EXEMPT_AT}`,
        args,
      );
      // Claimed by a conflict open then, and neither unknown, active nor stale otherwise.
      const [conflicted] = await rows<{ n: number }>(
        `SELECT count(*) AS n FROM (
           SELECT d2.id FROM identity_conflicts c JOIN devices d2 ON d2.serial = c.serial WHERE ${CONFLICT_OPEN_AT}
           UNION SELECT d3.id FROM identity_conflicts c JOIN devices d3 ON d3.hardware_uuid = c.hardware_uuid
             WHERE ${CONFLICT_OPEN_AT}
         ) AS claimed JOIN devices d ON d.id = claimed.id ${STATE_AT}
         WHERE d.enrolled_at <= @now AND d.id NOT IN ${RETIRED_BY} AND st.has_unknown = false
           AND NOT ${ACTIVE_AT} AND NOT ${STALE_ACTIVE_AT}`,
        args,
      );
      const inForce = s?.n ?? 0;
      const noncompliant = (s?.a ?? 0) + (stale?.n ?? 0);
      const unknown = (s?.u ?? 0) + (all - inForce) - (s?.au ?? 0) - (stale?.u ?? 0) + (conflicted?.n ?? 0);
      return { compliant: all - noncompliant - unknown, noncompliant, unknown };
    },
    async countByRuleAt(p) {
      const byRule = (
        await rows<{ rule: RuleId; n: number }>(
          `SELECT rule, count(DISTINCT device_id) AS n FROM findings
           WHERE first_seen <= @now AND (resolved_at IS NULL OR resolved_at > @now)
             AND device_id NOT IN ${RETIRED_BY} GROUP BY rule`,
          { now: p.now },
        )
      ).map((r) => ({ rule: r.rule, devices: r.n }));
      const [stale] = await rows<{ n: number }>(
        `SELECT count(*) AS n FROM (SELECT id FROM devices WHERE last_contact < @staleCutoff
           UNION SELECT device_id FROM device_silences WHERE since < @staleCutoff AND until > @now) AS silent
         WHERE silent.id NOT IN ${RETIRED_BY}`,
        { now: p.now, staleCutoff: p.staleCutoff },
      );
      if ((stale?.n ?? 0) > 0) byRule.push({ rule: 'stale', devices: stale?.n ?? 0 });
      return byRule;
    },
    deviceCountAt: (p) => enrolled(p.now),
    async countFactsAt(p) {
      const counted = (
        await rows<FactCountRaw>(
          `SELECT bootstrap_escrowed, bootstrap_usable, filevault_on, mdm_update, count(*) AS n
           FROM ${STATES_IN_FORCE} GROUP BY 1, 2, 3, 4`,
          { now: p.now },
        )
      ).map(toFactCount);
      const inForce = counted.reduce((sum, r) => sum + r.devices, 0);
      const before = (await enrolled(p.now)) - inForce;
      if (before > 0)
        counted.push({
          bootstrapEscrowed: null,
          bootstrapUsable: null,
          fileVaultOn: null,
          mdmUpdate: null,
          devices: before,
        });
      return counted;
    },
  };
}
