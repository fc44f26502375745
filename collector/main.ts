// Composition root: config -> store -> buildApp -> listen -> jobs. The only module that listens.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { adminFailureLimiter, buildApp } from './app.ts';
import type { CollectorConfig } from './config.ts';
import { adminTokenWeakness, ConfigError } from './config.ts';
import { systemClock } from './clock.ts';
import type { Clock } from './clock.ts';
import { createLogger } from './log.ts';
import { openSqliteStore } from './store/sqlite/index.ts';
import type { Store } from './store/types.ts';
import { pruneOnce } from './jobs/prune.ts';
import { monotonic as systemMonotonic } from './clock.ts';
import { Metrics } from './http/metrics.ts';
import { createReadModel } from './services/read-model.ts';
import { ruleConfig } from './services/evaluation.ts';
import { secretEquals } from './services/enrollment.ts';
import { dashboard } from '../reports/dashboard/plugin.ts';
import type { DashboardOptions } from '../reports/dashboard/plugin.ts';
import { loadPageAssets } from '../reports/page-assets.ts';
import { trendSeries } from '../reports/render/dashboard/summary.ts';
import { scheduledReportProblem, scheduleJobs } from './jobs/schedule.ts';
import { backfillReportFacts } from './jobs/backfill-facts.ts';
import { writeScheduledReport } from '../reports/scheduled.ts';

const DAY_MS = 86_400_000;
/** The days of trend the dashboard's summary page draws. */
const TREND_DAYS = 30;

export interface RunningCollector {
  /** http(s)://host:port of the listening server. */
  url: string;
  store: Store;
  close(): Promise<void>;
}

export interface CollectorDeps {
  clock?: Clock;
  logger?: Logger;
  /** Use this store instead of opening config.db. */
  store?: Store;
  /** Run the scheduled jobs (retention). Default true; tests and the demo may turn them off. */
  jobs?: boolean;
  /** Monotonic milliseconds for rate-limit windows and cache ages (tests move it). */
  monotonic?: () => number;
  /** The dashboard's optional parts (the trend, the device page's unlock matrix, verdict and incidents). */
  dashboard?: Pick<DashboardOptions, 'trend' | 'access'>;
}

/** Start a collector (the demo and tests start one in-process on a free loopback port with port 0). */
export async function startCollector(
  config: CollectorConfig,
  deps: CollectorDeps = {},
): Promise<RunningCollector> {
  const weak = adminTokenWeakness(config.adminToken);
  if (weak !== null) throw new ConfigError(weak);
  const reportProblem = scheduledReportProblem(config);
  if (reportProblem !== null) throw new ConfigError(reportProblem);
  const logger = deps.logger ?? createLogger(config.logLevel);
  const clock = deps.clock ?? systemClock;
  if (!deps.store && config.db === '') throw new Error('no database: set --db FILE (or TOKENWATCH_DB)');
  const store =
    deps.store ??
    openSqliteStore(config.db, {
      auditMaxRows: config.auditMaxRows,
      silenceOverMs: config.staleAfterSeconds * 1000,
    });
  const https =
    config.tlsCert !== '' && config.tlsKey !== ''
      ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
      : undefined;
  const monotonic = deps.monotonic ?? systemMonotonic;
  const metrics = new Metrics();
  const adminLimiter = adminFailureLimiter(monotonic);
  const app = await buildApp({
    store,
    config,
    clock,
    logger,
    metrics,
    adminLimiter,
    monotonic,
    ...(https ? { https } : {}),
  });
  const readModel = createReadModel(store, ruleConfig(config));
  if (config.dashboard)
    await app.register(dashboard, {
      readModel,
      clock,
      // The summary page's chart: the read model's trend over the last 30 days (the device page's unlock
      // matrix and MDM update verdict come with the device view itself).
      trend: async (now) => {
        const { days } = await readModel.trend(
          { from: new Date(now.getTime() - TREND_DAYS * DAY_MS), to: now },
          now,
        );
        return days.length > 0 ? trendSeries(days) : null;
      },
      adminTokenValid: (token) => secretEquals(token, config.adminToken),
      adminLimiter,
      onAuthFailure: () => metrics.adminAuthFailed(),
      sessionSeconds: config.dashboardSessionSeconds,
      idleSeconds: config.dashboardIdleSeconds,
      assets: loadPageAssets(),
      ...deps.dashboard,
    });
  await pruneOnce(store, config, clock.now()).catch((err: unknown) => logger.error({ err }, 'prune failed'));
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await app.close();
    if (!deps.store) await store.close();
    throw e;
  }
  const port = (app.server.address() as { port: number }).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${https ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  logger.info({ url, address, db: config.db }, 'collector listening');
  const report = (now: Date) =>
    writeScheduledReport({
      readModel,
      source: config.db,
      dir: config.reportDir,
      format: config.reportFormat,
      now,
    });
  const jobs = deps.jobs === false ? null : scheduleJobs({ store, config, clock, logger, report });
  let closed = false;
  const backfill = backfillReportFacts(
    { store, rules: ruleConfig(config), now: () => clock.now(), logger },
    () => closed,
  ).catch((err: unknown) => logger.error({ err }, 'report facts: backfill failed'));
  return {
    url,
    store,
    async close() {
      if (closed) return;
      closed = true;
      jobs?.stop();
      await backfill;
      await app.close();
      if (!deps.store) await store.close();
    },
  };
}
