// identity_conflicts: enrollments whose serial or hardware UUID is enrolled with another identity, with the
// devices they met as they were (jsonb copies taken from the devices table when the conflict opened).
import type { Sql } from './sql.ts';
import type {
  ConflictHolder,
  ConflictResolution,
  IdentityConflictRecord,
  IdentityConflictStore,
  NewIdentityConflict,
} from '../types.ts';

interface ConflictRow {
  id: number;
  serial: string;
  hardware_uuid: string;
  first_at: number;
  last_at: number;
  attempts: number;
  first_address: string | null;
  last_address: string | null;
  serial_holder: Partial<ConflictHolder> | null;
  uuid_holder: Partial<ConflictHolder> | null;
  resolved_at: number | null;
  resolution: string | null;
  resolved_by: string | null;
}

const COLUMNS = `id, serial, hardware_uuid, first_at, last_at, attempts, first_address, last_address, serial_holder,
  uuid_holder, resolved_at, resolution, resolved_by`;

/** The jsonb copy of a device row the conflict keeps (what ConflictHolder reads back). */
const holderOf = (
  param: string,
) => `(SELECT jsonb_build_object('serial', serial, 'hardwareUuid', hardware_uuid,
  'enrolledAt', enrolled_at, 'tokenIssuedAt', token_issued_at, 'tokenIssuedFrom', token_issued_from,
  'lastContact', last_contact, 'lastSeen', last_seen) FROM devices WHERE id = ${param})`;

function holder(h: Partial<ConflictHolder> | null): ConflictHolder | null {
  if (h === null) return null;
  return {
    serial: String(h.serial),
    hardwareUuid: String(h.hardwareUuid),
    enrolledAt: Number(h.enrolledAt),
    tokenIssuedAt: h.tokenIssuedAt ?? null,
    tokenIssuedFrom: h.tokenIssuedFrom ?? null,
    lastContact: Number(h.lastContact),
    lastSeen: h.lastSeen ?? null,
  };
}

const toConflict = (r: ConflictRow): IdentityConflictRecord => ({
  id: r.id,
  serial: r.serial,
  hardwareUuid: r.hardware_uuid,
  firstAt: r.first_at,
  lastAt: r.last_at,
  attempts: r.attempts,
  firstAddress: r.first_address,
  lastAddress: r.last_address,
  serialHolder: holder(r.serial_holder),
  uuidHolder: holder(r.uuid_holder),
  resolvedAt: r.resolved_at,
  resolution: r.resolution as ConflictResolution | null,
  resolvedBy: r.resolved_by,
});

export function postgresIdentityConflicts(sql: Sql): IdentityConflictStore {
  const get = async (id: number) => {
    const [r] = await sql.rows<ConflictRow>(`SELECT ${COLUMNS} FROM identity_conflicts WHERE id = $1`, [id]);
    return r ? toConflict(r) : null;
  };
  return {
    async standing(serial, hardwareUuid) {
      const [r] = await sql.rows<ConflictRow>(
        `SELECT ${COLUMNS} FROM identity_conflicts WHERE serial = $1 AND hardware_uuid = $2
           AND (resolved_at IS NULL OR resolution = 'existing') ORDER BY id DESC LIMIT 1`,
        [serial, hardwareUuid],
      );
      return r ? toConflict(r) : null;
    },
    async open(c: NewIdentityConflict) {
      // A missing holder id selects no row: the copy is NULL.
      const [r] = await sql.rows<ConflictRow>(
        `INSERT INTO identity_conflicts (serial, hardware_uuid, first_at, last_at, first_address, last_address,
           serial_holder, uuid_holder)
         VALUES ($1, $2, $3, $3, $4, $4, ${holderOf('$5::bigint')}, ${holderOf('$6::bigint')})
         RETURNING ${COLUMNS}`,
        [c.serial, c.hardwareUuid, c.at, c.address, c.serialHolderId, c.uuidHolderId],
      );
      return toConflict(r as ConflictRow);
    },
    async attempt(id, at, address) {
      await sql.count(
        `UPDATE identity_conflicts SET attempts = attempts + 1, last_at = greatest(last_at, $2), last_address = $3
         WHERE id = $1`,
        [id, at, address],
      );
    },
    async resolve(id, r: { at: number; resolution: ConflictResolution; by: string }) {
      await sql.count(
        `UPDATE identity_conflicts SET resolved_at = $2, resolution = $3, resolved_by = $4 WHERE id = $1`,
        [id, r.at, r.resolution, r.by],
      );
    },
    get,
    async list({ state, serial, before, limit }) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (state === 'open') where.push('resolved_at IS NULL');
      if (state === 'resolved') where.push('resolved_at IS NOT NULL');
      if (serial !== undefined) {
        args.push(serial);
        where.push(`(serial = $${args.length} OR uuid_holder ->> 'serial' = $${args.length})`);
      }
      if (before !== undefined) {
        args.push(before);
        where.push(`id < $${args.length}`);
      }
      args.push(limit);
      const rows = await sql.rows<ConflictRow>(
        `SELECT ${COLUMNS} FROM identity_conflicts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY id DESC LIMIT $${args.length}`,
        args,
      );
      return rows.map(toConflict);
    },
    async countOpen() {
      const [r] = await sql.rows<{ n: number }>(
        `SELECT count(*) AS n FROM identity_conflicts WHERE resolved_at IS NULL`,
      );
      return r?.n ?? 0;
    },
  };
}
