// incidents: one per (device, rule, user), at most one unresolved (the unique index incidents_one_open),
// and the reminders sent per incident episode and channel.
import Database from 'better-sqlite3';
import type { Db } from './open.ts';
import type { IncidentFilter, IncidentRecord, IncidentStore } from '../types.ts';
import { IncidentConflictError } from '../types.ts';
import { toIncident } from '../rows.ts';
import type { IncidentRow } from '../rows.ts';

const params = (i: IncidentRecord) => ({
  id: i.id,
  serial: i.serial,
  rule: i.rule,
  user: i.user ?? '',
  state: i.state,
  episode: i.episode,
  severity: i.severity,
  failingSince: i.failingSince,
  openedAt: i.openedAt,
  firstOpenedAt: i.firstOpenedAt,
  changedAt: i.changedAt,
  resolvedAt: i.resolvedAt,
  reason: i.reason,
  ref: i.ref,
});

/** The unique index's violation as the store's own error (SQLite's code stays here). */
function constraint<T>(i: IncidentRecord, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Database.SqliteError && e.code === 'SQLITE_CONSTRAINT_UNIQUE')
      throw new IncidentConflictError(
        `an unresolved incident of ${i.serial} / ${i.rule} / ${i.user ?? '(device)'} exists already`,
        { cause: e },
      );
    throw e;
  }
}

export function sqliteIncidents(db: Db): IncidentStore {
  const forSerial = db.prepare<[string], IncidentRow>(`SELECT * FROM incidents WHERE serial = ?`);
  const get = db.prepare<[string], IncidentRow>(`SELECT * FROM incidents WHERE id = ?`);
  const insert = db.prepare(
    `INSERT INTO incidents (id, serial, rule, user_name, state, episode, severity, failing_since, opened_at,
       first_opened_at, changed_at, resolved_at, reason, ref)
     VALUES (@id, @serial, @rule, @user, @state, @episode, @severity, @failingSince, @openedAt,
       @firstOpenedAt, @changedAt, @resolvedAt, @reason, @ref)`,
  );
  const update = db.prepare(
    `UPDATE incidents SET state = @state, episode = @episode, severity = @severity,
       failing_since = @failingSince, opened_at = @openedAt, changed_at = @changedAt,
       resolved_at = @resolvedAt, reason = @reason, ref = @ref
     WHERE id = @id`,
  );
  const counts = db.prepare<[], { state: string; n: number }>(
    `SELECT state, count(*) AS n FROM incidents WHERE state <> 'resolved' GROUP BY state`,
  );
  const due = db.prepare<[string, number, number], IncidentRow>(
    `SELECT i.* FROM incidents i
       LEFT JOIN alert_reminders r ON r.incident_id = i.id AND r.channel = ? AND r.episode = i.episode
     WHERE i.state = 'open' AND coalesce(r.last_at, i.opened_at) <= ?
     ORDER BY i.opened_at, i.id LIMIT ?`,
  );
  const remind = db.prepare<
    [{ incident: string; channel: string; episode: number; at: number }],
    { count: number }
  >(
    `INSERT INTO alert_reminders (incident_id, channel, episode, count, last_at)
     VALUES (@incident, @channel, @episode, 1, @at)
     ON CONFLICT (incident_id, channel) DO UPDATE SET
       count = CASE WHEN episode = excluded.episode THEN count + 1 ELSE 1 END,
       episode = excluded.episode, last_at = excluded.last_at
     RETURNING count`,
  );

  return {
    forSerial: async (serial) => forSerial.all(serial).map(toIncident),
    async get(id) {
      const r = get.get(id);
      return r ? toIncident(r) : null;
    },
    async insert(i) {
      constraint(i, () => insert.run(params(i)));
    },
    async update(i) {
      constraint(i, () => update.run(params(i)));
    },
    async list(f: IncidentFilter) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (f.serial !== undefined) {
        where.push('serial = ?');
        args.push(f.serial);
      }
      if (f.state === 'unresolved') where.push(`state <> 'resolved'`);
      else if (f.state !== undefined) {
        where.push('state = ?');
        args.push(f.state);
      }
      if (f.rule !== undefined) {
        where.push('rule = ?');
        args.push(f.rule);
      }
      if (f.after !== undefined) {
        where.push('id > ?');
        args.push(f.after);
      }
      const sql = `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
      return db
        .prepare<(string | number)[], IncidentRow>(sql)
        .all(...args, f.limit)
        .map(toIncident);
    },
    async countUnresolved() {
      const out = { open: 0, exempted: 0 };
      for (const r of counts.all()) if (r.state === 'open' || r.state === 'exempted') out[r.state] = r.n;
      return out;
    },
    dueReminders: async (channel, cutoff, limit) => due.all(channel, cutoff, limit).map(toIncident),
    async reminded(incidentId, channel, episode, at) {
      return remind.get({ incident: incidentId, channel, episode, at })?.count ?? 1;
    },
  };
}
