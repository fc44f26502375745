-- tokenwatch collector schema, version 7: what reports read.
--
-- 1. Facts of the current snapshot that the fleet is counted by (services/device-facts.ts derives them at
--    ingest; NULL before the first snapshot, or unknown):
--      bootstrap_escrowed  1 / 0 (not escrowed, not enrolled, or the server does not support it)
--      bootstrap_usable    1 escrowed and usable per the MDM preflight / 0 / NULL unknown
--      filevault_on        1 on / 0 off, encrypting or decrypting / NULL unknown
--      mdm_update          can MDM update this Mac without a person: yes / no / unknown / not_applicable (Intel)
--      mdm_update_reason   why not (or why unknown)
--      token_holders       JSON array: enabled users holding a SecureToken
--      tokenless_users     JSON array: enabled users known to hold none
--      last_console_user   the latest console user reported (a check-in at the login window leaves it)
--      facts_version       which derivation wrote the facts (NULL: not yet; the collector fills them in
--                          from the current snapshot at start, jobs/backfill-facts.ts)
ALTER TABLE devices ADD COLUMN bootstrap_escrowed INTEGER;
ALTER TABLE devices ADD COLUMN bootstrap_usable INTEGER;
ALTER TABLE devices ADD COLUMN filevault_on INTEGER;
ALTER TABLE devices ADD COLUMN mdm_update TEXT;
ALTER TABLE devices ADD COLUMN mdm_update_reason TEXT;
ALTER TABLE devices ADD COLUMN token_holders TEXT;
ALTER TABLE devices ADD COLUMN tokenless_users TEXT;
ALTER TABLE devices ADD COLUMN last_console_user TEXT;
ALTER TABLE devices ADD COLUMN facts_version INTEGER;
UPDATE devices SET last_console_user = console_user;
-- The summary counts the facts from this index alone (no table rows read); the device list filters by
-- the update verdict.
CREATE INDEX devices_facts ON devices (bootstrap_escrowed, bootstrap_usable, filevault_on, mdm_update);
CREATE INDEX devices_mdm_update ON devices (mdm_update, serial);
CREATE INDEX devices_enrolled_at ON devices (enrolled_at);

-- 2. The history of each device's state (what its status and facts are read from), one row per change of
--    its current snapshot or of the instant it turns noncompliant (an exemption added or removed):
--    `since` the collector's time of the change, `until` the next change's (NULL: the current state).
--    The fleet as of an instant T is the row of each device with since <= T < until (fleet.ts).
CREATE TABLE device_states (
  device_id          INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  since              INTEGER NOT NULL,
  until              INTEGER,
  snapshot_id        TEXT,
  noncompliant_from  INTEGER,
  has_unknown        INTEGER NOT NULL,
  os_version         TEXT,
  bootstrap_escrowed INTEGER,
  bootstrap_usable   INTEGER,
  filevault_on       INTEGER,
  mdm_update         TEXT,
  mdm_update_reason  TEXT,
  PRIMARY KEY (device_id, since)
) WITHOUT ROWID;
CREATE INDEX device_states_until ON device_states (until) WHERE until IS NOT NULL;

-- 3. Silences: each time a device is heard from after a silence longer than the stale age, the silence
--    (its last contact before, the contact that ended it). With the device's last contact they say when
--    it was stale at any instant. Recorded by the store (index.ts silenceOverMs), for every kind of contact.
CREATE TABLE device_silences (
  device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  since     INTEGER NOT NULL,
  until     INTEGER NOT NULL,
  PRIMARY KEY (device_id, since)
) WITHOUT ROWID;
CREATE INDEX device_silences_until ON device_silences (until);

-- 4. The earliest instant the history answers for: retention moves it (prune), and a database from before
--    this version knows states only from now (its latest contact). NULL: from the first enrollment.
CREATE TABLE history_horizon (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  kept_since INTEGER
);
INSERT INTO history_horizon (id, kept_since) SELECT 1, max(last_contact) FROM devices;

-- Each device's current state opens its history, from when its current snapshot arrived.
INSERT INTO device_states (device_id, since, until, snapshot_id, noncompliant_from, has_unknown, os_version)
  SELECT d.id,
    coalesce((SELECT max(h.received_at) FROM snapshot_history h
               WHERE h.device_id = d.id AND h.snapshot_id = d.snapshot_id), d.last_seen, d.enrolled_at),
    NULL, d.snapshot_id, d.noncompliant_from, d.has_unknown, d.os_version
  FROM devices d WHERE d.snapshot_id IS NOT NULL;
