// device_states: the history of the device columns a status and a report read, one entry per change, as
// store/sqlite/state-history.ts keeps it: the entry open now (until NULL) mirrors the device row; a change
// closes it at the change's time and opens the next from there. Two changes in the same millisecond leave
// one entry, the later state; a change dated before the open entry counts as made when that entry began.
import type { Sql } from './sql.ts';

const STATE_COLUMNS =
  'snapshot_id, noncompliant_from, has_unknown, os_version, bootstrap_escrowed, bootstrap_usable, filevault_on, mdm_update, mdm_update_reason';

export function stateHistory(sql: Sql) {
  return {
    /** The device's state columns changed at `changedAt`. */
    async changed(id: number, changedAt: number): Promise<void> {
      const [open] = await sql.rows<{ since: number }>(
        `SELECT since FROM device_states WHERE device_id = $1 AND until IS NULL`,
        [id],
      );
      const at = Math.max(changedAt, open?.since ?? changedAt);
      await sql.count(
        `UPDATE device_states SET until = $2 WHERE device_id = $1 AND until IS NULL AND since < $2`,
        [id, at],
      );
      await sql.count(
        `INSERT INTO device_states (device_id, since, until, ${STATE_COLUMNS})
           SELECT id, $2, NULL, ${STATE_COLUMNS} FROM devices WHERE id = $1
         ON CONFLICT (device_id, since) DO UPDATE SET until = NULL, ${STATE_COLUMNS.split(', ')
           .map((c) => `${c} = excluded.${c}`)
           .join(', ')}`,
        [id, at],
      );
    },
    /** The current entry takes the device row's columns again (facts filled in, no change of state). */
    async refresh(id: number): Promise<void> {
      await sql.count(
        `UPDATE device_states SET (${STATE_COLUMNS}) = (SELECT ${STATE_COLUMNS} FROM devices WHERE id = $1)
         WHERE device_id = $1 AND until IS NULL`,
        [id],
      );
    },
  };
}
