-- A device is its serial and hardware UUID together. An enrollment whose serial is enrolled with another
-- hardware UUID, or whose hardware UUID is enrolled with another serial, opens an identity conflict: the
-- claimant is refused until an admin keeps one side, and the devices it touches are not compliant
-- meanwhile (fleet.ts). A conflict resolved keeping the existing record refuses the claim for good.

-- The address the device's current token was issued to (for the conflict record).
ALTER TABLE devices ADD COLUMN token_issued_from TEXT;

CREATE TABLE identity_conflicts (
  id                 INTEGER PRIMARY KEY,
  serial             TEXT    NOT NULL,     -- the claimant's serial
  hardware_uuid      TEXT    NOT NULL,     -- the claimant's hardware UUID (upper case)
  first_at           INTEGER NOT NULL,     -- the claimant's first attempt
  last_at            INTEGER NOT NULL,     -- its latest attempt (also after a resolution)
  attempts           INTEGER NOT NULL DEFAULT 1,
  first_address      TEXT,
  last_address       TEXT,
  -- The device enrolled with the claimant's serial (and another hardware UUID), as it was at the first attempt.
  serial_holder      TEXT,                 -- JSON: hardwareUuid, enrolledAt, tokenIssuedAt, tokenIssuedFrom, lastContact, lastSeen
  -- The device enrolled with the claimant's hardware UUID (and another serial), likewise.
  uuid_holder        TEXT,                 -- JSON: serial, enrolledAt, tokenIssuedAt, tokenIssuedFrom, lastContact, lastSeen
  resolved_at        INTEGER,
  resolution         TEXT,                 -- 'existing' | 'claimant'
  resolved_by        TEXT
);
-- At most one open conflict per claim; the open ones by each half (a device's status reads them).
CREATE UNIQUE INDEX identity_conflicts_open_claim ON identity_conflicts (serial, hardware_uuid) WHERE resolved_at IS NULL;
CREATE INDEX identity_conflicts_claim ON identity_conflicts (serial, hardware_uuid, id);
CREATE INDEX identity_conflicts_open_hardware_uuid ON identity_conflicts (hardware_uuid) WHERE resolved_at IS NULL;
