// The dashboard over 1,000,000 devices: the collector itself (startCollector, with the dashboard registered
// as main.ts registers it) serving the fleet benchmark's cached database (fleet.ts fleetDatabase) on a
// loopback port, measured over real HTTP with a signed-in session: from the request sent to the last byte
// of the page. Retention is off for the run (0 days), so starting the collector deletes nothing from the
// shared cached file; the clock is the generator's NOW, so the fleet's ages are what it wrote.
import { openSqliteStore } from '../collector/store/sqlite/index.ts';
import { loadConfig } from '../collector/config.ts';
import { createLogger } from '../collector/log.ts';
import { fixedClock } from '../collector/clock.ts';
import { startCollector } from '../collector/main.ts';
import { createReadModel } from '../collector/services/read-model.ts';
import { ruleConfig } from '../collector/services/evaluation.ts';
import { BENCH_ADMIN_TOKEN, median, round } from './lib.ts';
import { NOW, detailSerials, fleetDatabase } from './fleet.ts';
import type { FleetResult } from './fleet.ts';

export interface DashboardPage {
  name: string;
  path: string;
  bytes: number;
  firstMs: number;
  medianMs: number;
  maxMs: number;
}

export interface DashboardResult {
  devices: number;
  generated: FleetResult['generated'];
  runs: number;
  pages: DashboardPage[];
  /** The read model's summary alone, in process (no HTTP, no page), timed in the same runs. */
  summaryQuery: { firstMs: number; medianMs: number; maxMs: number };
  /** How long startCollector took (it starts the first read of the kept counts). */
  startMs: number;
  /** The summary page asked for right after the start and sign-in: the first visit after a start. */
  coldFirstMs: number;
  /** Whether that first page showed the counts (or said they were being computed). */
  coldShowedCounts: boolean;
  /**
   * The summary page asked for every WARM_GAP_MS while the collector read the trend's days in the background
   * (until the page no longer said days were being read): how many visits, their median and max, and how
   * long the trend's first read took.
   */
  warmUp: { visits: number; medianMs: number; maxMs: number; seconds: number };
}

/** The gap between the summary page's visits while the trend is first read. */
const WARM_GAP_MS = 250;

/** The summary at / is the dashboard's first page: its target. */
export const DASHBOARD_FIRST_PAGE_MS = 200;

export async function benchDashboard(
  n: number,
  runs: number,
  log: (s: string) => void,
): Promise<DashboardResult> {
  const { file, generated } = await fleetDatabase(n, log);
  const { config } = loadConfig({
    env: {},
    flags: {
      db: file,
      host: '127.0.0.1',
      port: '0',
      adminToken: BENCH_ADMIN_TOKEN,
      logLevel: 'silent',
      historyRetentionDays: '0',
      receiptRetentionDays: '0',
      auditRetentionDays: '0',
    },
  });
  const store = openSqliteStore(file);
  const t0 = performance.now();
  const collector = await startCollector(config, {
    store,
    clock: fixedClock(new Date(NOW)),
    logger: createLogger('silent'),
    jobs: false,
  });
  const startMs = round(performance.now() - t0);
  try {
    const signIn = await fetch(`${collector.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: collector.url },
      body: new URLSearchParams({ token: BENCH_ADMIN_TOKEN, next: '/' }).toString(),
    });
    const cookie = signIn.headers.get('set-cookie')?.split(';')[0];
    if (signIn.status !== 303 || !cookie) throw new Error(`dashboard sign-in answered ${signIn.status}`);
    const summaryPage = async () => {
      const t = performance.now();
      const res = await fetch(`${collector.url}/`, { headers: { cookie }, redirect: 'manual' });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`/ answered ${res.status}`);
      return { ms: performance.now() - t, text };
    };
    // The first visit after the start, then one every WARM_GAP_MS while the trend's days are read.
    const cold = await summaryPage();
    const coldShowedCounts = cold.text.includes('Counts as of');
    log(
      `first visit after the start: ${round(cold.ms)} ms (${coldShowedCounts ? 'counts shown' : 'counts being computed'})`,
    );
    const warm: number[] = [];
    const w0 = performance.now();
    for (let page = cold; /being (read|computed)/.test(page.text);) {
      if (performance.now() - w0 > 300_000) throw new Error('the trend was not read within 300 s');
      await new Promise((r) => setTimeout(r, WARM_GAP_MS));
      page = await summaryPage();
      warm.push(page.ms);
    }
    const warmUp = {
      visits: warm.length,
      medianMs: round(median(warm)),
      maxMs: round(Math.max(0, ...warm)),
      seconds: round((performance.now() - w0) / 1000),
    };
    log(
      `while the trend was read (${warmUp.seconds} s): ${warmUp.visits} visits, median ${warmUp.medianMs} ms, max ${warmUp.maxMs} ms`,
    );
    const pages: [string, string][] = [
      ['summary (/, the first page)', '/'],
      ['devices, first page (100)', '/devices'],
      ['devices status=noncompliant', '/devices?status=noncompliant'],
      ['devices rule=filevault-off', '/devices?rule=filevault-off'],
      ['devices, 1,000 a page', '/devices?limit=1000'],
      ['device page (50 changes shown)', `/devices/${detailSerials(n)[0] as string}`],
    ];
    const stats = (times: number[]) => ({
      firstMs: round(times[0] ?? NaN),
      medianMs: round(median(times.slice(1))),
      maxMs: round(Math.max(...times)),
    });
    const out: DashboardPage[] = [];
    // The read model's summary alone, in process, interleaved with the summary page's runs: what the page
    // costs beyond the query it shows.
    const readModel = createReadModel(store, ruleConfig(config));
    const queryTimes: number[] = [];
    for (const [name, path] of pages) {
      const times: number[] = [];
      let bytes = 0;
      for (let r = 0; r < runs; r++) {
        const t = performance.now();
        const res = await fetch(collector.url + path, { headers: { cookie }, redirect: 'manual' });
        const body = await res.arrayBuffer();
        times.push(performance.now() - t);
        if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
        bytes = body.byteLength;
        if (path === '/') {
          const q = performance.now();
          await readModel.summary(new Date(NOW));
          queryTimes.push(performance.now() - q);
        }
      }
      const page = { name, path, bytes, ...stats(times) };
      log(`${name}: first ${page.firstMs} ms, median ${page.medianMs} ms`);
      out.push(page);
    }
    const query = stats(queryTimes);
    log(`read model summary alone: first ${query.firstMs} ms, median ${query.medianMs} ms`);
    return {
      devices: n,
      generated,
      runs,
      pages: out,
      summaryQuery: query,
      startMs,
      coldFirstMs: round(cold.ms),
      coldShowedCounts,
      warmUp,
    };
  } finally {
    await collector.close();
    await store.close();
  }
}
