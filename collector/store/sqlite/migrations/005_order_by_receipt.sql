-- tokenwatch collector schema, version 5: a device's states are ordered by what the collector can trust
-- (collector/ordering.ts). 300000 below is ordering.ts's CLOCK_TOLERANCE_MS (5 minutes).
--   ordered_at          the current snapshot's place in the device's order: min(collected_at, received_at + 5 min)
--   clock_skew_seconds  how far ahead of the collector's clock the latest upload or check-in was dated;
--                       NULL within the tolerance
-- Existing devices take both from their current snapshot, so one frozen by a future collectedAt heals with
-- its next real snapshot.
ALTER TABLE devices ADD COLUMN ordered_at INTEGER;
ALTER TABLE devices ADD COLUMN clock_skew_seconds INTEGER;

UPDATE devices SET
  ordered_at = coalesce(
    (SELECT min(h.collected_at, h.received_at + 300000) FROM snapshot_history h
      WHERE h.device_id = devices.id AND h.snapshot_id = devices.snapshot_id ORDER BY h.seq DESC LIMIT 1),
    min(collected_at, coalesce(last_seen, last_contact) + 300000)),
  clock_skew_seconds = (SELECT CASE WHEN h.collected_at - h.received_at > 300000
      THEN CAST(round((h.collected_at - h.received_at) / 1000.0) AS INTEGER) END
    FROM snapshot_history h
    WHERE h.device_id = devices.id AND h.snapshot_id = devices.snapshot_id ORDER BY h.seq DESC LIMIT 1)
WHERE snapshot_id IS NOT NULL;
