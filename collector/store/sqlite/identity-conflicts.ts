// identity_conflicts: enrollments whose serial or hardware UUID is enrolled with another identity, with the
// devices they met as they were (JSON copies taken from the devices table when the conflict opened).
import type { Db } from './open.ts';
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
  serial_holder: string | null;
  uuid_holder: string | null;
  resolved_at: number | null;
  resolution: string | null;
  resolved_by: string | null;
}

/** The JSON copy of a device row the conflict keeps (what ConflictHolder reads back). */
const HOLDER_JSON = `(SELECT json_object('serial', serial, 'hardwareUuid', hardware_uuid, 'enrolledAt', enrolled_at,
  'tokenIssuedAt', token_issued_at, 'tokenIssuedFrom', token_issued_from, 'lastContact', last_contact,
  'lastSeen', last_seen) FROM devices WHERE id = ?)`;

function holder(json: string | null): ConflictHolder | null {
  if (json === null) return null;
  const h = JSON.parse(json) as Partial<ConflictHolder>;
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

function toConflict(r: ConflictRow): IdentityConflictRecord {
  return {
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
  };
}

export function sqliteIdentityConflicts(db: Db): IdentityConflictStore {
  const standing = db.prepare<[string, string], ConflictRow>(
    `SELECT * FROM identity_conflicts WHERE serial = ? AND hardware_uuid = ?
       AND (resolved_at IS NULL OR resolution = 'existing') ORDER BY id DESC LIMIT 1`,
  );
  const insert = db.prepare<[string, string, number, number, string | null, string | null, number, number]>(
    `INSERT INTO identity_conflicts (serial, hardware_uuid, first_at, last_at, first_address, last_address,
       serial_holder, uuid_holder)
     VALUES (?, ?, ?, ?, ?, ?, ${HOLDER_JSON}, ${HOLDER_JSON})`,
  );
  const attempt = db.prepare(
    `UPDATE identity_conflicts SET attempts = attempts + 1, last_at = max(last_at, @at), last_address = @address
     WHERE id = @id`,
  );
  const resolve = db.prepare(
    `UPDATE identity_conflicts SET resolved_at = @at, resolution = @resolution, resolved_by = @by WHERE id = @id`,
  );
  const get = db.prepare<[number], ConflictRow>(`SELECT * FROM identity_conflicts WHERE id = ?`);
  const countOpen = db.prepare<[], { n: number }>(
    `SELECT count(*) AS n FROM identity_conflicts WHERE resolved_at IS NULL`,
  );

  return {
    async standing(serial, hardwareUuid) {
      const r = standing.get(serial, hardwareUuid);
      return r ? toConflict(r) : null;
    },
    async open(c: NewIdentityConflict) {
      // A missing holder id selects no row: the JSON copy is NULL.
      const info = insert.run(
        c.serial,
        c.hardwareUuid,
        c.at,
        c.at,
        c.address,
        c.address,
        c.serialHolderId ?? 0,
        c.uuidHolderId ?? 0,
      );
      return toConflict(get.get(Number(info.lastInsertRowid)) as ConflictRow);
    },
    async attempt(id, at, address) {
      attempt.run({ id, at, address });
    },
    async resolve(id, r: { at: number; resolution: ConflictResolution; by: string }) {
      resolve.run({ id, ...r });
    },
    async get(id) {
      const r = get.get(id);
      return r ? toConflict(r) : null;
    },
    async list({ state, serial, before, limit }) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (state === 'open') where.push('resolved_at IS NULL');
      if (state === 'resolved') where.push('resolved_at IS NOT NULL');
      if (serial !== undefined) {
        where.push(`(serial = ? OR json_extract(uuid_holder, '$.serial') = ?)`);
        args.push(serial, serial);
      }
      if (before !== undefined) {
        where.push('id < ?');
        args.push(before);
      }
      const sql = `SELECT * FROM identity_conflicts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT ?`;
      return db
        .prepare<(string | number)[], ConflictRow>(sql)
        .all(...args, limit)
        .map(toConflict);
    },
    async countOpen() {
      return countOpen.get()?.n ?? 0;
    },
  };
}
