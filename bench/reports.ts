// Figure 5: tokenwatch report over 1,000,000 devices: the summary (GET /api/v1/summary's read model), the
// first page of the device list, the CSV of every noncompliant device written by the real command
// (`tokenwatch report --db FILE --format csv --status noncompliant --out FILE`, a child process: its wall
// time and peak RSS), and the summary as of ten days ago (reconstructed from the state history).
//
// The database is the collector's schema (its migrations) filled with SQL in bulk: about 10% of devices
// noncompliant (filevault-off, user-without-securetoken, bootstrap-not-escrowed; each turned noncompliant
// three days ago, so each has two state-history rows), 2% stale, 1% unknown; the report facts (escrowed,
// usable, FileVault, MDM update verdict) on every device. Its instants are relative to the day it is made
// (the command reads the real clock), so it is cached in .build/bench/ per day, schema and generator.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../collector/store/sqlite/index.ts';
import { migrations } from '../collector/store/sqlite/open.ts';
import { createReadModel } from '../collector/services/read-model.ts';
import type { RuleConfig } from '../collector/rules/index.ts';
import { ROOT, median, round } from './lib.ts';

const GENERATOR = 1;
const DAY = 86_400_000;
export const RULES: RuleConfig = { staleAfterSeconds: 7 * 86400, graceSeconds: {} };
const MODELS = ['Mac14,2', 'Mac14,9', 'Mac15,3', 'MacBookPro18,3', 'Mac13,1', 'MacBookPro16,1'];
const OS_VERSIONS = ['15.3.1', '15.2', '15.1', '14.7.4', '14.6.1', '13.7.2'];

export const REPORT_TARGETS = {
  summaryMs: 500,
  firstPageMs: 100,
  csvSeconds: 5,
  csvRssMiB: 256,
  asOfMs: 2000,
};

export interface ReportsResult {
  devices: number;
  dbFile: string;
  dbBytes: number;
  generated: { seconds: number } | 'cached';
  runs: number;
  summaryMs: { first: number; median: number };
  firstPageMs: { first: number; median: number };
  asOfMs: { first: number; median: number };
  csv: { seconds: number; peakRssMiB: number; rows: number; bytes: number; noncompliant: number };
}

const serialOf = (i: number) => `R${String(i).padStart(9, '0')}`;

function generate(file: string, n: number, now: number, log: (s: string) => void): Promise<number> {
  const t0 = performance.now();
  const tmp = `${file}.tmp-${process.pid}`;
  for (const ext of ['', '-wal', '-shm']) fs.rmSync(tmp + ext, { force: true });
  return openSqliteStore(tmp)
    .close()
    .then(() => {
      const db = new Database(tmp);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = OFF');
      db.pragma('cache_size = -262144');
      const device = db.prepare(
        `INSERT INTO devices (id, serial, hardware_uuid, token_hash, token_issued_at, enrolled_at, last_seen, last_contact,
           console_user, digest, snapshot_id, collected_at, model, os_version, os_build, hostname, apple_silicon, agent_version,
           noncompliant_from, has_unknown, bootstrap_escrowed, bootstrap_usable, filevault_on, mdm_update, mdm_update_reason,
           token_holders, tokenless_users, last_console_user, facts_version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'alice', ?, ?, ?, ?, ?, '24D70', ?, ?, '0.1.0', ?, ?, ?, ?, ?, ?, ?, '["alice"]', ?, 'alice', 1)`,
      );
      const state = db.prepare(
        `INSERT INTO device_states (device_id, since, until, snapshot_id, noncompliant_from, has_unknown, os_version,
           bootstrap_escrowed, bootstrap_usable, filevault_on, mdm_update, mdm_update_reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const finding = db.prepare(
        `INSERT INTO findings (device_id, rule, user_name, first_seen, last_seen, resolved_at, pending_until, failing, reason)
         VALUES (?, ?, ?, ?, ?, NULL, NULL, 1, ?)`,
      );
      db.transaction(() => {
        for (let i = 1; i <= n; i++) {
          const bad = i % 10 === 0;
          const stale = i % 50 === 7;
          const unknown = i % 100 === 3;
          const seen = stale ? now - 20 * DAY : now - (i % 86_400) * 1000;
          const h = createHash('sha256').update(String(i)).digest('hex');
          const silicon = i % 6 < 3 ? 1 : 0;
          const rule = !bad
            ? null
            : i % 20 === 0
              ? 'filevault-off'
              : i % 30 === 0
                ? 'user-without-securetoken'
                : 'bootstrap-not-escrowed';
          const escrowed = rule === 'bootstrap-not-escrowed' ? 0 : 1;
          const usable = escrowed === 1 && i % 40 !== 5 ? 1 : 0;
          const fileVault = rule === 'filevault-off' ? 0 : 1;
          const verdict = silicon ? (usable ? 'yes' : 'no') : 'not_applicable';
          const why = verdict === 'no' ? 'the Mac says its Bootstrap Token is not escrowed' : null;
          const os = OS_VERSIONS[(i >> 3) % OS_VERSIONS.length] as string;
          const snapshot = randomUUID();
          const enrolled = now - 90 * DAY;
          const since = now - 3 * DAY;
          device.run(
            i,
            serialOf(i),
            randomUUID().toUpperCase(),
            h,
            enrolled,
            enrolled,
            seen,
            seen,
            h.split('').reverse().join(''),
            snapshot,
            seen,
            MODELS[i % MODELS.length] as string,
            os,
            `mac-${i}`,
            silicon,
            bad ? since : null,
            unknown ? 1 : 0,
            escrowed,
            usable,
            fileVault,
            verdict,
            why,
            rule === 'user-without-securetoken' ? '["bob"]' : '[]',
          );
          // The state history: compliant from enrollment; the bad ones changed three days ago.
          const facts = [os, escrowed, usable, fileVault, verdict, why] as const;
          if (bad) {
            state.run(
              i,
              enrolled,
              since,
              randomUUID(),
              null,
              0,
              os,
              1,
              1,
              1,
              silicon ? 'yes' : 'not_applicable',
              null,
            );
            state.run(i, since, null, snapshot, since, unknown ? 1 : 0, ...facts);
            finding.run(
              i,
              rule,
              rule === 'user-without-securetoken' ? 'bob' : '',
              since,
              seen,
              'synthetic finding',
            );
          } else state.run(i, enrolled, null, snapshot, null, unknown ? 1 : 0, ...facts);
          if (i % 100_000 === 0) log(`  ${i.toLocaleString('en-US')} devices`);
        }
      })();
      db.close();
      for (const ext of ['-wal', '-shm']) fs.rmSync(tmp + ext, { force: true });
      fs.renameSync(tmp, file);
      return (performance.now() - t0) / 1000;
    });
}

/** Wall time and peak RSS of `tokenwatch report` run as the admin runs it (`env`: beside PATH). */
export function runReport(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ seconds: number; peakRssMiB: number; code: number | null; stderr: string }> {
  const preload = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nmaxrss '+process.resourceUsage().maxRSS+'\\n'))`;
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(
      process.execPath,
      [`--import=${preload}`, path.join(ROOT, 'bin/tokenwatch.js'), 'report', ...args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { PATH: process.env['PATH'] ?? '', ...env },
      },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const deadline = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(deadline);
      const kb = Number(/maxrss (\d+)/.exec(stderr)?.[1] ?? NaN);
      resolve({ seconds: (performance.now() - t) / 1000, peakRssMiB: kb / 1024, code, stderr });
    });
  });
}

