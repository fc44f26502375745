// The fleet as it was at a past instant (p.now): fleet.ts's questions answered from the history the store
// keeps, with fleet.ts's definition of a status (rules/device-status.ts) read at that instant:
//   state       the device_states entry in force then (noncompliant_from, has_unknown, OS, facts); a device
//               enrolled by then without one had sent no snapshot yet (unknown, as the device row starts)
//   stale       its last contact then, established by a recorded silence covering the instant or by its
//               last contact now when that is earlier; the stale grace and the stale exemptions created
//               by then and unexpired then
//   conflicts   identity conflicts opened by then and not resolved by then
//   findings    those first seen by then and not resolved by then
// Devices enrolled after the instant, retired by then, or removed since (an identity conflict resolved), are
// not counted; a device retired after the instant was in the fleet then, and is.
// Counting by status takes the definition apart as fleet.ts does, with the state entries read in one scan.
import type { Db } from './open.ts';
import { unexpiredAt } from './exemptions.ts';
import { toFactCount } from './fact-columns.ts';
import type { FactCountRaw } from './fact-columns.ts';
import { DEVICE_ROW_COLUMNS, FACT_COUNT, listSql, statementCache, toRow } from './fleet-rows.ts';
import type { FullRow } from './fleet-rows.ts';
import type { FleetParams, FleetQueries } from '../types.ts';
import type { RuleId } from '../../rules/types.ts';

/** The device's state entry in force at @now (`st`; no row: no snapshot yet then). */
const STATE_AT = `LEFT JOIN device_states st ON st.device_id = d.id
  AND st.since = (SELECT max(s2.since) FROM device_states s2 WHERE s2.device_id = d.id AND s2.since <= @now)`;

/** Devices retired at or before @now: out of the fleet then (a device retired later was still in it). */
const RETIRED_BY = `(SELECT id FROM devices WHERE retired_at <= @now)`;

/** State entries in force at @now, read in one pass (no per-device lookup), of devices in the fleet then. */
const STATES_IN_FORCE = `device_states WHERE since <= @now AND (until IS NULL OR until > @now)
  AND device_id NOT IN ${RETIRED_BY}`;

const STALE_EXEMPT_AT = `EXISTS (SELECT 1 FROM exemptions e WHERE (e.serial IS NULL OR e.serial = d.serial)
  AND (e.rule IS NULL OR e.rule = 'stale') AND e.user_name IS NULL AND e.created_at <= @now AND ${unexpiredAt('@now')})`;

/** The device was silent at @now since a contact `op` the cutoff. */
const silentAt = (op: '<' | '<=', cutoff: string) =>
  `(d.last_contact ${op} ${cutoff} OR EXISTS (SELECT 1 FROM device_silences s WHERE s.device_id = d.id
     AND s.since ${op} ${cutoff} AND s.until > @now))`;

const STALE_ACTIVE_AT = `(${silentAt('<=', '@staleActiveCutoff')} AND NOT ${STALE_EXEMPT_AT})`;

const CONFLICT_OPEN_AT = `c.first_at <= @now AND (c.resolved_at IS NULL OR c.resolved_at > @now)`;
const CONFLICT_AT = `(EXISTS (SELECT 1 FROM identity_conflicts c WHERE c.serial = d.serial AND ${CONFLICT_OPEN_AT})
  OR EXISTS (SELECT 1 FROM identity_conflicts c WHERE c.hardware_uuid = d.hardware_uuid AND ${CONFLICT_OPEN_AT}))`;

const ACTIVE_AT = `(st.noncompliant_from IS NOT NULL AND st.noncompliant_from <= @now)`;

export const STATUS_AT_SQL = `CASE
  WHEN ${ACTIVE_AT} OR ${STALE_ACTIVE_AT} THEN 'noncompliant'
  WHEN coalesce(st.has_unknown, 1) = 1 OR ${CONFLICT_AT} THEN 'unknown'
  ELSE 'compliant' END`;

