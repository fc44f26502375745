-- tokenwatch collector schema, version 8: a device can be retired (a Mac that left the fleet: sold, lost,
-- replaced). A retired device is in no count, list or report of the fleet; its row, history, findings and
-- enrollment audit stay for audit. Enrolling again (a new token) un-retires it (devices.ts issueToken).
--   retired_at      when an admin retired it (NULL: in the fleet)
--   retired_by      who retired it
--   retired_reason  why
ALTER TABLE devices ADD COLUMN retired_at INTEGER;
ALTER TABLE devices ADD COLUMN retired_by TEXT;
ALTER TABLE devices ADD COLUMN retired_reason TEXT;
-- Retired devices are few: the counts subtract them through this index instead of testing every row.
CREATE INDEX devices_retired ON devices (retired_at) WHERE retired_at IS NOT NULL;
