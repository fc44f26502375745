// alert_events (the outbox) and alert_deliveries with their attempts. Claims are single statements inside
// the group commit's transaction (one writer: nobody else can take the same rows); PostgreSQL's backend
// selects with FOR UPDATE SKIP LOCKED for the same effect across collectors.
import type { Db } from './open.ts';
import type {
  AlertEventFilter,
  AlertEventStore,
  AttemptOutcome,
  AttemptRecord,
  DeliveryFilter,
  DeliveryStore,
} from '../types.ts';
import { toEvent, toDelivery } from '../rows.ts';
import type { EventRow, DeliveryRow } from '../rows.ts';

const DELIVERY_COLUMNS = `d.*, e.id AS event_id, e.type AS event_type, e.serial AS serial`;

/** `WHERE` clauses and their arguments from optional filters. */
function filters(parts: [string, string | number | undefined][]): { sql: string; args: (string | number)[] } {
  const used = parts.filter((p): p is [string, string | number] => p[1] !== undefined);
  return {
    sql: used.length ? `WHERE ${used.map((p) => p[0]).join(' AND ')}` : '',
    args: used.map((p) => p[1]),
  };
}

export function sqliteAlertEvents(db: Db): AlertEventStore {
  const append = db.prepare(
    `INSERT INTO alert_events (id, type, at, incident_id, serial, rule, severity, channel, body)
     VALUES (@id, @type, @at, @incidentId, @serial, @rule, @severity, @channel, @body)
     ON CONFLICT (id) DO NOTHING`,
  );
  const get = db.prepare<[string], EventRow>(`SELECT * FROM alert_events WHERE id = ?`);
  const unrouted = db.prepare<[number], EventRow>(
    `SELECT * FROM alert_events WHERE routed_at IS NULL ORDER BY seq LIMIT ?`,
  );
  const deliver = db.prepare(
    `INSERT INTO alert_deliveries (event_seq, channel, incident_id, state, next_at, created_at)
     VALUES (@eventSeq, @channel, @incidentId, 'pending', @nextAt, @createdAt)
     ON CONFLICT (event_seq, channel) DO NOTHING`,
  );
  const routed = db.prepare(`UPDATE alert_events SET routed_at = ? WHERE seq = ? AND routed_at IS NULL`);
  const prune = db.prepare(
    `DELETE FROM alert_events WHERE at < ? AND routed_at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.event_seq = alert_events.seq AND d.state = 'pending')`,
  );
  return {
    async append(e) {
      return append.run(e).changes === 1;
    },
    async get(id) {
      const r = get.get(id);
      return r ? toEvent(r) : null;
    },
    unrouted: async (limit) => unrouted.all(limit).map(toEvent),
    async route(seqs, deliveries, at) {
      for (const d of deliveries) deliver.run(d);
      for (const seq of seqs) routed.run(at, seq);
    },
    async list(f: AlertEventFilter) {
      const w = filters([
        ['serial = ?', f.serial],
        ['incident_id = ?', f.incidentId],
        ['type = ?', f.type],
        ['channel = ?', f.channel],
        ['at >= ?', f.since],
        ['at < ?', f.until],
        ['seq < ?', f.before],
      ]);
      return db
        .prepare<(string | number)[], EventRow>(
          `SELECT * FROM alert_events ${w.sql} ORDER BY seq DESC LIMIT ?`,
        )
        .all(...w.args, f.limit)
        .map(toEvent);
    },
    async prune(before) {
      return prune.run(before).changes;
    },
  };
}

