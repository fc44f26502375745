// alert_events (the outbox) and alert_deliveries with their attempts. A claim is one statement that
// selects the due deliveries FOR UPDATE SKIP LOCKED and marks them claimed: a collector claiming at the
// same time skips the rows this one holds instead of waiting for them, and once this unit commits they are
// claimed (claimed_until in the future), so no two collectors send the same delivery.
import type { Sql } from './sql.ts';
import type {
  AlertEventFilter,
  AlertEventRecord,
  AlertEventStore,
  AttemptOutcome,
  AttemptRecord,
  DeliveryFilter,
  DeliveryStore,
} from '../types.ts';
import { toEvent, toDelivery } from '../rows.ts';
import type { EventRow, DeliveryRow } from '../rows.ts';

const EVENT_COLUMNS = `e.seq, e.id, e.type, e.at, e.incident_id, e.serial, e.rule, e.severity, e.channel, e.body,
  e.routed_at`;

const DELIVERY_COLUMNS = `d.id, d.event_seq, e.id AS event_id, e.type AS event_type, e.serial, d.channel, d.incident_id,
  d.state, d.attempts, d.next_at, d.claimed_by, d.claimed_until, d.created_at, d.finished_at, d.last_status,
  d.last_error`;
const DELIVERIES = `alert_deliveries d JOIN alert_events e ON e.seq = d.event_seq`;

/** `WHERE` clauses with numbered arguments from optional filters; `args` then takes the limit. */
function filters(parts: [string, string | number | undefined][]): { sql: string; args: unknown[] } {
  const used = parts.filter((p): p is [string, string | number] => p[1] !== undefined);
  return {
    sql: used.length ? `WHERE ${used.map((p, i) => `${p[0]} $${i + 1}`).join(' AND ')}` : '',
    args: used.map((p) => p[1]),
  };
}

export function postgresAlertEvents(sql: Sql): AlertEventStore {
  return {
    async append(e) {
      const written = await sql.count(
        `INSERT INTO alert_events (id, type, at, incident_id, serial, rule, severity, channel, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO NOTHING`,
        [e.id, e.type, e.at, e.incidentId, e.serial, e.rule, e.severity, e.channel, e.body],
      );
      return written === 1;
    },
    async get(id) {
      const [r] = await sql.rows<EventRow>(`SELECT ${EVENT_COLUMNS} FROM alert_events e WHERE e.id = $1`, [
        id,
      ]);
      return r ? toEvent(r) : null;
    },
    async unrouted(limit) {
      const rows = await sql.rows<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM alert_events e WHERE e.routed_at IS NULL ORDER BY e.seq LIMIT $1`,
        [limit],
      );
      return rows.map(toEvent);
    },
    async route(seqs, deliveries, at) {
      if (deliveries.length > 0)
        await sql.count(
          `INSERT INTO alert_deliveries (event_seq, channel, incident_id, state, next_at, created_at)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
           ON CONFLICT (event_seq, channel) DO NOTHING`,
          [
            deliveries.map((d) => d.eventSeq),
            deliveries.map((d) => d.channel),
            deliveries.map((d) => d.incidentId),
            deliveries.map(() => 'pending'),
            deliveries.map((d) => d.nextAt),
            deliveries.map((d) => d.createdAt),
          ],
        );
      if (seqs.length > 0)
        await sql.count(
          `UPDATE alert_events SET routed_at = $1 WHERE seq = ANY($2::bigint[]) AND routed_at IS NULL`,
          [at, seqs],
        );
    },
    async list(f: AlertEventFilter) {
      const w = filters([
        ['e.serial =', f.serial],
        ['e.incident_id =', f.incidentId],
        ['e.type =', f.type],
        ['e.channel =', f.channel],
        ['e.at >=', f.since],
        ['e.at <', f.until],
        ['e.seq <', f.before],
      ]);
      const rows = await sql.rows<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM alert_events e ${w.sql} ORDER BY e.seq DESC LIMIT $${w.args.length + 1}`,
        [...w.args, f.limit],
      );
      return rows.map(toEvent);
    },
    async prune(before) {
      return sql.count(
        `DELETE FROM alert_events e WHERE e.at < $1 AND e.routed_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.event_seq = e.seq AND d.state = 'pending')`,
        [before],
      );
    },
  };
}

