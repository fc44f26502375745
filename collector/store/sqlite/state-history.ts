// device_states: the history of the device columns a status and a report read, one entry per change. The
// entry open now (until NULL) mirrors the device row; a change closes it at the change's time and opens the
// next from there. Two changes in the same millisecond leave one entry, the later state; a change dated
// before the open entry (the collector's clock set back) counts as made when that entry began.
import type { Db } from './open.ts';

const STATE_COLUMNS =
  'snapshot_id, noncompliant_from, has_unknown, os_version, bootstrap_escrowed, bootstrap_usable, filevault_on, mdm_update, mdm_update_reason';

export function stateHistory(db: Db) {
  const close = db.prepare(
    `UPDATE device_states SET until = @at WHERE device_id = @id AND until IS NULL AND since < @at`,
  );
  const open = db.prepare(
    `INSERT INTO device_states (device_id, since, until, ${STATE_COLUMNS})
       SELECT id, @at, NULL, ${STATE_COLUMNS} FROM devices WHERE id = @id
     ON CONFLICT (device_id, since) DO UPDATE SET until = NULL, ${STATE_COLUMNS.split(', ')
       .map((c) => `${c} = excluded.${c}`)
       .join(', ')}`,
  );
  const openSince = db.prepare<[number], { since: number }>(
    `SELECT since FROM device_states WHERE device_id = ? AND until IS NULL`,
  );
  const refresh = db.prepare(
    `UPDATE device_states SET (${STATE_COLUMNS}) = (SELECT ${STATE_COLUMNS} FROM devices WHERE id = @id)
     WHERE device_id = @id AND until IS NULL`,
  );
  return {
    /** The device's state columns changed at `at`. */
    changed(id: number, changedAt: number): void {
      const at = Math.max(changedAt, openSince.get(id)?.since ?? changedAt);
      close.run({ id, at });
      open.run({ id, at });
    },
    /** The current entry takes the device row's columns again (facts filled in, no change of state). */
    refresh(id: number): void {
      refresh.run({ id });
    },
  };
}
