// snapshot receipts (idempotency) and the history of changes (accepted bodies, compressed; append-only,
// partitioned by month: history-partitions.ts).
import type { Sql } from './sql.ts';
import { toBuffer } from './sql.ts';
import type { HistoryEntry, NewHistoryEntry, SnapshotReceipt, SnapshotStore } from '../types.ts';

interface ReceiptRow {
  snapshot_id: string;
  device_id: number;
  body_sha256: string;
  digest: string;
  changed: boolean;
  received_at: number;
}
interface HistoryRow {
  seq: number;
  snapshot_id: string;
  digest: string;
  collected_at: number;
  received_at: number;
  body: Buffer;
  encoding: string;
}

/** `added(receivedAt)` hears of each history row written (history-partitions.ts makes its month ahead). */
export function postgresSnapshots(sql: Sql, added: (receivedAt: number) => void): SnapshotStore {
  return {
    async receipt(id) {
      const [r] = await sql.rows<ReceiptRow>(
        `SELECT snapshot_id, device_id, body_sha256, digest, changed, received_at FROM snapshot_receipts
         WHERE snapshot_id = $1`,
        [id],
      );
      if (!r) return null;
      return {
        snapshotId: r.snapshot_id,
        deviceId: r.device_id,
        bodySha256: r.body_sha256,
        digest: r.digest,
        changed: r.changed,
        receivedAt: r.received_at,
      };
    },
    async addReceipt(r: SnapshotReceipt) {
      await sql.count(
        `INSERT INTO snapshot_receipts (snapshot_id, device_id, body_sha256, digest, changed, received_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [r.snapshotId, r.deviceId, r.bodySha256, r.digest, r.changed, r.receivedAt],
      );
    },
    async addHistory(e: NewHistoryEntry) {
      const [r] = await sql.rows<{ seq: number }>(
        `INSERT INTO snapshot_history (device_id, snapshot_id, digest, collected_at, received_at, encoding, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq`,
        [e.deviceId, e.snapshotId, e.digest, e.collectedAt, e.receivedAt, e.encoding, toBuffer(e.body)],
      );
      added(e.receivedAt);
      return (r as { seq: number }).seq;
    },
    async history(deviceId, limit): Promise<HistoryEntry[]> {
      const rows = await sql.rows<HistoryRow>(
        `SELECT seq, snapshot_id, digest, collected_at, received_at, body, encoding FROM snapshot_history
         WHERE device_id = $1 ORDER BY seq DESC LIMIT $2`,
        [deviceId, limit],
      );
      return rows.map((r) => ({
        seq: r.seq,
        snapshotId: r.snapshot_id,
        digest: r.digest,
        collectedAt: r.collected_at,
        receivedAt: r.received_at,
        body: r.body,
        encoding: r.encoding,
      }));
    },
    async currentBody(deviceId) {
      const [r] = await sql.rows<{ body: Buffer; encoding: string }>(
        `SELECT h.body, h.encoding FROM snapshot_history h JOIN devices d ON d.id = h.device_id
         WHERE h.device_id = $1 AND h.snapshot_id = d.snapshot_id ORDER BY h.seq DESC LIMIT 1`,
        [deviceId],
      );
      return r ? { body: r.body, encoding: r.encoding } : null;
    },
  };
}
