// devices: identity, token hash, current state (extracted columns, one row per device updated in place)
// and the verdict columns status is read from.
import type { Sql } from './sql.ts';
import type {
  CurrentSnapshotUpdate,
  DeviceDescription,
  DeviceRecord,
  DeviceStore,
  Millis,
  NewDevice,
  ReportFacts,
  Retirement,
} from '../types.ts';
import { stateHistory } from './state-history.ts';
import { DEVICE_COLUMNS, toDevice } from '../rows.ts';
import type { DeviceRowRaw } from '../rows.ts';

/** The report facts as the devices columns take them, in their order (bootstrap_escrowed ... facts_version). */
export const factValues = (f: ReportFacts, version: number): unknown[] => [
  f.bootstrapEscrowed,
  f.bootstrapUsable,
  f.fileVaultOn,
  f.mdmUpdate,
  f.mdmUpdateReason,
  f.tokenHolders === null ? null : JSON.stringify(f.tokenHolders),
  f.tokenlessUsers === null ? null : JSON.stringify(f.tokenlessUsers),
  version,
];
import type { RuleId } from '../../rules/types.ts';

const BY = (column: string) => `SELECT ${DEVICE_COLUMNS} FROM devices WHERE ${column} = $1`;

export function postgresDevices(sql: Sql): DeviceStore {
  const states = stateHistory(sql);
  const one = async (text: string, value: unknown): Promise<DeviceRecord | null> => {
    const [r] = await sql.rows<DeviceRowRaw>(text, [value]);
    return r ? toDevice(r) : null;
  };
  return {
    byId: (id) => one(BY('id'), id),
    bySerial: (s) => one(BY('serial'), s),
    byHardwareUuid: (h) => one(BY('hardware_uuid'), h),
    byTokenHash: (t) => one(BY('token_hash'), t),
    async create(d: NewDevice) {
      const [r] = await sql.rows<DeviceRowRaw>(
        `INSERT INTO devices (serial, hardware_uuid, token_hash, token_issued_at, token_issued_from, enrolled_at, last_contact, has_unknown)
         VALUES ($1, $2, $3, $4, $5, $4, $4, true) RETURNING ${DEVICE_COLUMNS}`,
        [d.serial, d.hardwareUuid, d.tokenHash, d.at, d.remoteAddress ?? null],
      );
      return toDevice(r as DeviceRowRaw);
    },
    async issueToken(id: number, t: NewDevice) {
      await sql.count(
        `UPDATE devices SET token_hash = $1, serial = $2, hardware_uuid = $3, token_issued_at = $4,
           token_issued_from = $5, revoked_at = NULL, last_contact = greatest(last_contact, $4),
           retired_at = NULL, retired_by = NULL, retired_reason = NULL WHERE id = $6`,
        [t.tokenHash, t.serial, t.hardwareUuid, t.at, t.remoteAddress ?? null, id],
      );
    },
    async revoke(id: number, at: Millis) {
      await sql.count(`UPDATE devices SET token_hash = NULL, revoked_at = $1 WHERE id = $2`, [at, id]);
    },
    async retire(id: number, r: Retirement) {
      await sql.count(
        `UPDATE devices SET token_hash = NULL, revoked_at = coalesce(revoked_at, $2), retired_at = $2,
           retired_by = $3, retired_reason = $4 WHERE id = $1`,
        [id, r.at, r.by, r.reason],
      );
    },
    async replace(ids, d) {
      // History and findings go with the rows (ON DELETE CASCADE); receipts stay until retention. The new
      // row's id comes from the identity sequence: above every id ever given, removed ones included.
      await sql.count(`DELETE FROM devices WHERE id = ANY($1::bigint[])`, [ids]);
      const [r] = await sql.rows<DeviceRowRaw>(
        `INSERT INTO devices (serial, hardware_uuid, enrolled_at, last_contact, has_unknown)
         VALUES ($1, $2, $3, $3, true) RETURNING ${DEVICE_COLUMNS}`,
        [d.serial, d.hardwareUuid, d.at],
      );
      return toDevice(r as DeviceRowRaw);
    },
    async touch(id: number, at: Millis, consoleUser: string | null, clockSkewSeconds: number | null) {
      await sql.count(
        `UPDATE devices SET last_seen = greatest(coalesce(last_seen, 0), $1), last_contact = greatest(last_contact, $1),
           console_user = $2, last_console_user = coalesce($2, last_console_user), clock_skew_seconds = $3
         WHERE id = $4`,
        [at, consoleUser, clockSkewSeconds, id],
      );
    },
    async setCurrent(id: number, u: CurrentSnapshotUpdate) {
      await sql.count(
        `UPDATE devices SET snapshot_id = $2, digest = $3, collected_at = $4, ordered_at = $5, clock_skew_seconds = $6,
           last_seen = greatest(coalesce(last_seen, 0), $7), last_contact = greatest(last_contact, $7), console_user = $8,
           model = $9, os_version = $10, os_build = $11, hostname = $12, apple_silicon = $13, agent_version = $14,
           noncompliant_from = $15, has_unknown = $16, last_console_user = coalesce($8, last_console_user),
           bootstrap_escrowed = $17, bootstrap_usable = $18, filevault_on = $19, mdm_update = $20,
           mdm_update_reason = $21, token_holders = $22, tokenless_users = $23, facts_version = $24
         WHERE id = $1`,
        [
          id,
          u.snapshotId,
          u.digest,
          u.collectedAt,
          u.orderedAt,
          u.clockSkewSeconds,
          u.seenAt,
          u.consoleUser,
          u.facts.model,
          u.facts.osVersion,
          u.facts.osBuild,
          u.facts.hostname,
          u.facts.appleSilicon,
          u.facts.agentVersion,
          u.verdict.noncompliantFrom,
          u.verdict.hasUnknown,
          ...factValues(u.facts, u.factsVersion),
        ],
      );
      await states.changed(id, u.seenAt);
    },
    async setNoncompliantFrom(id: number, at: Millis | null, changedAt: Millis) {
      const moved = await sql.count(
        `UPDATE devices SET noncompliant_from = $1 WHERE id = $2 AND noncompliant_from IS DISTINCT FROM $1`,
        [at, id],
      );
      if (moved > 0) await states.changed(id, changedAt);
    },
    async setReportFacts(id: number, snapshotId: string, facts: ReportFacts, version: number) {
      const set = await sql.count(
        `UPDATE devices SET bootstrap_escrowed = $3, bootstrap_usable = $4, filevault_on = $5, mdm_update = $6,
           mdm_update_reason = $7, token_holders = $8, tokenless_users = $9, facts_version = $10
         WHERE id = $1 AND snapshot_id = $2`,
        [id, snapshotId, ...factValues(facts, version)],
      );
      if (set > 0) await states.refresh(id);
    },
    async idsWithOpenFindings(rule: RuleId | null) {
      const rows =
        rule === null
          ? await sql.rows<{ device_id: number }>(
              `SELECT DISTINCT device_id FROM findings WHERE resolved_at IS NULL`,
            )
          : await sql.rows<{ device_id: number }>(
              `SELECT DISTINCT device_id FROM findings WHERE rule = $1 AND resolved_at IS NULL`,
              [rule],
            );
      return rows.map((r) => r.device_id);
    },
    async facts(id: number): Promise<DeviceDescription | null> {
      const [r] = await sql.rows<{
        model: string | null;
        os_version: string | null;
        os_build: string | null;
        hostname: string | null;
        apple_silicon: boolean | null;
        agent_version: string | null;
      }>(
        `SELECT model, os_version, os_build, hostname, apple_silicon, agent_version FROM devices WHERE id = $1`,
        [id],
      );
      if (!r) return null;
      return {
        model: r.model,
        osVersion: r.os_version,
        osBuild: r.os_build,
        hostname: r.hostname,
        appleSilicon: r.apple_silicon,
        agentVersion: r.agent_version,
      };
    },
    async lastContactBetween(from: Millis, to: Millis) {
      const rows = await sql.rows<{ id: number }>(
        `SELECT id FROM devices WHERE last_contact > $1 AND last_contact <= $2 ORDER BY id`,
        [from, to],
      );
      return rows.map((r) => r.id);
    },
  };
}
