-- tokenwatch collector schema, version 6: alerts. Incidents follow active findings (services/incidents.ts);
-- their events are written to an outbox (alert_events) in the unit of work that changes them; a delivery
-- worker fans each event out to the channels whose routing takes it (alert_deliveries, one row per event
-- and channel) and records every attempt (alert_attempts). Scheduled jobs keep their last run and a lease
-- in `jobs`, so that only one collector runs a job at a time.

-- The grace-window promotion job reads open findings by the end of their grace window.
CREATE INDEX findings_grace_end ON findings (pending_until) WHERE resolved_at IS NULL AND pending_until IS NOT NULL;

-- One incident per (device, rule, user): opened when a finding becomes active, exempted, resolved, and
-- reopened (the same row, its episode counted) when it fails again. `rule` is a rule id or
-- 'identity-conflict' (then `ref` is the conflict's id); user_name '' = device-level.
CREATE TABLE incidents (
  id              TEXT    NOT NULL PRIMARY KEY,   -- stable: PagerDuty's dedup_key, part of every event id
  serial          TEXT    NOT NULL,
  rule            TEXT    NOT NULL,
  user_name       TEXT    NOT NULL DEFAULT '',
  state           TEXT    NOT NULL CHECK (state IN ('open', 'exempted', 'resolved')),
  episode         INTEGER NOT NULL DEFAULT 1 CHECK (episode >= 1),
  severity        TEXT    NOT NULL,
  failing_since   INTEGER NOT NULL,               -- the finding's firstSeen ("failing since")
  opened_at       INTEGER NOT NULL,               -- this episode's start (opened or reopened)
  first_opened_at INTEGER NOT NULL,
  changed_at      INTEGER NOT NULL,
  resolved_at     INTEGER,
  reason          TEXT    NOT NULL,
  ref             TEXT
);
-- THE constraint: at most one incident that is not resolved per (device, rule, user).
CREATE UNIQUE INDEX incidents_one_open ON incidents (serial, rule, user_name) WHERE state <> 'resolved';
CREATE INDEX incidents_key ON incidents (serial, rule, user_name, changed_at);
CREATE INDEX incidents_unresolved ON incidents (state, opened_at) WHERE state <> 'resolved';
CREATE INDEX incidents_ref ON incidents (ref) WHERE ref IS NOT NULL;

-- The outbox. `channel` NULL: every channel whose routing takes it; otherwise that channel only (a
-- reminder, a digest, a backfill). `body` is the event as the channels render it (JSON, channel-neutral).
CREATE TABLE alert_events (
  seq          INTEGER PRIMARY KEY,
  id           TEXT    NOT NULL UNIQUE,           -- stable: the receivers' idempotency key
  type         TEXT    NOT NULL,
  at           INTEGER NOT NULL,
  incident_id  TEXT,
  serial       TEXT,
  rule         TEXT,
  severity     TEXT,
  channel      TEXT,
  body         TEXT    NOT NULL,
  routed_at    INTEGER                            -- fanned out to the channels' deliveries
);
CREATE INDEX alert_events_unrouted ON alert_events (seq) WHERE routed_at IS NULL;
CREATE INDEX alert_events_serial ON alert_events (serial, seq);
CREATE INDEX alert_events_incident ON alert_events (incident_id, seq);
CREATE INDEX alert_events_at ON alert_events (at, type);

-- One delivery per (event, channel). pending -> delivered | dead; a 410 pauses the channel, not the row.
CREATE TABLE alert_deliveries (
  id             INTEGER PRIMARY KEY,
  event_seq      INTEGER NOT NULL REFERENCES alert_events (seq) ON DELETE CASCADE,
  channel        TEXT    NOT NULL,
  incident_id    TEXT,                            -- the event's, so that an incident's events go in order
  state          TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts       INTEGER NOT NULL DEFAULT 0,
  next_at        INTEGER NOT NULL,
  claimed_by     TEXT,
  claimed_until  INTEGER,
  created_at     INTEGER NOT NULL,
  finished_at    INTEGER,                         -- delivered or dead
  last_status    INTEGER,
  last_error     TEXT,
  UNIQUE (event_seq, channel)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (channel, next_at) WHERE state = 'pending';
CREATE INDEX alert_deliveries_incident ON alert_deliveries (channel, incident_id, event_seq) WHERE state = 'pending';
CREATE INDEX alert_deliveries_state ON alert_deliveries (state, id);
CREATE INDEX alert_deliveries_event ON alert_deliveries (event_seq);

-- Every attempt: when, the receiver's status (HTTP status or SMTP reply code), how long, what went wrong.
CREATE TABLE alert_attempts (
  id           INTEGER PRIMARY KEY,
  delivery_id  INTEGER NOT NULL REFERENCES alert_deliveries (id) ON DELETE CASCADE,
  at           INTEGER NOT NULL,
  status       INTEGER,
  latency_ms   INTEGER NOT NULL,
  outcome      TEXT    NOT NULL,                  -- delivered | retry | dead | disabled
  error        TEXT
);
CREATE INDEX alert_attempts_delivery ON alert_attempts (delivery_id, id);

-- The channels the collector has known: when each was added (its backfill), whether it is configured now,
-- whether a 410 disabled it (for the target with this fingerprint), the end of its last digest's period.
CREATE TABLE alert_channels (
  name             TEXT    NOT NULL PRIMARY KEY,
  type             TEXT    NOT NULL,
  fingerprint      TEXT    NOT NULL,
  active           INTEGER NOT NULL,
  added_at         INTEGER NOT NULL,
  disabled_at      INTEGER,
  disabled_reason  TEXT,
  digest_at        INTEGER,
  last_success_at  INTEGER,
  last_failure_at  INTEGER,
  last_failure     TEXT
);

-- Reminders sent per incident episode and channel.
CREATE TABLE alert_reminders (
  incident_id  TEXT    NOT NULL,
  channel      TEXT    NOT NULL,
  episode      INTEGER NOT NULL,
  count        INTEGER NOT NULL,
  last_at      INTEGER NOT NULL,
  PRIMARY KEY (incident_id, channel)
) WITHOUT ROWID;

-- Scheduled jobs: a lease (one runner at a time, across collectors sharing the database) and the last run.
CREATE TABLE jobs (
  name         TEXT    NOT NULL PRIMARY KEY,
  lease_owner  TEXT,
  lease_until  INTEGER,
  started_at   INTEGER,
  finished_at  INTEGER,
  duration_ms  INTEGER,
  outcome      TEXT,
  error        TEXT,
  report       TEXT,
  runs         INTEGER NOT NULL DEFAULT 0,
  failures     INTEGER NOT NULL DEFAULT 0
);

-- Flags of the alerting state (e.g. that existing findings were taken in as incidents without events).
CREATE TABLE alert_state (
  key    TEXT NOT NULL PRIMARY KEY,
  value  TEXT NOT NULL
) WITHOUT ROWID;
