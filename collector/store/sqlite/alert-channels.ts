// alert_channels: every channel the collector has known (added, configured now or not, disabled by a 410,
// its last digest and attempt) and alert_state's flags.
import type { Db } from './open.ts';
import type { AlertChannelRecord, AlertChannelStore } from '../types.ts';

interface ChannelRow {
  name: string;
  type: string;
  fingerprint: string;
  active: number;
  added_at: number;
  disabled_at: number | null;
  disabled_reason: string | null;
  digest_at: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
  last_failure: string | null;
}

const toChannel = (r: ChannelRow): AlertChannelRecord => ({
  name: r.name,
  type: r.type,
  fingerprint: r.fingerprint,
  active: r.active === 1,
  addedAt: r.added_at,
  disabledAt: r.disabled_at,
  disabledReason: r.disabled_reason,
  digestAt: r.digest_at,
  lastSuccessAt: r.last_success_at,
  lastFailureAt: r.last_failure_at,
  lastFailure: r.last_failure,
});

export function sqliteAlertChannels(db: Db): AlertChannelStore {
  const list = db.prepare<[], ChannelRow>(`SELECT * FROM alert_channels ORDER BY name`);
  const get = db.prepare<[string], ChannelRow>(`SELECT * FROM alert_channels WHERE name = ?`);
  const add = db.prepare(
    `INSERT INTO alert_channels (name, type, fingerprint, active, added_at) VALUES (@name, @type, @fingerprint, 1, @at)`,
  );
  const update = db.prepare(
    `UPDATE alert_channels SET type = @type, active = @active,
       disabled_at = CASE WHEN fingerprint = @fingerprint THEN disabled_at END,
       disabled_reason = CASE WHEN fingerprint = @fingerprint THEN disabled_reason END,
       fingerprint = @fingerprint
     WHERE name = @name`,
  );
  const disable = db.prepare(`UPDATE alert_channels SET disabled_at = ?, disabled_reason = ? WHERE name = ?`);
  const enable = db.prepare(
    `UPDATE alert_channels SET disabled_at = NULL, disabled_reason = NULL WHERE name = ?`,
  );
  const digest = db.prepare(`UPDATE alert_channels SET digest_at = ? WHERE name = ?`);
  const success = db.prepare(
    `UPDATE alert_channels SET last_success_at = max(coalesce(last_success_at, 0), ?) WHERE name = ?`,
  );
  const failure = db.prepare(
    `UPDATE alert_channels SET last_failure_at = ?, last_failure = ? WHERE name = ? AND coalesce(last_failure_at, 0) <= ?`,
  );
  const marker = db.prepare<[string], { value: string }>(`SELECT value FROM alert_state WHERE key = ?`);
  const setMarker = db.prepare(
    `INSERT INTO alert_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  );
  return {
    list: async () => list.all().map(toChannel),
    async get(name) {
      const r = get.get(name);
      return r ? toChannel(r) : null;
    },
    async add(c) {
      add.run(c);
    },
    async update(name, c) {
      update.run({ name, type: c.type, fingerprint: c.fingerprint, active: c.active ? 1 : 0 });
    },
    async disable(name, at, reason) {
      disable.run(at, reason, name);
    },
    async enable(name) {
      enable.run(name);
    },
    async setDigestAt(name, at) {
      digest.run(at, name);
    },
    async noteAttempt(name, at, failed) {
      if (failed === null) success.run(at, name);
      else failure.run(at, failed, name, at);
    },
    marker: async (key) => marker.get(key)?.value ?? null,
    async setMarker(key, value) {
      setMarker.run(key, value);
    },
  };
}
