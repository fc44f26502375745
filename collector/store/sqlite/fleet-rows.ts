// What the fleet queries (fleet.ts now, fleet-at.ts at a past instant) share: a device row's columns and
// their reading, a device list's filter terms, the cache of prepared statements.
import type { Db } from './open.ts';
import { DEVICE_COLUMNS, toDevice } from '../rows.ts';
import type { DeviceRowRaw } from '../rows.ts';
import { toFacts } from './fact-columns.ts';
import type { FactColumnsRaw } from './fact-columns.ts';
import type { DeviceFilter, DeviceRow, DeviceStatus } from '../types.ts';

export const FACT_COUNT = `SELECT bootstrap_escrowed, bootstrap_usable, filevault_on, mdm_update, count(*) AS n`;

/** The device columns of a row (`d.` is the device), without its status, facts and stale contact. */
export const DEVICE_ROW_COLUMNS = `${DEVICE_COLUMNS.split(', ')
  .map((c) => `d.${c}`)
  .join(', ')}, d.model, d.os_build, d.hostname, d.apple_silicon, d.agent_version, d.last_console_user,
  d.mdm_update_reason, d.token_holders, d.tokenless_users`;

export interface FullRow extends DeviceRowRaw, FactColumnsRaw {
  model: string | null;
  os_version: string | null;
  os_build: string | null;
  hostname: string | null;
  apple_silicon: number | null;
  agent_version: string | null;
  last_console_user: string | null;
  status: DeviceStatus;
  identity_conflict: number;
  stale_contact: number | null;
}

export const toRow = (r: FullRow): DeviceRow => ({
  ...toDevice(r),
  model: r.model,
  osVersion: r.os_version,
  osBuild: r.os_build,
  hostname: r.hostname,
  appleSilicon: r.apple_silicon === null ? null : r.apple_silicon === 1,
  agentVersion: r.agent_version,
  ...toFacts(r),
  status: r.status,
  identityConflict: r.identity_conflict === 1,
  lastConsoleUser: r.last_console_user,
  staleContact: r.stale_contact,
});

/**
 * A device list's WHERE terms and arguments for a filter (`os` is the OS version column to read, `stale`
 * the condition the rule filter `stale` stands for), paging after a serial, ordered by serial.
 */
export function listSql(
  f: DeviceFilter,
  page: { after?: string; limit: number },
  cols: {
    os: string;
    mdmUpdate: string;
    stale: string;
    status: string;
    openRule: string;
    /** The devices in the fleet (not retired); `retired: 'only'` lists the others. */
    inFleet: string;
  },
  base: Record<string, string | number>,
): { where: string[]; args: Record<string, string | number> } {
  const where: string[] = [];
  const args: Record<string, string | number> = { ...base, limit: page.limit };
  if (page.after !== undefined) {
    where.push('d.serial > @after');
    args['after'] = page.after;
  }
  const retired = f.retired ?? 'exclude';
  if (retired !== 'include') where.push(retired === 'only' ? `NOT (${cols.inFleet})` : cols.inFleet);
  if (f.serial !== undefined) {
    where.push('d.serial = @serial');
    args['serial'] = f.serial;
  }
  if (f.model !== undefined) {
    where.push('d.model = @model');
    args['model'] = f.model;
  }
  if (f.osVersion !== undefined) {
    // "14" matches 14, 14.5, 14.5.1; "14.5" matches 14.5 and 14.5.x.
    where.push(
      `(${cols.os} = @osVersion OR (${cols.os} >= @osVersion || '.' AND ${cols.os} < @osVersion || '/'))`,
    );
    args['osVersion'] = f.osVersion;
  }
  if (f.mdmUpdate !== undefined) {
    where.push(`${cols.mdmUpdate} = @mdmUpdate`);
    args['mdmUpdate'] = f.mdmUpdate;
  }
  if (f.seenSince !== undefined) {
    where.push('d.last_seen >= @seenSince');
    args['seenSince'] = f.seenSince;
  }
  if (f.rule !== undefined) {
    if (f.rule === 'stale') where.push(cols.stale);
    else {
      where.push(cols.openRule);
      args['rule'] = f.rule;
    }
  }
  if (f.status !== undefined) {
    where.push(`(${cols.status}) = @status`);
    args['status'] = f.status;
  }
  return { where, args };
}

/** Prepared statements by their text (a list's shape depends on its filter). */
export function statementCache(db: Db) {
  const cache = new Map<string, ReturnType<Db['prepare']>>();
  return (sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
}
