-- tokenwatch collector schema on PostgreSQL, version 8: a device can be retired (a Mac that left the fleet),
-- as SQLite's 008_retired_devices.sql builds it (collector/store/sqlite/migrations/008_retired_devices.sql
-- says what each column is for). A retired device is in no count, list or report of the fleet; its row,
-- history, findings and enrollment audit stay. Enrolling again (a new token) un-retires it.
ALTER TABLE devices
  ADD COLUMN retired_at     bigint,
  ADD COLUMN retired_by     text,
  ADD COLUMN retired_reason text;
-- Retired devices are few: the counts subtract them through this index instead of testing every row.
CREATE INDEX devices_retired ON devices (retired_at) WHERE retired_at IS NOT NULL;