/** The last contact before @now, when the history establishes it (else NULL: heard from lately then). */
const STALE_CONTACT_AT = `CASE WHEN d.last_contact <= @now THEN d.last_contact
  ELSE (SELECT max(s.since) FROM device_silences s WHERE s.device_id = d.id AND s.since <= @now AND s.until > @now) END`;

const NONE = -1e15;
/** The latest upload or check-in at or before @now the history establishes: lastSeen itself when it is
 * no later, else the latest stored change received by then or a silence's bounds. */
const LAST_SEEN_AT = `CASE WHEN d.last_seen <= @now THEN d.last_seen ELSE nullif(max(
  coalesce((SELECT max(h.received_at) FROM snapshot_history h WHERE h.device_id = d.id AND h.received_at <= @now), ${NONE}),
  coalesce((SELECT max(s.until) FROM device_silences s WHERE s.device_id = d.id AND s.until <= @now), ${NONE}),
  coalesce(${STALE_CONTACT_AT}, ${NONE})), ${NONE}) END`;

const ROW_COLUMNS_AT = `${DEVICE_ROW_COLUMNS}, st.os_version, st.bootstrap_escrowed, st.bootstrap_usable,
  st.filevault_on, st.mdm_update, st.mdm_update_reason AS mdm_update_reason_at, ${STATUS_AT_SQL} AS status,
  ${CONFLICT_AT} AS identity_conflict, ${STALE_CONTACT_AT} AS stale_contact, ${LAST_SEEN_AT} AS last_seen_at`;

interface RowAt extends FullRow {
  mdm_update_reason_at: string | null;
  last_seen_at: number | null;
}

type Counted = { n: number | null; a: number | null; u: number | null; au: number | null };

export function fleetAt(
  db: Db,
): Pick<
  FleetQueries,
  | 'historyKeptSince'
  | 'listDevicesAt'
  | 'countByStatusAt'
  | 'countByRuleAt'
  | 'deviceCountAt'
  | 'countFactsAt'
