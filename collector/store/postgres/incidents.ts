// incidents: one per (device, rule, user), at most one unresolved (the unique partial index
// incidents_one_open, whose violation is the store's IncidentConflictError), and the reminders sent per
// incident episode and channel.
import type { Sql } from './sql.ts';
import type { IncidentFilter, IncidentRecord, IncidentStore } from '../types.ts';
import { IncidentConflictError } from '../types.ts';
import { toIncident } from '../rows.ts';
import type { IncidentRow } from '../rows.ts';

const COLUMNS = `i.id, i.serial, i.rule, i.user_name, i.state, i.episode, i.severity, i.failing_since, i.opened_at,
  i.first_opened_at, i.changed_at, i.resolved_at, i.reason, i.ref`;

const values = (i: IncidentRecord) => [
  i.id,
  i.serial,
  i.rule,
  i.user ?? '',
  i.state,
  i.episode,
  i.severity,
  i.failingSince,
  i.openedAt,
  i.firstOpenedAt,
  i.changedAt,
  i.resolvedAt,
  i.reason,
  i.ref,
];

/** unique_violation on incidents_one_open: the store's own error (the unit it was in is rolled back). */
async function constraint(i: IncidentRecord, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const c = e as { code?: unknown; constraint?: unknown };
    if (c.code === '23505' && c.constraint === 'incidents_one_open')
      throw new IncidentConflictError(
        `an unresolved incident of ${i.serial} / ${i.rule} / ${i.user ?? '(device)'} exists already`,
        { cause: e },
      );
    throw e;
  }
}

export function postgresIncidents(sql: Sql): IncidentStore {
  return {
    async forSerial(serial) {
      return (
        await sql.rows<IncidentRow>(`SELECT ${COLUMNS} FROM incidents i WHERE i.serial = $1`, [serial])
      ).map(toIncident);
    },
    async get(id) {
      const [r] = await sql.rows<IncidentRow>(`SELECT ${COLUMNS} FROM incidents i WHERE i.id = $1`, [id]);
      return r ? toIncident(r) : null;
    },
    async insert(i) {
      await constraint(i, () =>
        sql.count(
          `INSERT INTO incidents (id, serial, rule, user_name, state, episode, severity, failing_since, opened_at,
             first_opened_at, changed_at, resolved_at, reason, ref)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          values(i),
        ),
      );
    },
    async update(i) {
      await constraint(i, () =>
        sql.count(
          `UPDATE incidents SET state = $2, episode = $3, severity = $4, failing_since = $5, opened_at = $6,
             changed_at = $7, resolved_at = $8, reason = $9, ref = $10
           WHERE id = $1`,
          [
            i.id,
            i.state,
            i.episode,
            i.severity,
            i.failingSince,
            i.openedAt,
            i.changedAt,
            i.resolvedAt,
            i.reason,
            i.ref,
          ],
        ),
      );
    },
    async list(f: IncidentFilter) {
      const where: string[] = [];
      const args: unknown[] = [];
      const arg = (v: unknown) => {
        args.push(v);
        return `$${args.length}`;
      };
      if (f.serial !== undefined) where.push(`i.serial = ${arg(f.serial)}`);
      if (f.state === 'unresolved') where.push(`i.state <> 'resolved'`);
      else if (f.state !== undefined) where.push(`i.state = ${arg(f.state)}`);
      if (f.rule !== undefined) where.push(`i.rule = ${arg(f.rule)}`);
      if (f.after !== undefined) where.push(`i.id > ${arg(f.after)}`);
      const rows = await sql.rows<IncidentRow>(
        `SELECT ${COLUMNS} FROM incidents i ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY i.id LIMIT ${arg(f.limit)}`,
        args,
      );
      return rows.map(toIncident);
    },
    async countUnresolved() {
      const out = { open: 0, exempted: 0 };
      const rows = await sql.rows<{ state: string; n: number }>(
        `SELECT state, count(*) AS n FROM incidents WHERE state <> 'resolved' GROUP BY state`,
      );
      for (const r of rows) if (r.state === 'open' || r.state === 'exempted') out[r.state] = r.n;
      return out;
    },
    async dueReminders(channel, cutoff, limit) {
      const rows = await sql.rows<IncidentRow>(
        `SELECT ${COLUMNS} FROM incidents i
           LEFT JOIN alert_reminders r ON r.incident_id = i.id AND r.channel = $1 AND r.episode = i.episode
         WHERE i.state = 'open' AND coalesce(r.last_at, i.opened_at) <= $2
         ORDER BY i.opened_at, i.id LIMIT $3`,
        [channel, cutoff, limit],
      );
      return rows.map(toIncident);
    },
    async reminded(incidentId, channel, episode, at) {
      const [r] = await sql.rows<{ count: number }>(
        `INSERT INTO alert_reminders AS r (incident_id, channel, episode, count, last_at)
         VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (incident_id, channel) DO UPDATE SET
           count = CASE WHEN r.episode = excluded.episode THEN r.count + 1 ELSE 1 END,
           episode = excluded.episode, last_at = excluded.last_at
         RETURNING count`,
        [incidentId, channel, episode, at],
      );
      return r?.count ?? 1;
    },
  };
}
