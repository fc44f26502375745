// alert_channels: every channel the collector has known (added, configured now or not, disabled by a 410,
// its last digest and attempt) and alert_state's flags.
import type { Sql } from './sql.ts';
import type { AlertChannelRecord, AlertChannelStore } from '../types.ts';

interface ChannelRow {
  name: string;
  type: string;
  fingerprint: string;
  active: boolean;
  added_at: number;
  disabled_at: number | null;
  disabled_reason: string | null;
  digest_at: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
  last_failure: string | null;
}

const COLUMNS = `name, type, fingerprint, active, added_at, disabled_at, disabled_reason, digest_at, last_success_at,
  last_failure_at, last_failure`;

const toChannel = (r: ChannelRow): AlertChannelRecord => ({
  name: r.name,
  type: r.type,
  fingerprint: r.fingerprint,
  active: r.active,
  addedAt: r.added_at,
  disabledAt: r.disabled_at,
  disabledReason: r.disabled_reason,
  digestAt: r.digest_at,
  lastSuccessAt: r.last_success_at,
  lastFailureAt: r.last_failure_at,
  lastFailure: r.last_failure,
});

export function postgresAlertChannels(sql: Sql): AlertChannelStore {
  return {
    list: async () =>
      (await sql.rows<ChannelRow>(`SELECT ${COLUMNS} FROM alert_channels ORDER BY name`)).map(toChannel),
    async get(name) {
      const [r] = await sql.rows<ChannelRow>(`SELECT ${COLUMNS} FROM alert_channels WHERE name = $1`, [name]);
      return r ? toChannel(r) : null;
    },
    async add(c) {
      await sql.count(
        `INSERT INTO alert_channels (name, type, fingerprint, active, added_at) VALUES ($1, $2, $3, true, $4)`,
        [c.name, c.type, c.fingerprint, c.at],
      );
    },
    async update(name, c) {
      // A new target (another fingerprint) clears a 410's disabling; the same keeps it.
      await sql.count(
        `UPDATE alert_channels SET type = $2, active = $4,
           disabled_at = CASE WHEN fingerprint = $3 THEN disabled_at END,
           disabled_reason = CASE WHEN fingerprint = $3 THEN disabled_reason END,
           fingerprint = $3
         WHERE name = $1`,
        [name, c.type, c.fingerprint, c.active],
      );
    },
    async disable(name, at, reason) {
      await sql.count(`UPDATE alert_channels SET disabled_at = $2, disabled_reason = $3 WHERE name = $1`, [
        name,
        at,
        reason,
      ]);
    },
    async enable(name) {
      await sql.count(
        `UPDATE alert_channels SET disabled_at = NULL, disabled_reason = NULL WHERE name = $1`,
        [name],
      );
    },
    async setDigestAt(name, at) {
      await sql.count(`UPDATE alert_channels SET digest_at = $2 WHERE name = $1`, [name, at]);
    },
    async noteAttempt(name, at, failed) {
      if (failed === null)
        await sql.count(
          `UPDATE alert_channels SET last_success_at = greatest(coalesce(last_success_at, 0), $2) WHERE name = $1`,
          [name, at],
        );
      else
        await sql.count(
          `UPDATE alert_channels SET last_failure_at = $2, last_failure = $3
           WHERE name = $1 AND coalesce(last_failure_at, 0) <= $2`,
          [name, at, failed],
        );
    },
    async marker(key) {
      const [r] = await sql.rows<{ value: string }>(`SELECT value FROM alert_state WHERE key = $1`, [key]);
      return r?.value ?? null;
    },
    async setMarker(key, value) {
      await sql.count(
        `INSERT INTO alert_state (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [key, value],
      );
    },
  };
}