/**
 * The report benchmark's database of `n` devices (generated, or the cached one of today), its instants
 * relative to `now`, the start of today (UTC).
 */
export async function reportsFixture(
  n: number,
  log: (s: string) => void,
): Promise<{ file: string; now: number; generated: ReportsResult['generated']; dbBytes: number }> {
  const version = Math.max(...migrations().map((m) => m.version));
  const dir = path.join(ROOT, '.build', 'bench');
  fs.mkdirSync(dir, { recursive: true });
  // Instants relative to the start of today (UTC): the command reads the real clock.
  const today = Math.floor(Date.now() / DAY) * DAY;
  const now = today;
  const day = new Date(today).toISOString().slice(0, 10);
  const file = path.join(dir, `reports-${n}-schema${version}-gen${GENERATOR}-${day}.db`);
  for (const old of fs.readdirSync(dir).filter((f) => f.startsWith(`reports-${n}-`) && !file.endsWith(f)))
    fs.rmSync(path.join(dir, old), { force: true });
  let generated: ReportsResult['generated'] = 'cached';
  if (!fs.existsSync(file)) {
    log(`generating ${n.toLocaleString('en-US')} devices into ${path.relative(ROOT, file)}`);
    generated = { seconds: round(await generate(file, n, now, log)) };
  } else log(`using cached ${path.relative(ROOT, file)}`);
  return { file, now, generated, dbBytes: fs.statSync(file).size };
}

export async function benchReports(
  n: number,
  runs: number,
  log: (s: string) => void,
): Promise<ReportsResult> {
  const dir = path.join(ROOT, '.build', 'bench');
  const { file, now, generated, dbBytes } = await reportsFixture(n, log);

  const store = openSqliteStore(file);
  const timed = async (name: string, fn: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    const out = { first: round(times[0] ?? NaN), median: round(median(times.slice(1))) };
    log(`${name}: first ${out.first} ms, median ${out.median} ms`);
    return out;
  };
  let noncompliant = 0;
  let result: Omit<ReportsResult, 'csv'>;
  try {
    const rm = createReadModel(store, RULES);
    const at = new Date(now + 3_600_000);
    noncompliant = (await rm.summary(at)).byStatus.noncompliant;
    result = {
      devices: n,
      dbFile: path.relative(ROOT, file),
      dbBytes,
      generated,
      runs,
      summaryMs: await timed('summary', () => rm.summary(at)),
      firstPageMs: await timed('first page (100)', () => rm.listDevices({}, { limit: 100 }, at)),
      asOfMs: await timed('summary as of 10 days ago', () => rm.summary(at, new Date(now - 10 * DAY))),
    };
  } finally {
    await store.close();
  }
  const out = path.join(dir, 'noncompliant.csv');
  const r = await runReport(['--db', file, '--format', 'csv', '--status', 'noncompliant', '--out', out]);
  if (r.code !== 0) throw new Error(`tokenwatch report exited ${r.code}: ${r.stderr}`);
  const text = fs.readFileSync(out, 'utf8');
  const rows = text.split('\r\n').length - 2;
  const csv = {
    seconds: round(r.seconds, 2),
    peakRssMiB: round(r.peakRssMiB),
    rows,
    bytes: text.length,
    noncompliant,
  };
  fs.rmSync(out, { force: true });
  log(
    `csv of ${noncompliant} noncompliant devices: ${csv.seconds} s, peak RSS ${csv.peakRssMiB} MiB, ${rows} rows`,
  );
  return { ...result, csv };
}
