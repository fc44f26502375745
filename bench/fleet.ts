// Figure 2: fleet queries over 1,000,000 devices, through the collector's read model (the code behind
// GET /api/v1/summary, /devices and /devices/:serial) on a database made by the collector's own migrations.
//
// The store has no bulk path (devices arrive one enrollment at a time), so the rows are written with SQL in
// bulk, in the store's own schema, in one transaction; the ~50 history entries of the devices whose detail
// is read go through the store (snapshots.addHistory with the collector's encodeBody). The file is cached
// in .build/bench/ keyed by the device count, the schema's migration version and this generator's
// version, so reruns only query. Then the store is closed once (PRAGMA optimize, as the collector does on
// shutdown) before the queries run.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../collector/store/sqlite/index.ts';
import { migrations } from '../collector/store/sqlite/open.ts';
import { createReadModel, encodeCursor, fleetParams } from '../collector/services/read-model.ts';
import { encodeBody } from '../collector/services/snapshot-body.ts';
import type { RuleConfig } from '../collector/rules/index.ts';
import { snapshotDigest } from '../agent/snapshot/index.ts';
import { ROOT, median, round } from './lib.ts';
import { benchDevice, nextUid, snapshotBody } from './bodies.ts';

/** Bump when the generated data changes shape, so a cached file is not reused. */
const GENERATOR = 1;
export const NOW = Date.parse('2026-03-02T12:00:00.000Z');
const DAY = 86_400_000;
const RULES: RuleConfig = { staleAfterSeconds: 7 * 86400, graceSeconds: {} };
const MODELS = ['Mac14,2', 'Mac14,9', 'Mac15,3', 'MacBookPro18,3', 'Mac13,1', 'MacBookPro16,1'];
const OS_VERSIONS = ['15.3.1', '15.2', '15.1', '14.7.4', '14.6.1', '13.7.2'];
const HISTORY_PER_DETAIL = 51;

export interface FleetQuery {
  name: string;
  rows: number;
  firstMs: number;
  medianMs: number;
  maxMs: number;
}

export interface FleetResult {
  devices: number;
  dbFile: string;
  dbBytes: number;
  generated: { seconds: number } | 'cached';
  openFindings: number;
  queries: FleetQuery[];
}

const serialOf = (i: number) => `F${String(i).padStart(9, '0')}`;
/** The devices with stored history: the one whose detail is read (mid-fleet, noncompliant) and one more. */
export const detailSerials = (n: number) => [serialOf(Math.floor(n / 20) * 10), serialOf(10)];

async function generateDb(file: string, n: number, log: (s: string) => void): Promise<number> {
  const t0 = performance.now();
  const tmp = `${file}.tmp-${process.pid}`;
  for (const ext of ['', '-wal', '-shm']) fs.rmSync(tmp + ext, { force: true });
  await openSqliteStore(tmp).close(); // the schema, by the collector's migrations
  const db = new Database(tmp);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const device = db.prepare(
    `INSERT INTO devices (id, serial, hardware_uuid, token_hash, token_issued_at, enrolled_at, last_seen, last_contact,
       console_user, digest, snapshot_id, collected_at, model, os_version, os_build, hostname, apple_silicon, agent_version,
       noncompliant_from, has_unknown)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'alice', ?, ?, ?, ?, ?, '24D70', ?, ?, '0.1.0', ?, ?)`,
  );
  const finding = db.prepare(
    `INSERT INTO findings (device_id, rule, user_name, first_seen, last_seen, resolved_at, pending_until, failing, reason)
     VALUES (?, ?, ?, ?, ?, ?, NULL, 1, ?)`,
  );
  db.transaction(() => {
    for (let i = 1; i <= n; i++) {
      // About 10% noncompliant, 2% stale (silent 20 days), 1% unknown; the rest compliant.
      const bad = i % 10 === 0;
      const stale = i % 50 === 7;
      const unknown = i % 100 === 3;
      const seen = stale ? NOW - 20 * DAY : NOW - (i % 86_400) * 1000;
      const h = createHash('sha256').update(String(i)).digest('hex');
      const silicon = i % 6 < 3 ? 1 : 0;
      device.run(
        i,
        serialOf(i),
        randomUUID().toUpperCase(),
        h,
        NOW - 90 * DAY,
        NOW - 90 * DAY,
        seen,
        seen,
        h.split('').reverse().join(''),
        randomUUID(),
        seen,
        MODELS[i % MODELS.length] as string,
        OS_VERSIONS[(i >> 3) % OS_VERSIONS.length] as string,
        `mac-${i}`,
        silicon,
        bad ? NOW - 3 * DAY : null,
        unknown ? 1 : 0,
      );
      if (bad) {
        const rule =
          i % 20 === 0
            ? 'filevault-off'
            : i % 30 === 0
              ? 'user-without-securetoken'
              : 'bootstrap-not-escrowed';
        finding.run(
          i,
          rule,
          rule === 'user-without-securetoken' ? 'bob' : '',
          NOW - 3 * DAY,
          seen,
          null,
          'synthetic finding',
        );
      }
      if (i % 25 === 1) {
        // A resolved finding: history the detail page shows, not counted anywhere.
        finding.run(
          i,
          'mdm-not-user-approved',
          '',
          NOW - 60 * DAY,
          NOW - 50 * DAY,
          NOW - 50 * DAY,
          'resolved synthetic finding',
        );
      }
      if (i % 100_000 === 0) log(`  ${i.toLocaleString('en-US')} devices`);
    }
  })();
  db.close();
  // History of the devices whose detail is read, through the store's own write path.
  const store = openSqliteStore(tmp);
  await store.withTransaction(async (tx) => {
    for (const serial of detailSerials(n)) {
      const dev = await tx.devices.bySerial(serial);
      if (!dev) throw new Error(`no ${serial}`);
      const d = benchDevice(serial, dev.hardwareUuid, '');
      for (let k = 0; k < HISTORY_PER_DETAIL; k++) {
        const at = NOW - (HISTORY_PER_DETAIL - k) * DAY;
        const text = snapshotBody(d, k > 0, new Date(at).toISOString());
        if (k > 0) d.uid = nextUid(d);
        const parsed = JSON.parse(text) as { id: string };
        const { body, encoding } = encodeBody(Buffer.from(text));
        await tx.snapshots.addHistory({
          deviceId: dev.id,
          snapshotId: parsed.id,
          digest: snapshotDigest(parsed),
          collectedAt: at,
          receivedAt: at,
          body,
          encoding,
        });
      }
    }
  });
  await store.close();
  for (const ext of ['-wal', '-shm']) fs.rmSync(tmp + ext, { force: true });
  fs.renameSync(tmp, file);
  return (performance.now() - t0) / 1000;
}

