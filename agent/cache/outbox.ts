// The upload queue. Changed snapshots and check-ins wait here across reboots and days offline.
// Bounded: a new check-in replaces older queued check-ins (they are plain repeats), and when snapshots
// exceed the bound the oldest are dropped, never the newest (the device's current state).
// A body the collector refused as malformed is kept, marked rejected, and no longer retried.
// Dropped snapshots are a gap in what the collector will ever see: how many, and which period they
// covered, is kept (state `outboxGap`) for `status`.
import type { Db } from './open.ts';
import { readState, writeState } from './state.ts';

export type OutboxKind = 'snapshot' | 'checkin';

export interface OutboxItem {
  seq: number;
  kind: OutboxKind;
  itemId: string;
  digest: string;
  body: string;
  queuedAt: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
}

interface Row {
  seq: number;
  kind: OutboxKind;
  item_id: string;
  digest: string;
  body: string;
  queued_at: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
}

const toItem = (r: Row): OutboxItem => ({
  seq: r.seq,
  kind: r.kind,
  itemId: r.item_id,
  digest: r.digest,
  body: r.body,
  queuedAt: r.queued_at,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
});

/** Changed snapshots the bound dropped before they were sent, since the cache was created. */
export interface OutboxGap {
  dropped: number;
  /** When the oldest and the newest dropped snapshot had been queued. */
  firstQueuedAt: string;
  lastQueuedAt: string;
  /** When the last one was dropped. */
  lastDroppedAt: string;
}

const GAP_STATE = 'outboxGap';