export function postgresDeliveries(sql: Sql): DeliveryStore {
  const byIds = async (ids: number[]): Promise<DeliveryRow[]> =>
    sql.rows<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERIES} WHERE d.id = ANY($1::bigint[])`, [
      ids,
    ]);
  return {
    async claim(channel, o) {
      // Due, unclaimed (or the claim ran out), and no earlier pending delivery of the same incident on the
      // channel; rows another collector is claiming right now are skipped, not waited for.
      const claimed = await sql.rows<{ id: number }>(
        `WITH due AS (
           SELECT d.id FROM alert_deliveries d
           WHERE d.channel = $1 AND d.state = 'pending' AND d.next_at <= $2
             AND (d.claimed_until IS NULL OR d.claimed_until <= $2)
             AND (d.incident_id IS NULL OR NOT EXISTS (
               SELECT 1 FROM alert_deliveries p WHERE p.channel = d.channel AND p.incident_id = d.incident_id
                 AND p.state = 'pending' AND p.event_seq < d.event_seq))
           ORDER BY d.next_at, d.event_seq
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
         UPDATE alert_deliveries d SET claimed_by = $4, claimed_until = $5 FROM due WHERE d.id = due.id
         RETURNING d.id`,
        [channel, o.now, o.limit, o.owner, o.until],
      );
      if (claimed.length === 0) return [];
      const rows = (await byIds(claimed.map((r) => r.id))).sort(
        (a, b) => a.next_at - b.next_at || a.event_seq - b.event_seq,
      );
      const events = new Map(
        (
          await sql.rows<EventRow>(
            `SELECT ${EVENT_COLUMNS} FROM alert_events e WHERE e.seq = ANY($1::bigint[])`,
            [rows.map((r) => r.event_seq)],
          )
        ).map((e) => [e.seq, toEvent(e)]),
      );
      return rows.map((r) => ({
        delivery: toDelivery(r),
        event: events.get(r.event_seq) as AlertEventRecord,
      }));
    },
    async attempted(id, owner, a, next) {
      const changed = await sql.count(
        `UPDATE alert_deliveries SET state = $3, next_at = $4, attempts = attempts + 1,
           claimed_by = NULL, claimed_until = NULL, last_status = $5, last_error = $6,
           finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE $7::bigint END
         WHERE id = $1 AND claimed_by = $2 AND state = 'pending'`,
        [id, owner, next.state, next.nextAt, a.status, a.error, a.at],
      );
      if (changed !== 1) return false;
      await sql.count(
        `INSERT INTO alert_attempts (delivery_id, at, status, latency_ms, outcome, error)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, a.at, a.status, a.latencyMs, a.outcome, a.error],
      );
      return true;
    },
    async release(ids, owner) {
      if (ids.length === 0) return;
      await sql.count(
        `UPDATE alert_deliveries SET claimed_by = NULL, claimed_until = NULL
         WHERE id = ANY($1::bigint[]) AND claimed_by = $2`,
        [ids, owner],
      );
    },
    async get(id) {
      const [r] = await byIds([id]);
      return r ? toDelivery(r) : null;
    },
    async list(f: DeliveryFilter) {
      const w = filters([
        ['d.channel =', f.channel],
        ['d.state =', f.state],
        ['e.serial =', f.serial],
        ['e.id =', f.eventId],
        ['d.incident_id =', f.incidentId],
        ['d.id <', f.before],
      ]);
      const rows = await sql.rows<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERIES} ${w.sql} ORDER BY d.id DESC LIMIT $${w.args.length + 1}`,
        [...w.args, f.limit],
      );
      return rows.map(toDelivery);
    },
    async attempts(ids) {
      const out = new Map<number, AttemptRecord[]>();
      if (ids.length === 0) return out;
      const rows = await sql.rows<{
        id: number;
        delivery_id: number;
        at: number;
        status: number | null;
        latency_ms: number;
        outcome: string;
        error: string | null;
      }>(
        `SELECT id, delivery_id, at, status, latency_ms, outcome, error FROM alert_attempts
         WHERE delivery_id = ANY($1::bigint[]) ORDER BY id`,
        [ids],
      );
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
      return out;
    },
    async retry(id, now) {
      const changed = await sql.count(
        `UPDATE alert_deliveries SET state = 'pending', next_at = $2, finished_at = NULL, claimed_by = NULL,
           claimed_until = NULL WHERE id = $1 AND state = 'dead'`,
        [id, now],
      );
      return changed === 1;
    },
    async stats() {
      const rows = await sql.rows<{
        channel: string;
        pending: number;
        delivered: number;
        dead: number;
        oldest: number | null;
      }>(
        `SELECT channel, count(*) FILTER (WHERE state = 'pending') AS pending,
           count(*) FILTER (WHERE state = 'delivered') AS delivered, count(*) FILTER (WHERE state = 'dead') AS dead,
           min(created_at) FILTER (WHERE state = 'pending') AS oldest
         FROM alert_deliveries GROUP BY channel ORDER BY channel`,
      );
      return rows.map((r) => ({
        channel: r.channel,
        pending: r.pending,
        delivered: r.delivered,
        dead: r.dead,
        oldestPendingAt: r.oldest,
      }));
    },
  };
}
