// Collected snapshots: one row per change (a new digest); a repeat only bumps the latest row's
// counters. The newest collection is also kept whole in `state.latest` for status and the EAs.
// Bounded by count and bytes, newest always kept.
import type { Snapshot } from '../snapshot/index.ts';
import type { Db } from './open.ts';
import { readState, writeState } from './state.ts';

export interface SnapshotLimits {
  maxSnapshots: number;
  maxBytes: number;
}

export interface RecordResult {
  /** true when the digest differs from the previous collection's (or there was none). */
  changed: boolean;
  pruned: number;
}

export function recordSnapshot(
  db: Db,
  snapshot: Snapshot,
  digest: string,
  limits: SnapshotLimits,
): RecordResult {
  return db.transaction((): RecordResult => {
    const json = JSON.stringify(snapshot);
    const last = db.prepare('SELECT seq, digest FROM snapshots ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; digest: string } | undefined;
    writeState(db, 'latest', snapshot);
    writeState(db, 'latestDigest', digest);
    if (last && last.digest === digest) {
      db.prepare(
        'UPDATE snapshots SET last_collected_at = ?, collections = collections + 1 WHERE seq = ?',
      ).run(snapshot.collectedAt, last.seq);
      return { changed: false, pruned: 0 };
    }
    db.prepare(
      `INSERT INTO snapshots (id, digest, collected_at, last_collected_at, error_count, bytes, json)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      snapshot.id,
      digest,
      snapshot.collectedAt,
      snapshot.collectedAt,
      snapshot.errors.length,
      Buffer.byteLength(json),
      json,
    );
    return { changed: true, pruned: prune(db, limits) };
  })();
}

function prune(db: Db, limits: SnapshotLimits): number {
  let pruned = 0;
  const count = (db.prepare('SELECT COUNT(*) AS n FROM snapshots').get() as { n: number }).n;
  if (count > limits.maxSnapshots) {
    pruned += db
      .prepare('DELETE FROM snapshots WHERE seq IN (SELECT seq FROM snapshots ORDER BY seq ASC LIMIT ?)')
      .run(count - limits.maxSnapshots).changes;
  }
  // Bytes: drop the oldest until under the limit, never the newest.
  const rows = db.prepare('SELECT seq, bytes FROM snapshots ORDER BY seq DESC').all() as {
    seq: number;
    bytes: number;
  }[];
  let total = 0;
  const drop: number[] = [];
  rows.forEach((row, i) => {
    total += row.bytes;
    if (i > 0 && total > limits.maxBytes) drop.push(row.seq);
  });
  const del = db.prepare('DELETE FROM snapshots WHERE seq = ?');
  for (const seq of drop) pruned += del.run(seq).changes;
  return pruned;
}

export function latestSnapshot(db: Db): Snapshot | null {
  return readState<Snapshot>(db, 'latest');
}

export function latestDigest(db: Db): string | null {
  return readState<string>(db, 'latestDigest');
}

export interface SnapshotStats {
  changes: number;
  bytes: number;
  oldestCollectedAt: string | null;
}

export function snapshotStats(db: Db): SnapshotStats {
  const row = db
    .prepare(
      'SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes, MIN(collected_at) AS oldest FROM snapshots',
    )
    .get() as { n: number; bytes: number; oldest: string | null };
  return { changes: row.n, bytes: row.bytes, oldestCollectedAt: row.oldest };
}