export function enqueue(
  db: Db,
  item: { kind: OutboxKind; itemId: string; digest: string; body: string },
  now: Date,
  maxSnapshots: number,
): { dropped: number; superseded: number } {
  return db.transaction(() => {
    let dropped = 0;
    // Any new item supersedes queued check-ins: they only said "nothing changed" earlier.
    const superseded = db
      .prepare(`DELETE FROM outbox WHERE kind = 'checkin' AND rejected_at IS NULL`)
      .run().changes;
    const at = now.toISOString();
    db.prepare(
      `INSERT INTO outbox (kind, item_id, digest, body, queued_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(item.kind, item.itemId, item.digest, item.body, at, at);
    const n = (
      db
        .prepare(`SELECT COUNT(*) AS n FROM outbox WHERE kind = 'snapshot' AND rejected_at IS NULL`)
        .get() as { n: number }
    ).n;
    if (n > maxSnapshots) {
      const oldest = `SELECT seq FROM outbox WHERE kind = 'snapshot' AND rejected_at IS NULL ORDER BY seq ASC LIMIT ?`;
      const span = db
        .prepare(
          `SELECT MIN(queued_at) AS first, MAX(queued_at) AS last FROM outbox WHERE seq IN (${oldest})`,
        )
        .get(n - maxSnapshots) as { first: string; last: string };
      dropped = db.prepare(`DELETE FROM outbox WHERE seq IN (${oldest})`).run(n - maxSnapshots).changes;
      const gap = readState<OutboxGap>(db, GAP_STATE);
      writeState(db, GAP_STATE, {
        dropped: (gap?.dropped ?? 0) + dropped,
        firstQueuedAt: gap?.firstQueuedAt ?? span.first,
        lastQueuedAt: span.last,
        lastDroppedAt: at,
      } satisfies OutboxGap);
    }
    return { dropped, superseded };
  })();
}

/**
 * Items due for sending, oldest first. The queue is ordered: when its head waits (backoff), everything
 * behind it waits too, so a check-in never overtakes the snapshot it refers to.
 */
export function dueItems(db: Db, now: Date, limit = 100): OutboxItem[] {
  const head = queueHead(db);
  if (!head || head.nextAttemptAt > now.toISOString()) return [];
  return (
    db.prepare(`SELECT * FROM outbox WHERE rejected_at IS NULL ORDER BY seq ASC LIMIT ?`).all(limit) as Row[]
  ).map(toItem);
}

/** The oldest item still to send (its backoff is the queue's), or null when the queue is empty. */
export function queueHead(db: Db): OutboxItem | null {
  const row = db.prepare(`SELECT * FROM outbox WHERE rejected_at IS NULL ORDER BY seq ASC LIMIT 1`).get() as
    Row | undefined;
  return row ? toItem(row) : null;
}

export function isQueued(db: Db, itemId: string, kind: OutboxKind): boolean {
  return (
    db
      .prepare('SELECT 1 FROM outbox WHERE item_id = ? AND kind = ? AND rejected_at IS NULL')
      .get(itemId, kind) !== undefined
  );
}

/**
 * Removes a delivered item. With resetAttempts the rest of the queue starts its backoff afresh: the
 * collector answered, so the failures counted during an outage no longer predict the next attempt.
 */
export function markSent(db: Db, seq: number, options: { resetAttempts?: boolean } = {}): void {
  db.transaction(() => {
    db.prepare('DELETE FROM outbox WHERE seq = ?').run(seq);
    if (options.resetAttempts)
      db.prepare('UPDATE outbox SET attempts = 0 WHERE rejected_at IS NULL AND attempts > 0').run();
  })();
}

export function markRetry(db: Db, seq: number, error: string, nextAttemptAt: Date): void {
  db.prepare(
    'UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE seq = ?',
  ).run(error, nextAttemptAt.toISOString(), seq);
}

/** Postpone every pending item (the server asked us to wait, or is unreachable). */
export function postponeAll(db: Db, error: string, nextAttemptAt: Date): void {
  db.prepare(
    'UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = MAX(next_attempt_at, ?) WHERE rejected_at IS NULL',
  ).run(error, nextAttemptAt.toISOString());
}

export function markRejected(db: Db, seq: number, error: string, now: Date): void {
  db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, rejected_at = ? WHERE seq = ?').run(
    error,
    now.toISOString(),
    seq,
  );
}

export interface OutboxSummary {
  snapshots: number;
  checkins: number;
  rejected: number;
  oldestQueuedAt: string | null;
  /** When the head of the queue (and so the queue) is next tried. */
  nextAttemptAt: string | null;
  lastError: string | null;
  maxAttempts: number;
  /** Snapshots dropped unsent because the outbox was full, or null: none ever. */
  gap: OutboxGap | null;
}

export function outboxSummary(db: Db): OutboxSummary {
  const row = db
    .prepare(
      `SELECT
         SUM(CASE WHEN kind = 'snapshot' AND rejected_at IS NULL THEN 1 ELSE 0 END) AS snapshots,
         SUM(CASE WHEN kind = 'checkin' AND rejected_at IS NULL THEN 1 ELSE 0 END) AS checkins,
         SUM(CASE WHEN rejected_at IS NOT NULL THEN 1 ELSE 0 END) AS rejected,
         MIN(CASE WHEN rejected_at IS NULL THEN queued_at END) AS oldest,
         COALESCE(MAX(attempts), 0) AS max_attempts
       FROM outbox`,
    )
    .get() as {
    snapshots: number | null;
    checkins: number | null;
    rejected: number | null;
    oldest: string | null;
    max_attempts: number;
  };
  const last = db
    .prepare('SELECT last_error FROM outbox WHERE last_error IS NOT NULL ORDER BY seq DESC LIMIT 1')
    .get() as { last_error: string } | undefined;
  return {
    snapshots: row.snapshots ?? 0,
    checkins: row.checkins ?? 0,
    rejected: row.rejected ?? 0,
    oldestQueuedAt: row.oldest,
    nextAttemptAt: queueHead(db)?.nextAttemptAt ?? null,
    lastError: last?.last_error ?? null,
    maxAttempts: row.max_attempts,
    gap: readState<OutboxGap>(db, GAP_STATE),
  };
}