export function sqliteDeliveries(db: Db): DeliveryStore {
  // Due, unclaimed, and no earlier pending delivery of the same incident on the channel.
  const candidates = db.prepare<
    { channel: string; now: number; limit: number },
    DeliveryRow & { e_id: string }
  >(
    `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries d JOIN alert_events e ON e.seq = d.event_seq
     WHERE d.channel = @channel AND d.state = 'pending' AND d.next_at <= @now
       AND (d.claimed_until IS NULL OR d.claimed_until <= @now)
       AND (d.incident_id IS NULL OR NOT EXISTS (
         SELECT 1 FROM alert_deliveries p WHERE p.channel = d.channel AND p.incident_id = d.incident_id
           AND p.state = 'pending' AND p.event_seq < d.event_seq))
     ORDER BY d.next_at, d.event_seq LIMIT @limit`,
  );
  const claim = db.prepare(`UPDATE alert_deliveries SET claimed_by = ?, claimed_until = ? WHERE id = ?`);
  const eventBySeq = db.prepare<[number], EventRow>(`SELECT * FROM alert_events WHERE seq = ?`);
  const owned = db.prepare<[number, string], { id: number }>(
    `SELECT id FROM alert_deliveries WHERE id = ? AND claimed_by = ? AND state = 'pending'`,
  );
  const insertAttempt = db.prepare(
    `INSERT INTO alert_attempts (delivery_id, at, status, latency_ms, outcome, error)
     VALUES (@deliveryId, @at, @status, @latencyMs, @outcome, @error)`,
  );
  const afterAttempt = db.prepare(
    `UPDATE alert_deliveries SET state = @state, next_at = @nextAt, attempts = attempts + 1,
       claimed_by = NULL, claimed_until = NULL, last_status = @status, last_error = @error,
       finished_at = CASE WHEN @state = 'pending' THEN NULL ELSE @at END
     WHERE id = @id`,
  );
  const release = db.prepare(
    `UPDATE alert_deliveries SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?`,
  );
  const get = db.prepare<[number], DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries d JOIN alert_events e ON e.seq = d.event_seq WHERE d.id = ?`,
  );
  const retry = db.prepare(
    `UPDATE alert_deliveries SET state = 'pending', next_at = ?, finished_at = NULL, claimed_by = NULL,
       claimed_until = NULL WHERE id = ? AND state = 'dead'`,
  );
  const stats = db.prepare<
    [],
    { channel: string; pending: number; delivered: number; dead: number; oldest: number | null }
  >(
    `SELECT channel, sum(state = 'pending') AS pending, sum(state = 'delivered') AS delivered,
       sum(state = 'dead') AS dead, min(CASE WHEN state = 'pending' THEN created_at END) AS oldest
     FROM alert_deliveries GROUP BY channel ORDER BY channel`,
  );
  return {
    async claim(channel, o) {
      const rows = candidates.all({ channel, now: o.now, limit: o.limit });
      return rows.map((r) => {
        claim.run(o.owner, o.until, r.id);
        const delivery = toDelivery({ ...r, claimed_by: o.owner, claimed_until: o.until });
        return { delivery, event: toEvent(eventBySeq.get(r.event_seq) as EventRow) };
      });
    },
    async attempted(id, owner, a, next) {
      if (!owned.get(id, owner)) return false;
      insertAttempt.run({ deliveryId: id, ...a });
      afterAttempt.run({
        id,
        state: next.state,
        nextAt: next.nextAt,
        status: a.status,
        error: a.error,
        at: a.at,
      });
      return true;
    },
    async release(ids, owner) {
      for (const id of ids) release.run(id, owner);
    },
    async get(id) {
      const r = get.get(id);
      return r ? toDelivery(r) : null;
    },
    async list(f: DeliveryFilter) {
      const w = filters([
        ['d.channel = ?', f.channel],
        ['d.state = ?', f.state],
        ['e.serial = ?', f.serial],
        ['e.id = ?', f.eventId],
        ['d.incident_id = ?', f.incidentId],
        ['d.id < ?', f.before],
      ]);
      return db
        .prepare<(string | number)[], DeliveryRow>(
          `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries d JOIN alert_events e ON e.seq = d.event_seq
           ${w.sql} ORDER BY d.id DESC LIMIT ?`,
        )
        .all(...w.args, f.limit)
        .map(toDelivery);
    },
    async attempts(ids) {
      const out = new Map<number, AttemptRecord[]>();
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const rows = db
          .prepare<
            number[],
            {
              id: number;
              delivery_id: number;
              at: number;
              status: number | null;
              latency_ms: number;
              outcome: string;
              error: string | null;
            }
          >(
            `SELECT * FROM alert_attempts WHERE delivery_id IN (${chunk.map(() => '?').join(',')}) ORDER BY id`,
          )
          .all(...chunk);
        for (const r of rows) {
          const list = out.get(r.delivery_id) ?? [];
          list.push({
            id: r.id,
            deliveryId: r.delivery_id,
            at: r.at,
            status: r.status,
            latencyMs: r.latency_ms,
            outcome: r.outcome as AttemptOutcome,
            error: r.error,
          });
          out.set(r.delivery_id, list);
        }
      }
      return out;
    },
    async retry(id, now) {
      return retry.run(now, id).changes === 1;
    },
    async stats() {
      return stats.all().map((r) => ({
        channel: r.channel,
        pending: r.pending,
        delivered: r.delivered,
        dead: r.dead,
        oldestPendingAt: r.oldest,
      }));
    },
  };
}
