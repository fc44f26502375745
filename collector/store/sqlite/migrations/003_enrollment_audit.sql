-- The enrollment audit keeps what matters and counts the rest.
-- Events (issued, rotated, re-enrolled, revoked, refusals with a valid enroll secret) are rows of their own;
-- repeats of one refusal and every attempt that did not prove the enroll secret (wrong secret, invalid body,
-- rate limited, aborted) are counted into one row per key and hour: `count`, first (`at`) and last
-- (`last_at`) time. `unauthenticated` rows are the first to go when the table reaches its cap
-- (enrollments.ts); enrollment_audit_size counts rows per kind so that the cap costs no count(*).

ALTER TABLE enrollment_audit ADD COLUMN last_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enrollment_audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE enrollment_audit ADD COLUMN merge_key TEXT;
ALTER TABLE enrollment_audit ADD COLUMN unauthenticated INTEGER NOT NULL DEFAULT 0;
UPDATE enrollment_audit SET last_at = at;
UPDATE enrollment_audit SET unauthenticated = 1
  WHERE outcome IN ('refused_secret', 'refused_invalid', 'refused_rate_limited');

-- Rows written one per attempt before this version become the hourly counts they would be now: the
-- first row of each (outcome, address, hour) stays, with the group's count, first and last time and the
-- latest attempt's serial, hardware UUID and detail; the others go.
CREATE TEMP TABLE audit_groups AS
  SELECT min(id) AS keep_id, max(id) AS last_id, count(*) AS n, min(at) AS first_at, max(at) AS last_at,
         outcome, remote_address, (at / 3600000) * 3600000 AS hour
  FROM enrollment_audit WHERE unauthenticated = 1
  GROUP BY outcome, remote_address, (at / 3600000);
UPDATE enrollment_audit AS a SET
    count = g.n, at = g.first_at, last_at = g.last_at,
    merge_key = json_array(g.outcome, g.hour, g.remote_address),
    serial = (SELECT l.serial FROM enrollment_audit l WHERE l.id = g.last_id),
    hardware_uuid = (SELECT l.hardware_uuid FROM enrollment_audit l WHERE l.id = g.last_id),
    detail = (SELECT l.detail FROM enrollment_audit l WHERE l.id = g.last_id)
  FROM audit_groups g WHERE a.id = g.keep_id;
DELETE FROM enrollment_audit
  WHERE unauthenticated = 1 AND id NOT IN (SELECT keep_id FROM audit_groups);
DROP TABLE audit_groups;

CREATE UNIQUE INDEX enrollment_audit_merge_key ON enrollment_audit (merge_key) WHERE merge_key IS NOT NULL;
CREATE INDEX enrollment_audit_unauthenticated ON enrollment_audit (id) WHERE unauthenticated = 1;
-- Retention reads the last time (a count still growing stays).
DROP INDEX enrollment_audit_at;
CREATE INDEX enrollment_audit_last_at ON enrollment_audit (last_at);

CREATE TABLE enrollment_audit_size (
  unauthenticated INTEGER NOT NULL PRIMARY KEY,
  rows            INTEGER NOT NULL
);
INSERT INTO enrollment_audit_size (unauthenticated, rows)
  SELECT 0, count(*) FROM enrollment_audit WHERE unauthenticated = 0;
INSERT INTO enrollment_audit_size (unauthenticated, rows)
  SELECT 1, count(*) FROM enrollment_audit WHERE unauthenticated = 1;
CREATE TRIGGER enrollment_audit_added AFTER INSERT ON enrollment_audit BEGIN
  UPDATE enrollment_audit_size SET rows = rows + 1 WHERE unauthenticated = NEW.unauthenticated;
END;
CREATE TRIGGER enrollment_audit_removed AFTER DELETE ON enrollment_audit BEGIN
  UPDATE enrollment_audit_size SET rows = rows - 1 WHERE unauthenticated = OLD.unauthenticated;
END;
