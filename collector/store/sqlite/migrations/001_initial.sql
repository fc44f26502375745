-- tokenwatch collector schema, version 1.
-- Instants are epoch milliseconds (INTEGER). Current state lives on devices (extracted columns for fleet
-- queries); snapshot_history grows with changes only and keeps each accepted body compressed.

CREATE TABLE devices (
  id                INTEGER PRIMARY KEY,
  serial            TEXT    NOT NULL UNIQUE,
  hardware_uuid     TEXT    NOT NULL,
  token_hash        TEXT,                 -- SHA-256 hex of the active device token; NULL = none/revoked
  token_issued_at   INTEGER,
  revoked_at        INTEGER,
  enrolled_at       INTEGER NOT NULL,
  last_seen         INTEGER,              -- last upload or check-in
  last_contact      INTEGER NOT NULL,     -- enrollment, upload or check-in: the stale rule counts from here
  console_user      TEXT,
  digest            TEXT,
  snapshot_id       TEXT,
  collected_at      INTEGER,
  model             TEXT,
  os_version        TEXT,
  os_build          TEXT,
  hostname          TEXT,
  apple_silicon     INTEGER,
  agent_version     TEXT,
  noncompliant_from INTEGER,              -- earliest instant an active (unexempted, not pending) failure counts
  has_unknown       INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX devices_hardware_uuid ON devices (hardware_uuid);
CREATE UNIQUE INDEX devices_token_hash ON devices (token_hash) WHERE token_hash IS NOT NULL;
CREATE INDEX devices_os_version ON devices (os_version);
CREATE INDEX devices_model ON devices (model);
CREATE INDEX devices_last_seen ON devices (last_seen);
CREATE INDEX devices_last_contact ON devices (last_contact);
CREATE INDEX devices_noncompliant_from ON devices (noncompliant_from) WHERE noncompliant_from IS NOT NULL;
CREATE INDEX devices_has_unknown ON devices (has_unknown) WHERE has_unknown = 1;

-- Every accepted snapshot id (idempotent retries), pruned after receiptRetentionDays.
CREATE TABLE snapshot_receipts (
  snapshot_id  TEXT    NOT NULL PRIMARY KEY,
  device_id    INTEGER NOT NULL,
  body_sha256  TEXT    NOT NULL,
  digest       TEXT    NOT NULL,
  changed      INTEGER NOT NULL,
  received_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX snapshot_receipts_received_at ON snapshot_receipts (received_at);

-- One row per change (a new digest), with the accepted JSON as received, compressed.
CREATE TABLE snapshot_history (
  seq          INTEGER PRIMARY KEY,
  device_id    INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  snapshot_id  TEXT    NOT NULL,
  digest       TEXT    NOT NULL,
  collected_at INTEGER NOT NULL,
  received_at  INTEGER NOT NULL,
  encoding     TEXT    NOT NULL,          -- 'deflate-raw' | 'identity'
  body         BLOB    NOT NULL
);
CREATE INDEX snapshot_history_device ON snapshot_history (device_id, seq);
CREATE INDEX snapshot_history_received_at ON snapshot_history (received_at);

-- (device, rule, user) failures with "failing since"; resolved ones stay as history.
CREATE TABLE findings (
  device_id     INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  rule          TEXT    NOT NULL,
  user_name     TEXT    NOT NULL DEFAULT '',   -- '' = device-level finding
  first_seen    INTEGER NOT NULL,
  last_seen     INTEGER NOT NULL,
  resolved_at   INTEGER,
  pending_until INTEGER,
  failing       INTEGER NOT NULL DEFAULT 1,   -- 1: the latest evaluation failed; 0: kept open by an unknown
  reason        TEXT    NOT NULL,
  PRIMARY KEY (device_id, rule, user_name, first_seen)
) WITHOUT ROWID;
CREATE INDEX findings_open_by_rule ON findings (rule, device_id) WHERE resolved_at IS NULL;
CREATE INDEX findings_open_by_device ON findings (device_id) WHERE resolved_at IS NULL;

CREATE TABLE exemptions (
  id          TEXT    NOT NULL PRIMARY KEY,
  serial      TEXT,                        -- NULL = all devices
  rule        TEXT,                        -- NULL = all rules
  user_name   TEXT,                        -- NULL = all users
  reason      TEXT    NOT NULL,
  created_by  TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER
);
CREATE INDEX exemptions_serial ON exemptions (serial);

CREATE TABLE enrollment_audit (
  id             INTEGER PRIMARY KEY,
  at             INTEGER NOT NULL,
  serial         TEXT,
  hardware_uuid  TEXT,
  outcome        TEXT    NOT NULL,
  remote_address TEXT,
  detail         TEXT
);
CREATE INDEX enrollment_audit_serial ON enrollment_audit (serial, id);
CREATE INDEX enrollment_audit_at ON enrollment_audit (at);