/** The cached database of `n` generated devices (generated first when missing): other benches reuse it. */
export async function fleetDatabase(
  n: number,
  log: (s: string) => void,
): Promise<{ file: string; generated: FleetResult['generated'] }> {
  const version = Math.max(...migrations().map((m) => m.version));
  const dir = path.join(ROOT, '.build', 'bench');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `fleet-${n}-schema${version}-gen${GENERATOR}.db`);
  if (fs.existsSync(file)) {
    log(`using cached ${path.relative(ROOT, file)}`);
    return { file, generated: 'cached' };
  }
  log(`generating ${n.toLocaleString('en-US')} devices into ${path.relative(ROOT, file)}`);
  return { file, generated: { seconds: round(await generateDb(file, n, log)) } };
}

export async function benchFleet(n: number, runs: number, log: (s: string) => void): Promise<FleetResult> {
  const { file, generated } = await fleetDatabase(n, log);
  const dbBytes = fs.statSync(file).size;
  const store = openSqliteStore(file);
  try {
    const rm = createReadModel(store, RULES);
    const at = new Date(NOW);
    const page = { limit: 100 };
    const queries: [string, () => Promise<unknown>][] = [
      ['summary (devices by status, by rule)', () => rm.summary(at)],
      [
        'metrics: failing findings by rule and state, stale devices',
        async () => ({ devices: await store.fleet.findingCounts(fleetParams(at, RULES)) }),
      ],
      ['devices, first page (100)', () => rm.listDevices({}, page, at)],
      ['devices status=noncompliant', () => rm.listDevices({ status: 'noncompliant' }, page, at)],
      ['devices status=unknown', () => rm.listDevices({ status: 'unknown' }, page, at)],
      ['devices status=compliant', () => rm.listDevices({ status: 'compliant' }, page, at)],
      ['devices rule=filevault-off', () => rm.listDevices({ rule: 'filevault-off' }, page, at)],
      [
        'devices rule=user-without-securetoken',
        () => rm.listDevices({ rule: 'user-without-securetoken' }, page, at),
      ],
      ['devices rule=stale', () => rm.listDevices({ rule: 'stale' }, page, at)],
      ['devices osVersion=14', () => rm.listDevices({ osVersion: '14' }, page, at)],
      [
        'devices osVersion=13.7.2 model=MacBookPro16,1',
        () => rm.listDevices({ osVersion: '13.7.2', model: 'MacBookPro16,1' }, page, at),
      ],
      ['devices model=Mac15,3', () => rm.listDevices({ model: 'Mac15,3' }, page, at)],
      ['devices seenSince=10 min ago', () => rm.listDevices({ seenSince: NOW - 600_000 }, page, at)],
      ['devices seenSince=2 days ago', () => rm.listDevices({ seenSince: NOW - 2 * DAY }, page, at)],
      [
        `devices status=noncompliant, page at serial ${(n * 0.9).toLocaleString('en-US')}`,
        () =>
          rm.listDevices(
            { status: 'noncompliant' },
            { cursor: encodeCursor(serialOf(Math.floor(n * 0.9))), limit: 100 },
            at,
          ),
      ],
      [
        'devices status=noncompliant rule=filevault-off osVersion=15',
        () => rm.listDevices({ status: 'noncompliant', rule: 'filevault-off', osVersion: '15' }, page, at),
      ],
      [
        `device detail (${HISTORY_PER_DETAIL - 1} changes shown)`,
        () => rm.device(detailSerials(n)[0] as string, at),
      ],
    ];
    const out: FleetQuery[] = [];
    let openFindings = 0;
    for (const [name, fn] of queries) {
      const times: number[] = [];
      let rows = 0;
      for (let r = 0; r < runs; r++) {
        const t = performance.now();
        const result = (await fn()) as {
          devices?: unknown[];
          history?: unknown[];
          byRule?: { devices: number }[];
        } | null;
        times.push(performance.now() - t);
        rows = result?.devices?.length ?? result?.history?.length ?? result?.byRule?.length ?? 0;
        if (result?.byRule) openFindings = result.byRule.reduce((a, b) => a + b.devices, 0);
      }
      const q = {
        name,
        rows,
        firstMs: round(times[0] ?? NaN),
        medianMs: round(median(times.slice(1))),
        maxMs: round(Math.max(...times)),
      };
      log(`${name}: first ${q.firstMs} ms, median ${q.medianMs} ms`);
      out.push(q);
    }
    return { devices: n, dbFile: path.relative(ROOT, file), dbBytes, generated, openFindings, queries: out };
  } finally {
    await store.close();
  }
}
