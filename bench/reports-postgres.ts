// Figure 9: reports over 1,000,000 devices on PostgreSQL. The database of figure 6 (bench/reports.ts's
// generator, the SQLite file it caches) is copied into a fresh PostgreSQL database by the real command's
// code (store/copy-to-postgres.ts: COPY, one transaction; its time is a figure too), then read as on SQLite:
// the summary, the first page of the device list and the summary as of ten days ago through the read model
// on the PostgreSQL store, and the CSV of every noncompliant device written by `tokenwatch report`, twice:
// straight from the database (`--database-url`, read-only sessions, as `--db` reads SQLite) and through the
// admin API of a collector on it (`--server`).
import fs from 'node:fs';
import pg from 'pg';
import path from 'node:path';
import { startPostgres } from '../test/helpers/postgres.ts';
import { copySqliteToPostgres } from '../collector/store/copy-to-postgres.ts';
import { openPostgresStore } from '../collector/store/postgres/index.ts';
import { createReadModel } from '../collector/services/read-model.ts';
import { BENCH_ADMIN_TOKEN, ROOT, median, nextJson, round, startNode } from './lib.ts';
import { RULES, reportsFixture, runReport } from './reports.ts';

const DAY = 86_400_000;

export interface ReportsPostgresResult {
  devices: number;
  server: string;
  copy: { seconds: number; rows: number; databaseBytes: number };
  runs: number;
  summaryMs: { first: number; median: number };
  firstPageMs: { first: number; median: number };
  asOfMs: { first: number; median: number };
  /** The CSV through a collector's admin API (--server). */
  csv: CsvRun;
  /** The CSV read from the database itself (--database-url). */
  csvDirect?: CsvRun;
}

export interface CsvRun {
  seconds: number;
  peakRssMiB: number;
  rows: number;
  noncompliant: number;
}

export async function benchReportsPostgres(
  n: number,
  runs: number,
  log: (s: string) => void,
): Promise<ReportsPostgresResult> {
  const { file, now } = await reportsFixture(n, log);
  const server = await startPostgres({ durable: true });
  try {
    const [version] = await server.admin<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const db = await server.createDatabase();
    log(`copying ${path.relative(ROOT, file)} into PostgreSQL ${version?.v ?? '?'}`);
    const t0 = performance.now();
    const copied = await copySqliteToPostgres(file, db.url);
    const copySeconds = round((performance.now() - t0) / 1000, 2);
    // The copied tables' statistics and visibility map, as autovacuum would leave them after a load.
    const client = new pg.Client(db.url);
    await client.connect();
    await client.query('VACUUM ANALYZE');
    await client.end();
    const c = await server.admin<{ n: string }>('SELECT pg_database_size($1) AS n', [db.name]);
    const copy = {
      seconds: copySeconds,
      rows: copied.tables.reduce((a, t) => a + t.rows, 0),
      databaseBytes: Number(c[0]?.n ?? 0),
    };
    log(`copied ${copy.rows} rows in ${copy.seconds} s`);

    const store = openPostgresStore(db.url, { statementTimeoutMs: 60_000 });
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
    const at = new Date(now + 3_600_000);
    let noncompliant: number;
    let read: Pick<ReportsPostgresResult, 'summaryMs' | 'firstPageMs' | 'asOfMs'>;
    try {
      const rm = createReadModel(store, RULES);
      noncompliant = (await rm.summary(at)).byStatus.noncompliant;
      read = {
        summaryMs: await timed('summary', () => rm.summary(at)),
        firstPageMs: await timed('first page (100)', () => rm.listDevices({}, { limit: 100 }, at)),
        asOfMs: await timed('summary as of 10 days ago', () => rm.summary(at, new Date(now - 10 * DAY))),
      };
    } finally {
      await store.close();
    }

    // The CSV straight from the database, as `--db` reads SQLite's file.
    const out = path.join(ROOT, '.build', 'bench', 'noncompliant-postgres.csv');
    const csvRun = async (args: string[], env: Record<string, string>, how: string): Promise<CsvRun> => {
      const r = await runReport([...args, '--format', 'csv', '--status', 'noncompliant', '--out', out], env);
      if (r.code !== 0) throw new Error(`tokenwatch report exited ${r.code}: ${r.stderr}`);
      const text = fs.readFileSync(out, 'utf8');
      fs.rmSync(out, { force: true });
      const run = {
        seconds: round(r.seconds, 2),
        peakRssMiB: round(r.peakRssMiB),
        rows: text.split('\r\n').length - 2,
        noncompliant,
      };
      log(
        `csv of ${noncompliant} noncompliant devices ${how}: ${run.seconds} s, peak RSS ${run.peakRssMiB} MiB`,
      );
      return run;
    };
    const csvDirect = await csvRun(['--database-url', db.url], {}, '(--database-url)');

    // The CSV through a collector on the database, as an admin runs it against a PostgreSQL collector.
    const collector = startNode(
      path.join(import.meta.dirname, 'server.ts'),
      ['--database-url', db.url, '--max-seconds', '600'],
      600_000,
    );
    let csv: CsvRun;
    try {
      const { url } = await nextJson<{ url: string }>(collector, 'bench/server.ts');
      csv = await csvRun(['--server', url], { TOKENWATCH_ADMIN_TOKEN: BENCH_ADMIN_TOKEN }, '(--server)');
    } finally {
      await collector.kill();
      fs.rmSync(out, { force: true });
    }
    await db.drop();
    return { devices: n, server: `PostgreSQL ${version?.v ?? '?'}`, copy, runs, ...read, csv, csvDirect };
  } finally {
    await server.stop();
  }
}
