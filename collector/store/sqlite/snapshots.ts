// snapshot receipts (idempotency) and the history of changes (accepted bodies, compressed).
import type { Db } from './open.ts';
import type { HistoryEntry, NewHistoryEntry, SnapshotReceipt, SnapshotStore } from '../types.ts';

interface ReceiptRow {
  snapshot_id: string;
  device_id: number;
  body_sha256: string;
  digest: string;
  changed: number;
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

export function sqliteSnapshots(db: Db): SnapshotStore {
  const getReceipt = db.prepare<[string], ReceiptRow>(
    `SELECT * FROM snapshot_receipts WHERE snapshot_id = ?`,
  );
  const addReceipt = db.prepare(
    `INSERT INTO snapshot_receipts (snapshot_id, device_id, body_sha256, digest, changed, received_at)
     VALUES (@snapshotId, @deviceId, @bodySha256, @digest, @changed, @receivedAt)`,
  );
  const addHistory = db.prepare(
    `INSERT INTO snapshot_history (device_id, snapshot_id, digest, collected_at, received_at, encoding, body)
     VALUES (@deviceId, @snapshotId, @digest, @collectedAt, @receivedAt, @encoding, @body)`,
  );
  const history = db.prepare<[number, number], HistoryRow>(
    `SELECT seq, snapshot_id, digest, collected_at, received_at, body, encoding FROM snapshot_history
     WHERE device_id = ? ORDER BY seq DESC LIMIT ?`,
  );
  const current = db.prepare<[number], { body: Buffer; encoding: string }>(
    `SELECT h.body, h.encoding FROM snapshot_history h JOIN devices d ON d.id = h.device_id
     WHERE h.device_id = ? AND h.snapshot_id = d.snapshot_id ORDER BY h.seq DESC LIMIT 1`,
  );
  return {
    async receipt(id) {
      const r = getReceipt.get(id);
      if (!r) return null;
      return {
        snapshotId: r.snapshot_id,
        deviceId: r.device_id,
        bodySha256: r.body_sha256,
        digest: r.digest,
        changed: r.changed === 1,
        receivedAt: r.received_at,
      };
    },
    async addReceipt(r: SnapshotReceipt) {
      addReceipt.run({ ...r, changed: r.changed ? 1 : 0 });
    },
    async addHistory(e: NewHistoryEntry) {
      const info = addHistory.run({
        ...e,
        body: Buffer.from(e.body.buffer, e.body.byteOffset, e.body.byteLength),
      });
      return Number(info.lastInsertRowid);
    },
    async history(deviceId, limit): Promise<HistoryEntry[]> {
      return history.all(deviceId, limit).map((r) => ({
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
      const r = current.get(deviceId);
      return r ? { body: r.body, encoding: r.encoding } : null;
    },
  };
}