> {
  const prepared = statementCache(db);
  const horizon = db.prepare<[], { kept_since: number | null }>(
    `SELECT kept_since FROM history_horizon WHERE id = 1`,
  );
  const enrolled = db.prepare<[{ now: number }], { n: number }>(
    `SELECT count(*) AS n FROM devices WHERE enrolled_at <= @now AND id NOT IN ${RETIRED_BY}`,
  );
  const states = db.prepare<[{ now: number }], Counted>(
    `SELECT count(*) AS n, sum(noncompliant_from <= @now) AS a, sum(has_unknown = 1) AS u,
       sum(has_unknown = 1 AND noncompliant_from <= @now) AS au FROM ${STATES_IN_FORCE}`,
  );
  // Stale (past the grace, not exempted) and not active otherwise: driven from the silent devices.
  const staleOnly = db.prepare<[Record<string, number>], { n: number; u: number | null }>(
    `SELECT count(*) AS n, sum(coalesce(st.has_unknown, 1) = 1) AS u FROM (
       SELECT id FROM devices WHERE last_contact <= @staleActiveCutoff
       UNION SELECT device_id FROM device_silences WHERE since <= @staleActiveCutoff AND until > @now
     ) AS silent CROSS JOIN devices d ON d.id = silent.id ${STATE_AT}
     WHERE d.enrolled_at <= @now AND d.id NOT IN ${RETIRED_BY} AND NOT ${ACTIVE_AT} AND NOT ${STALE_EXEMPT_AT}`,
  );
  // Claimed by a conflict open then, and neither unknown, active nor stale otherwise.
  const conflictedOnly = db.prepare<[Record<string, number>], { n: number }>(
    `SELECT count(*) AS n FROM (
       SELECT d2.id FROM identity_conflicts c CROSS JOIN devices d2 ON d2.serial = c.serial WHERE ${CONFLICT_OPEN_AT}
       UNION SELECT d3.id FROM identity_conflicts c CROSS JOIN devices d3 ON d3.hardware_uuid = c.hardware_uuid
         WHERE ${CONFLICT_OPEN_AT}
     ) AS claimed CROSS JOIN devices d ON d.id = claimed.id ${STATE_AT}
     WHERE d.enrolled_at <= @now AND d.id NOT IN ${RETIRED_BY} AND st.has_unknown = 0 AND NOT ${ACTIVE_AT}
       AND NOT ${STALE_ACTIVE_AT}`,
  );
  const byRule = db.prepare<[{ now: number }], { rule: RuleId; n: number }>(
    `SELECT rule, count(DISTINCT device_id) AS n FROM findings
     WHERE first_seen <= @now AND (resolved_at IS NULL OR resolved_at > @now)
       AND device_id NOT IN ${RETIRED_BY} GROUP BY rule`,
  );
  const staleCount = db.prepare<[{ now: number; staleCutoff: number }], { n: number }>(
    `SELECT count(*) AS n FROM (SELECT id FROM devices WHERE last_contact < @staleCutoff
       UNION SELECT device_id FROM device_silences WHERE since < @staleCutoff AND until > @now) AS silent
     WHERE silent.id NOT IN ${RETIRED_BY}`,
  );
  const facts = db.prepare<[{ now: number }], FactCountRaw>(
    `${FACT_COUNT} FROM ${STATES_IN_FORCE} GROUP BY 1, 2, 3, 4`,
  );
  const params = (p: FleetParams) => ({ now: p.now, staleActiveCutoff: p.staleActiveCutoff });

  return {
    async historyKeptSince() {
      return horizon.get()?.kept_since ?? null;
    },
    async listDevicesAt(p, f, page) {
      const { where, args } = listSql(
        f,
        page,
        {
          os: 'st.os_version',
          mdmUpdate: 'st.mdm_update',
          stale: silentAt('<', '@staleCutoff'),
          status: STATUS_AT_SQL,
          openRule: `d.id IN (SELECT device_id FROM findings WHERE rule = @rule AND first_seen <= @now
            AND (resolved_at IS NULL OR resolved_at > @now))`,
          // In the fleet then: not retired, or retired after that instant.
          inFleet: '(d.retired_at IS NULL OR d.retired_at > @now)',
        },
        params(p),
      );
      if (f.rule === 'stale') args['staleCutoff'] = p.staleCutoff;
      where.unshift('d.enrolled_at <= @now');
      const seen = where.indexOf('d.last_seen >= @seenSince');
      if (seen >= 0) where[seen] = `(${LAST_SEEN_AT}) >= @seenSince`;
      const sql = `SELECT ${ROW_COLUMNS_AT} FROM devices d ${STATE_AT} WHERE ${where.join(' AND ')}
        ORDER BY d.serial LIMIT @limit`;
      return (prepared(sql).all(args) as RowAt[]).map((r) => ({
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
      const all = enrolled.get({ now: p.now })?.n ?? 0;
      const s = states.get({ now: p.now });
      const inForce = s?.n ?? 0;
      const stale = staleOnly.get(args);
      const noncompliant = (s?.a ?? 0) + (stale?.n ?? 0);
      const unknown =
        (s?.u ?? 0) + (all - inForce) - (s?.au ?? 0) - (stale?.u ?? 0) + (conflictedOnly.get(args)?.n ?? 0);
      return { compliant: all - noncompliant - unknown, noncompliant, unknown };
    },
    async countByRuleAt(p) {
      const rows = byRule.all({ now: p.now }).map((r) => ({ rule: r.rule, devices: r.n }));
      const stale = staleCount.get({ now: p.now, staleCutoff: p.staleCutoff })?.n ?? 0;
      if (stale > 0) rows.push({ rule: 'stale', devices: stale });
      return rows;
    },
    async deviceCountAt(p) {
      return enrolled.get({ now: p.now })?.n ?? 0;
    },
    async countFactsAt(p) {
      const rows = facts.all({ now: p.now }).map(toFactCount);
      const inForce = rows.reduce((sum, r) => sum + r.devices, 0);
      const before = (enrolled.get({ now: p.now })?.n ?? 0) - inForce;
      if (before > 0)
        rows.push({
          bootstrapEscrowed: null,
          bootstrapUsable: null,
          fileVaultOn: null,
          mdmUpdate: null,
          devices: before,
        });
      return rows;
    },
  };
}
