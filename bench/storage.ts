// Figure 3: storage growth. The collector's own ingest (ingestSnapshot / ingestCheckin from
// collector/services/ingest.ts over the SQLite store), in this process, on three fresh databases with the same
// devices and the same first upload each; then N more per device: unchanged uploads, check-ins, or
// changed uploads. Bytes are SQLite's own page accounting (dbstat) after a WAL checkpoint, per table with
// its indexes.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../collector/store/sqlite/index.ts';
import { ingestCheckin, ingestSnapshot } from '../collector/services/ingest.ts';
import type { AuthenticatedDevice } from '../collector/services/ingest.ts';
import type { RuleConfig } from '../collector/rules/index.ts';
import type { Checkin, Snapshot } from '../agent/snapshot/index.ts';
import { tempDir } from './lib.ts';
import { benchDevice, checkinBody, nextUid, snapshotBody } from './bodies.ts';
import type { BenchDevice } from './bodies.ts';

const RULES: RuleConfig = { staleAfterSeconds: 7 * 86400, graceSeconds: {} };
const T0 = Date.parse('2026-03-02T12:00:00.000Z');

export type Mode = 'first upload only' | 'unchanged' | 'checkin' | 'changed';

export interface StorageRow {
  mode: Mode;
  uploadsPerDevice: number;
  /** Bytes per device: all tables, and the two that can grow with uploads. */
  totalPerDevice: number;
  historyPerDevice: number;
  receiptsPerDevice: number;
  historyRows: number;
}

export interface StorageResult {
  devices: number;
  uploads: number;
  bodyBytes: number;
  rows: StorageRow[];
}

function measure(file: string, devices: number, mode: Mode, uploads: number): StorageRow {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const sizes = new Map<string, number>();
    const owner = new Map<string, string>(
      (
        db.prepare(`SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')`).all() as {
          name: string;
          tbl_name: string;
        }[]
      ).map((r) => [r.name, r.tbl_name]),
    );
    for (const r of db.prepare(`SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name`).all() as {
      name: string;
      bytes: number;
    }[]) {
      const table = owner.get(r.name) ?? r.name;
      sizes.set(table, (sizes.get(table) ?? 0) + r.bytes);
    }
    const total =
      (db.pragma('page_count', { simple: true }) as number) *
      (db.pragma('page_size', { simple: true }) as number);
    const historyRows = (db.prepare('SELECT count(*) AS n FROM snapshot_history').get() as { n: number }).n;
    return {
      mode,
      uploadsPerDevice: uploads,
      totalPerDevice: Math.round(total / devices),
      historyPerDevice: Math.round((sizes.get('snapshot_history') ?? 0) / devices),
      receiptsPerDevice: Math.round((sizes.get('snapshot_receipts') ?? 0) / devices),
      historyRows,
    };
  } finally {
    db.close();
  }
}

async function run(
  dir: string,
  mode: Mode,
  devices: number,
  uploads: number,
): Promise<{ row: StorageRow; bodyBytes: number; base?: StorageRow }> {
  const file = path.join(dir, `${mode.replace(/\W+/g, '-')}.db`);
  const store = openSqliteStore(file);
  const deps = { store, rules: RULES };
  let t = T0;
  const now = () => new Date((t += 1000));
  const devs: { auth: AuthenticatedDevice; d: BenchDevice }[] = [];
  let bodyBytes = 0;
  for (let i = 0; i < devices; i++) {
    const serial = `S${String(i).padStart(9, '0')}`;
    const hardwareUuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const rec = await store.devices.create({ serial, hardwareUuid, tokenHash: `h${i}`, at: T0 });
    devs.push({ auth: { id: rec.id, serial, hardwareUuid }, d: benchDevice(serial, hardwareUuid, '') });
  }
  const upload = async (x: (typeof devs)[number], changed: boolean) => {
    const at = now();
    const first = x.d.digest === null;
    const text = snapshotBody(x.d, changed, at.toISOString());
    bodyBytes = Buffer.byteLength(text);
    const r = await ingestSnapshot(deps, x.auth, JSON.parse(text) as Snapshot, Buffer.from(text), at);
    if (changed) x.d.uid = nextUid(x.d);
    x.d.digest = r.digest;
    if (r.changed !== (changed || first))
      throw new Error(`${x.auth.serial}: changed=${r.changed}, expected ${changed || first}`);
  };
  for (const x of devs) await upload(x, false);
  // The first upload only (the same in the three databases): measured on the first one, store still open.
  const base = mode === 'unchanged' ? measure(file, devices, 'first upload only', 1) : undefined;
  for (let k = 0; k < uploads; k++) {
    for (const x of devs) {
      if (mode === 'checkin') {
        const at = now();
        await ingestCheckin(deps, x.auth, JSON.parse(checkinBody(x.d, at.toISOString())) as Checkin, at);
      } else {
        await upload(x, mode === 'changed');
      }
    }
  }
  await store.close();
  const row = measure(file, devices, mode, 1 + uploads);
  return { row, bodyBytes, ...(base ? { base } : {}) };
}

export async function benchStorage(
  devices: number,
  uploads: number,
  log: (s: string) => void,
): Promise<StorageResult> {
  const dir = tempDir('tw-bench-storage-');
  try {
    const unchanged = await run(dir, 'unchanged', devices, uploads);
    const checkin = await run(dir, 'checkin', devices, uploads);
    const changed = await run(dir, 'changed', devices, uploads);
    const rows = [unchanged.base as StorageRow, unchanged.row, checkin.row, changed.row];
    for (const r of rows)
      log(
        `${r.mode} x${r.uploadsPerDevice}: ${r.totalPerDevice} B/device (history ${r.historyPerDevice}, receipts ${r.receiptsPerDevice})`,
      );
    return { devices, uploads, bodyBytes: changed.bodyBytes, rows };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
