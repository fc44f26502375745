// devices: identity, token hash, current state (extracted columns) and the verdict columns status is read from.
// Every change of the state columns a status or a report reads (setCurrent, a noncompliant instant moved
// by an exemption) closes the device's current entry in device_states and opens one from the change's time
// (state-history.ts), so the fleet's past can be read back (fleet.ts, the *At queries).
import type { Db } from './open.ts';
import type {
  CurrentSnapshotUpdate,
  DeviceDescription,
  DeviceStore,
  Millis,
  NewDevice,
  ReportFacts,
  Retirement,
} from '../types.ts';
import type { RuleId } from '../../rules/types.ts';
import { stateHistory } from './state-history.ts';
import { factColumns } from './fact-columns.ts';
import { DEVICE_COLUMNS, toDevice } from '../rows.ts';
import type { DeviceRowRaw } from '../rows.ts';

export function sqliteDevices(db: Db): DeviceStore {
  const byId = db.prepare<[number], DeviceRowRaw>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = ?`);
  const bySerial = db.prepare<[string], DeviceRowRaw>(
    `SELECT ${DEVICE_COLUMNS} FROM devices WHERE serial = ?`,
  );
  const byHw = db.prepare<[string], DeviceRowRaw>(
    `SELECT ${DEVICE_COLUMNS} FROM devices WHERE hardware_uuid = ?`,
  );
  const byToken = db.prepare<[string], DeviceRowRaw>(
    `SELECT ${DEVICE_COLUMNS} FROM devices WHERE token_hash = ?`,
  );
  const insert = db.prepare(
    `INSERT INTO devices (serial, hardware_uuid, token_hash, token_issued_at, token_issued_from, enrolled_at, last_contact, has_unknown)
     VALUES (@serial, @hardwareUuid, @tokenHash, @at, @remoteAddress, @at, @at, 1)`,
  );
  const issue = db.prepare(
    `UPDATE devices SET token_hash = @tokenHash, serial = @serial, hardware_uuid = @hardwareUuid, token_issued_at = @at,
       token_issued_from = @remoteAddress, revoked_at = NULL, last_contact = max(last_contact, @at),
       retired_at = NULL, retired_by = NULL, retired_reason = NULL WHERE id = @id`,
  );
  const revoke = db.prepare(`UPDATE devices SET token_hash = NULL, revoked_at = ? WHERE id = ?`);
  const retire = db.prepare(
    `UPDATE devices SET token_hash = NULL, revoked_at = coalesce(revoked_at, @at), retired_at = @at,
       retired_by = @by, retired_reason = @reason WHERE id = @id`,
  );
  const maxId = db.prepare<[], { id: number | null }>(`SELECT max(id) AS id FROM devices`);
  const reserve = db.prepare(
    `INSERT INTO devices (id, serial, hardware_uuid, enrolled_at, last_contact, has_unknown)
     VALUES (@id, @serial, @hardwareUuid, @at, @at, 1)`,
  );
  // History and findings go with the row (ON DELETE CASCADE). Its snapshot receipts stay until retention:
  // they hold random snapshot ids only this device's agent sent, and deleting them would scan the table.
  const remove = db.prepare(`DELETE FROM devices WHERE id = ?`);
  const touch = db.prepare(
    `UPDATE devices SET last_seen = max(coalesce(last_seen, 0), @at), last_contact = max(last_contact, @at),
       console_user = @consoleUser, last_console_user = coalesce(@consoleUser, last_console_user),
       clock_skew_seconds = @skew WHERE id = @id`,
  );
  const setCurrent = db.prepare(
    `UPDATE devices SET snapshot_id = @snapshotId, digest = @digest, collected_at = @collectedAt,
       ordered_at = @orderedAt, clock_skew_seconds = @clockSkewSeconds,
       last_seen = max(coalesce(last_seen, 0), @seenAt), last_contact = max(last_contact, @seenAt), console_user = @consoleUser,
       last_console_user = coalesce(@consoleUser, last_console_user),
       model = @model, os_version = @osVersion, os_build = @osBuild, hostname = @hostname, apple_silicon = @appleSilicon,
       agent_version = @agentVersion, noncompliant_from = @noncompliantFrom, has_unknown = @hasUnknown,
       bootstrap_escrowed = @bootstrapEscrowed, bootstrap_usable = @bootstrapUsable, filevault_on = @fileVaultOn,
       mdm_update = @mdmUpdate, mdm_update_reason = @mdmUpdateReason, token_holders = @tokenHolders,
       tokenless_users = @tokenlessUsers, facts_version = @factsVersion
     WHERE id = @id`,
  );
  const setNoncompliantFrom = db.prepare(
    `UPDATE devices SET noncompliant_from = ? WHERE id = ? AND noncompliant_from IS NOT ?`,
  );
  const setFacts = db.prepare(
    `UPDATE devices SET bootstrap_escrowed = @bootstrapEscrowed, bootstrap_usable = @bootstrapUsable,
       filevault_on = @fileVaultOn, mdm_update = @mdmUpdate, mdm_update_reason = @mdmUpdateReason,
       token_holders = @tokenHolders, tokenless_users = @tokenlessUsers, facts_version = @factsVersion
     WHERE id = @id AND snapshot_id = @snapshotId`,
  );
  const states = stateHistory(db);
  const idsForRule = db.prepare<[string], { device_id: number }>(
    `SELECT DISTINCT device_id FROM findings WHERE rule = ? AND resolved_at IS NULL`,
  );
  const idsAny = db.prepare<[], { device_id: number }>(
    `SELECT DISTINCT device_id FROM findings WHERE resolved_at IS NULL`,
  );

  const facts = db.prepare<
    [number],
    {
      model: string | null;
      os_version: string | null;
      os_build: string | null;
      hostname: string | null;
      apple_silicon: number | null;
      agent_version: string | null;
    }
  >(`SELECT model, os_version, os_build, hostname, apple_silicon, agent_version FROM devices WHERE id = ?`);
  const silent = db.prepare<[number, number], { id: number }>(
    `SELECT id FROM devices WHERE last_contact > ? AND last_contact <= ? ORDER BY id`,
  );

  const one = (r: DeviceRowRaw | undefined) => (r ? toDevice(r) : null);
  return {
    byId: async (id) => one(byId.get(id)),
    bySerial: async (s) => one(bySerial.get(s)),
    byHardwareUuid: async (h) => one(byHw.get(h)),
    byTokenHash: async (t) => one(byToken.get(t)),
    async create(d: NewDevice) {
      const info = insert.run({ ...d, remoteAddress: d.remoteAddress ?? null });
      return toDevice(byId.get(Number(info.lastInsertRowid)) as DeviceRowRaw);
    },
    async issueToken(id: number, t: NewDevice) {
      issue.run({ ...t, remoteAddress: t.remoteAddress ?? null, id });
    },
    async revoke(id: number, at: Millis) {
      revoke.run(at, id);
    },
    async retire(id: number, r: Retirement) {
      retire.run({ id, at: r.at, by: r.by, reason: r.reason });
    },
    async replace(ids, d) {
      // Taken before the removal: SQLite would otherwise give the new row a removed id back.
      const id = (maxId.get()?.id ?? 0) + 1;
      for (const removed of ids) remove.run(removed);
      reserve.run({ ...d, id });
      return toDevice(byId.get(id) as DeviceRowRaw);
    },
    async touch(id: number, at: Millis, consoleUser: string | null, clockSkewSeconds: number | null) {
      touch.run({ at, consoleUser, skew: clockSkewSeconds, id });
    },
    async setCurrent(id: number, u: CurrentSnapshotUpdate) {
      setCurrent.run({
        ...factColumns(u.facts, u.factsVersion),
        id,
        snapshotId: u.snapshotId,
        digest: u.digest,
        collectedAt: u.collectedAt,
        orderedAt: u.orderedAt,
        clockSkewSeconds: u.clockSkewSeconds,
        seenAt: u.seenAt,
        consoleUser: u.consoleUser,
        model: u.facts.model,
        osVersion: u.facts.osVersion,
        osBuild: u.facts.osBuild,
        hostname: u.facts.hostname,
        appleSilicon: u.facts.appleSilicon === null ? null : u.facts.appleSilicon ? 1 : 0,
        agentVersion: u.facts.agentVersion,
        noncompliantFrom: u.verdict.noncompliantFrom,
        hasUnknown: u.verdict.hasUnknown ? 1 : 0,
      });
      states.changed(id, u.seenAt);
    },
    async setNoncompliantFrom(id: number, at: Millis | null, changedAt: Millis) {
      if (setNoncompliantFrom.run(at, id, at).changes > 0) states.changed(id, changedAt);
    },
    async setReportFacts(id: number, snapshotId: string, facts: ReportFacts, version: number) {
      if (setFacts.run({ ...factColumns(facts, version), id, snapshotId }).changes > 0) states.refresh(id);
    },
    async idsWithOpenFindings(rule: RuleId | null) {
      const rows = rule === null ? idsAny.all() : idsForRule.all(rule);
      return rows.map((r) => r.device_id);
    },
    async facts(id: number): Promise<DeviceDescription | null> {
      const r = facts.get(id);
      if (!r) return null;
      return {
        model: r.model,
        osVersion: r.os_version,
        osBuild: r.os_build,
        hostname: r.hostname,
        appleSilicon: r.apple_silicon === null ? null : r.apple_silicon === 1,
        agentVersion: r.agent_version,
      };
    },
    async lastContactBetween(from: Millis, to: Millis) {
      return silent.all(from, to).map((r) => r.id);
    },
  };
}
