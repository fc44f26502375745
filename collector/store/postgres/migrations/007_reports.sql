-- tokenwatch collector schema on PostgreSQL, version 7: what reports read, as SQLite's 007_reports.sql
-- builds it (collector/store/sqlite/migrations/007_reports.sql says what each column and table is for):
-- the report facts of the current snapshot on the device row, the history of each device's state
-- (device_states), the silences past the stale age (device_silences) and the horizon of that history.
ALTER TABLE devices
  ADD COLUMN bootstrap_escrowed boolean,
  ADD COLUMN bootstrap_usable   boolean,
  ADD COLUMN filevault_on       boolean,
  ADD COLUMN mdm_update         text COLLATE "C",
  ADD COLUMN mdm_update_reason  text,
  ADD COLUMN token_holders      jsonb,
  ADD COLUMN tokenless_users    jsonb,
  ADD COLUMN last_console_user  text,
  ADD COLUMN facts_version      integer;
UPDATE devices SET last_console_user = console_user;
CREATE INDEX devices_facts ON devices (bootstrap_escrowed, bootstrap_usable, filevault_on, mdm_update);
CREATE INDEX devices_mdm_update ON devices (mdm_update, serial);
CREATE INDEX devices_enrolled_at ON devices (enrolled_at);

-- One row per change of a device's state: `since` the collector's time of the change, `until` the next
-- change's (NULL: the current state). The fleet as of T is each device's row with since <= T < until.
CREATE TABLE device_states (
  device_id          bigint  NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  since              bigint  NOT NULL,
  until              bigint,
  snapshot_id        text    COLLATE "C",
  noncompliant_from  bigint,
  has_unknown        boolean NOT NULL,
  os_version         text    COLLATE "C",
  bootstrap_escrowed boolean,
  bootstrap_usable   boolean,
  filevault_on       boolean,
  mdm_update         text    COLLATE "C",
  mdm_update_reason  text,
  PRIMARY KEY (device_id, since)
);
CREATE INDEX device_states_until ON device_states (until) WHERE until IS NOT NULL;

-- Each time a device is heard from after a silence longer than the stale age: the silence (its last contact
-- before, the contact that ended it). Recorded by the trigger below for every kind of contact, when the
-- connection says the stale age (the store sets tokenwatch.silence_over_ms on its connections).
CREATE TABLE device_silences (
  device_id bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  since     bigint NOT NULL,
  until     bigint NOT NULL,
  PRIMARY KEY (device_id, since)
);
CREATE INDEX device_silences_until ON device_silences (until);

CREATE FUNCTION tokenwatch_record_silence() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  over_ms bigint := nullif(current_setting('tokenwatch.silence_over_ms', true), '')::bigint;
BEGIN
  IF over_ms IS NOT NULL AND NEW.last_contact - OLD.last_contact > over_ms THEN
    INSERT INTO device_silences (device_id, since, until) VALUES (NEW.id, OLD.last_contact, NEW.last_contact)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER device_silence AFTER UPDATE OF last_contact ON devices
  FOR EACH ROW WHEN (NEW.last_contact > OLD.last_contact) EXECUTE FUNCTION tokenwatch_record_silence();

-- The earliest instant the history answers for (NULL: from the first enrollment).
CREATE TABLE history_horizon (
  id         integer PRIMARY KEY CHECK (id = 1),
  kept_since bigint
);
INSERT INTO history_horizon (id, kept_since) SELECT 1, max(last_contact) FROM devices;

-- Each device's current state opens its history, from when its current snapshot arrived.
INSERT INTO device_states (device_id, since, until, snapshot_id, noncompliant_from, has_unknown, os_version)
  SELECT d.id,
    coalesce((SELECT max(h.received_at) FROM snapshot_history h
               WHERE h.device_id = d.id AND h.snapshot_id = d.snapshot_id), d.last_seen, d.enrolled_at),
    NULL, d.snapshot_id, d.noncompliant_from, d.has_unknown, d.os_version
  FROM devices d WHERE d.snapshot_id IS NOT NULL;
