// Alert fan-out: FINDINGS Macs whose failing finding's grace window ends at the same instant, so that one
// run of the grace-promotion job opens FINDINGS incidents at once and writes their events to the outbox;
// the collector (startCollector on a real SQLite file, one generic webhook channel) delivers them to a
// receiver in another process that answers every request after DELAY_MS. Measured: the job run (events
// written), the time from the run's start until the last delivery was recorded, the receiver's peak of
// requests in flight, events lost (outbox events without a delivered delivery, or never received) and
// duplicates (requests beyond one per webhook-id). Once per channel concurrency.
import path from 'node:path';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../collector/config.ts';
import { createLogger } from '../collector/log.ts';
import { fixedClock } from '../collector/clock.ts';
import { startCollector } from '../collector/main.ts';
import { openSqliteStore } from '../collector/store/sqlite/index.ts';
import type { FindingRecord } from '../collector/store/types.ts';
import { BENCH_ADMIN_TOKEN, BENCH_ENROLL_SECRET, ROOT, nextJson, round, startNode, tempDir } from './lib.ts';

export interface FanoutRun {
  concurrency: number;
  events: number;
  jobMs: number;
  allDeliveredMs: number;
  perSecond: number;
  peakInflight: number;
  lost: number;
  duplicates: number;
}

export interface AlertsResult {
  findings: number;
  receiverDelayMs: number;
  runs: FanoutRun[];
}

const T0 = Date.parse('2026-03-02T12:00:00Z');
const GRACE_END = T0 + 60_000;

/** A database with `n` enrolled Macs, each with one failing finding still inside its grace window. */
async function seed(db: string, n: number): Promise<void> {
  const store = openSqliteStore(db);
  try {
    const BATCH = 1000;
    for (let i = 0; i < n; i += BATCH) {
      await store.withTransaction(async (tx) => {
        for (let k = i; k < Math.min(n, i + BATCH); k++) {
          const serial = `C02FAN${String(k).padStart(6, '0')}`;
          const d = await tx.devices.create({
            serial,
            hardwareUuid: `HW-${serial}`,
            tokenHash: randomBytes(32).toString('hex'),
            at: T0 - 1000,
          });
          const finding: FindingRecord = {
            rule: 'bootstrap-not-escrowed',
            user: null,
            reason: 'Bootstrap Token escrowed to server: NO',
            firstSeen: T0 - 1000,
            lastSeen: T0 - 1000,
            resolvedAt: null,
            pendingUntil: GRACE_END,
            failing: true,
          };
          await tx.findings.save(d.id, [finding]);
        }
      });
    }
  } finally {
    await store.close();
  }
}

async function fanout(
  n: number,
  delayMs: number,
  concurrency: number,
  log: (s: string) => void,
): Promise<FanoutRun> {
  const dir = tempDir('tokenwatch-bench-alerts-');
  const receiver = startNode(path.join(ROOT, 'bench/alert-receiver.ts'), [String(delayMs)], 30 * 60_000);
  try {
    const { url } = await nextJson<{ url: string }>(receiver, 'the receiver');
    const db = path.join(dir, 'bench.db');
    await seed(db, n);
    const alerts = {
      channels: [
        {
          name: 'bench',
          type: 'webhook',
          url,
          secret: `whsec_${randomBytes(32).toString('base64')}`,
          concurrency,
        },
      ],
    };
    const { config } = loadConfig({
      env: {},
      flags: {
        db,
        host: '127.0.0.1',
        port: '0',
        adminToken: BENCH_ADMIN_TOKEN,
        enrollSecret: BENCH_ENROLL_SECRET,
        graceSeconds: 'bootstrap-not-escrowed=86400',
        alerts: JSON.stringify(alerts),
        logLevel: 'warn',
      },
    });
    const clock = fixedClock(new Date(T0));
    const collector = await startCollector(config, { clock, logger: createLogger('warn'), jobs: false });
    try {
      clock.set(new Date(GRACE_END + 1000));
      const t0 = performance.now();
      const run = await collector.jobs.run('grace-promotion');
      const jobMs = performance.now() - t0;
      if (run.report?.['opened'] !== n)
        throw new Error(`the job opened ${String(run.report?.['opened'])}, not ${n}`);
      // Until every delivery is recorded delivered (the worker idle with nothing pending).
      let pending = n;
      while (pending > 0) {
        await collector.alerts.worker.idle();
        pending = (await collector.store.deliveries.stats()).reduce((s, c) => s + c.pending, 0);
        if (pending > 0) await new Promise((r) => setTimeout(r, 20));
      }
      const allDeliveredMs = performance.now() - t0;
      receiver.proc.stdin?.write('report\n');
      const r = await nextJson<{ received: number; distinct: number; peak: number }>(receiver, 'the report');
      const stats = await collector.store.deliveries.stats();
      const delivered = stats.reduce((s, c) => s + c.delivered, 0);
      const out: FanoutRun = {
        concurrency,
        events: n,
        jobMs: round(jobMs, 0),
        allDeliveredMs: round(allDeliveredMs, 0),
        perSecond: round(n / (allDeliveredMs / 1000), 0),
        peakInflight: r.peak,
        lost: n - Math.min(delivered, r.distinct),
        duplicates: r.received - r.distinct,
      };
      log(JSON.stringify(out));
      return out;
    } finally {
      await collector.close();
    }
  } finally {
    await receiver.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchAlerts(
  findings: number,
  concurrencies: number[],
  log: (s: string) => void,
): Promise<AlertsResult> {
  const delay = 50;
  const runs: FanoutRun[] = [];
  for (const c of concurrencies) runs.push(await fanout(findings, delay, c, log));
  return { findings, receiverDelayMs: delay, runs };
}
