// Composition root: config -> store -> alert settings -> buildApp -> listen -> delivery worker and jobs.
// The only module that listens.
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { adminFailureLimiter, buildApp, deviceAuthFor } from './app.ts';
import { followRevocations } from './http/auth.ts';
import type { CollectorConfig } from './config.ts';
import { adminTokenWeakness, ConfigError } from './config.ts';
import { monotonic as systemMonotonic, systemClock } from './clock.ts';
import type { Clock } from './clock.ts';
import { createLogger } from './log.ts';
import { databaseName, openConfiguredStore } from './store/open.ts';
import type { Store } from './store/types.ts';
import { pruneOnce } from './jobs/prune.ts';
import {
  reportChannelNames,
  reportChannelsProblem,
  scheduledReportProblem,
  scheduleJobs,
} from './jobs/schedule.ts';
import { backfillReportFacts } from './jobs/backfill-facts.ts';
import { JobRunner } from './jobs/runner.ts';
import type { JobDefinition } from './jobs/runner.ts';
import { collectorJobs } from './jobs/table.ts';
import { readAlertSettings } from './alerts/config.ts';
import type { AlertSettings, SecretSources } from './alerts/config.ts';
import { createChannel } from './alerts/channels/index.ts';
import { DeliveryWorker } from './alerts/worker.ts';
import { Metrics } from './http/metrics.ts';
import { ruleConfig } from './services/evaluation.ts';
import { seedIncidents, syncChannels } from './services/alert-channels.ts';
import type { ChannelSync } from './services/alert-channels.ts';
import { incidents as deviceIncidents } from './services/alert-read-model.ts';
import { createReadModel } from './services/read-model.ts';
import { fleetReaderThread } from './fleet-reader.ts';
import { queueReport } from './services/report-events.ts';
import { secretEquals } from './services/enrollment.ts';
import { dashboard } from '../reports/dashboard/plugin.ts';
import type { DashboardOptions } from '../reports/dashboard/plugin.ts';
import { accessOfDetail } from '../reports/render/dashboard/device-access.ts';
import { loadPageAssets } from '../reports/page-assets.ts';
import { trendSeries } from '../reports/render/dashboard/summary.ts';
import { dayByDay, trendMemo } from '../reports/dashboard/trend-memo.ts';
import { keptSummary } from '../reports/dashboard/kept-summary.ts';
import { writeScheduledReport } from '../reports/scheduled.ts';

/** The days of trend the dashboard's summary page draws. */
const TREND_DAYS = 30;
/** The most incidents the dashboard's device page lists. */
const DEVICE_PAGE_INCIDENTS = 100;
/** After this collector's writes, the dashboard's counts are read again within this (at most once per it). */
const COUNTS_AFTER_WRITE_MS = 10_000;
import { listenFailure, newDatabaseNotice, plainHttpWarning, readTlsFiles } from './startup.ts';

export interface RunningCollector {
  /** http(s)://host:port of the listening server. */
  url: string;
  store: Store;
  alerts: { settings: AlertSettings; worker: DeliveryWorker; sync: ChannelSync };
  jobs: { runner: JobRunner; definitions: JobDefinition[]; run(name: string): ReturnType<JobRunner['run']> };
  /**
   * What the start logged as warnings and did not stop it: plain HTTP on a reachable address, a certificate
   * past its dates, a new database created.
   */
  warnings: string[];
  close(): Promise<void>;
}

export interface CollectorDeps {
  clock?: Clock;
  logger?: Logger;
  /** Use this store instead of opening the configured one (databaseUrl, else db). */
  store?: Store;
  /** Run the scheduled jobs on their schedules. Default true; tests and the demo may turn them off. */
  jobs?: boolean;
  /** Monotonic milliseconds for rate-limit windows and cache ages (tests move it). */
  monotonic?: () => number;
  /** Where the alert channels' secrets are read from (default: this process's environment and files). */
  secrets?: SecretSources;
  /** How often the delivery worker looks for work (ms, default 500). */
  alertPollMs?: number;
  /** Jitter source of the delivery backoff (tests fix it). */
  random?: () => number;
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
  const monotonic = deps.monotonic ?? systemMonotonic;
  const noDatabase = () =>
    new ConfigError(
      'no database: set --db FILE (or TOKENWATCH_DB), or --database-url (TOKENWATCH_DATABASE_URL)',
    );
  if (!deps.store && config.db === '' && config.databaseUrl === '') throw noDatabase();
  // Files first: a wrong TLS path is said before the database is created.
  const tls = readTlsFiles(config, clock.now());
  const https = tls ? { cert: tls.cert, key: tls.key } : undefined;
  const alerts = readAlertSettings(
    config,
    deps.secrets ?? { env: process.env, readFile: (p) => readFileSync(p, 'utf8') },
  );
  const channelsProblem = reportChannelsProblem(
    config,
    alerts.channels.map((c) => c.name),
  );
  if (channelsProblem !== null) throw new ConfigError(channelsProblem);
  // serve is the one command that creates a database (every other opens an existing one only): on the
  // first start, or when --db names a new file by mistake, which the log says in words.
  const created =
    !deps.store && config.databaseUrl === '' && config.db !== ':memory:' && !existsSync(config.db);
  const opened =
    deps.store ?? openConfiguredStore(config, { silenceOverMs: config.staleAfterSeconds * 1000 });
  if (!opened) throw noDatabase();
  const store: Store = opened;
  const rules = ruleConfig(config);
  const metrics = new Metrics();
  const adminLimiter = adminFailureLimiter(monotonic);
  const readModel = createReadModel(store, rules);
  const runner = new JobRunner({
    store,
    clock,
    monotonic,
    logger,
    onRun: (job, outcome) => {
      metrics.jobRan(job, outcome);
      // A run may have written events (a grace window's end, a reminder, a digest): deliver them now.
      worker.kick();
    },
  });
  const reportChannels = reportChannelNames(config.reportChannels);
  const report = async (now: Date) => {
    const written = await writeScheduledReport({
      readModel,
      source: databaseName(config),
      dir: config.reportDir,
      format: config.reportFormat,
      now,
    });
    // Into the outbox after the file is whole: the worker sends it (the job's end kicks it).
    const queued = await queueReport(store, reportChannels, written, now.getTime());
    return { file: written.path, queued };
  };
  const definitions = collectorJobs({ store, config, rules, alerts, report });
  const timeoutMs = alerts.timeoutSeconds * 1000;
  const worker = new DeliveryWorker({
    store,
    settings: alerts,
    channels: new Map(
      alerts.channels.map((c) => [c.name, createChannel(c, { publicUrl: alerts.publicUrl, timeoutMs })]),
    ),
    clock,
    monotonic,
    logger,
    counters: metrics,
    owner: `collector-${randomUUID()}`,
    pollMs: deps.alertPollMs ?? 500,
    ...(deps.random ? { random: deps.random } : {}),
  });
  // Device tokens revoked through another process on the database are forgotten as it commits them.
  const deviceAuth = deviceAuthFor(store, config, monotonic);
  const stopRevocations = followRevocations(deviceAuth, store, logger);
  const app = await buildApp({
    deviceAuth,
    store,
    config,
    clock,
    logger,
    metrics,
    adminLimiter,
    monotonic,
    alerts,
    jobs: definitions,
    alertWorker: worker,
    ...(https ? { https } : {}),
  });
  // The summary page's counts and trend are kept by this collector, read in the background (at start, every
  // dashboardRefreshSeconds, the counts again after its own writes): a page never waits for them. Over a
  // SQLite file they are read in a thread of their own (fleet-reader.ts), so no request waits for a query.
  const refreshMs = config.dashboardRefreshSeconds * 1000;
  const reader =
    config.dashboard &&
    config.databaseUrl === '' &&
    config.db !== '' &&
    config.db !== ':memory:' &&
    existsSync(config.db)
      ? fleetReaderThread(config.db, rules)
      : null;
  const dashboardTrend = trendMemo(
    reader ? (range, now) => reader.trend(range, now) : dayByDay((range, now) => readModel.trend(range, now)),
    TREND_DAYS,
    monotonic,
    refreshMs,
    Math.min(COUNTS_AFTER_WRITE_MS, refreshMs),
  );
  const trendFailed = (err: unknown) => logger.error({ err }, 'dashboard: reading the trend failed');
  const dashboardCounts = keptSummary({
    read: (now) => (reader ? reader.summary(now) : readModel.summary(now)),
    clock,
    monotonic,
    everyMs: refreshMs,
    afterWriteMs: Math.min(COUNTS_AFTER_WRITE_MS, refreshMs),
    onError: (err) => logger.error({ err }, "dashboard: reading the fleet's counts failed"),
  });
  if (config.dashboard)
    app.addHook('onResponse', async (req, reply) => {
      if (
        req.method !== 'GET' &&
        req.method !== 'HEAD' &&
        reply.statusCode < 300 &&
        req.url.startsWith('/api/')
      ) {
        dashboardCounts.changed();
        dashboardTrend.changed();
      }
    });
  if (config.dashboard)
    await app.register(dashboard, {
      readModel,
      clock,
      adminTokenValid: (token) => secretEquals(token, config.adminToken),
      adminLimiter,
      onAuthFailure: () => metrics.adminAuthFailed(),
      sessionSeconds: config.dashboardSessionSeconds,
      idleSeconds: config.dashboardIdleSeconds,
      assets: loadPageAssets(),
      // The summary page's chart: the read model's trend over the last 30 days, each ended day read once
      // (trend-memo.ts; the device page's unlock matrix and MDM update verdict come with the device view).
      kept: async (now) => {
        const peek = dashboardTrend.peek(now, trendFailed);
        const own = deps.dashboard?.trend;
        return {
          counts: dashboardCounts.current(),
          trend: own ? await own(now) : peek.complete || peek.days.length > 0 ? trendSeries(peek.days) : null,
          trendReadingSince: own || peek.complete ? null : peek.readingSince,
          everySeconds: config.dashboardRefreshSeconds,
        };
      },
      // The device page's incidents: the alerting's.
      access: async (device) => {
        const { incidents } = await deviceIncidents(store, {
          serial: device.serial,
          limit: DEVICE_PAGE_INCIDENTS,
        });
        return { ...accessOfDetail(device), incidents };
      },
      ...deps.dashboard,
    });
  await pruneOnce(store, config, clock.now()).catch((err: unknown) => logger.error({ err }, 'prune failed'));
  // What is failing already becomes incidents (once per database), and each channel new to the store gets
  // its backfill: both before the first upload is taken.
  const now = clock.now().getTime();
  const seeded = await seedIncidents(store, rules, now);
  if (seeded !== null) logger.info({ incidents: seeded }, 'alerts: existing findings taken in as incidents');
  const sync = await syncChannels(store, alerts.channels, now);
  if (sync.added.length + sync.returned.length + sync.removed.length > 0)
    logger.info(sync, 'alerts: channels changed');
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await worker.stop();
    await app.close();
    await stopRevocations?.();
    if (!deps.store) await store.close();
    throw listenFailure(e, config.host, config.port);
  }
  const port = (app.server.address() as { port: number }).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${https ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  logger.info(
    { url, address, db: databaseName(config), alertChannels: alerts.channels.map((c) => c.name) },
    'collector listening',
  );
  const warnings = [
    ...(tls?.warnings ?? []),
    plainHttpWarning(config, https !== undefined),
    created ? newDatabaseNotice(config.db) : null,
  ].filter((w): w is string => w !== null);
  for (const w of warnings) logger.warn(w);
  worker.start();
  if (config.dashboard) {
    dashboardCounts.start();
    if (!deps.dashboard?.trend) dashboardTrend.peek(clock.now(), trendFailed);
  }
  const scheduled = deps.jobs === false ? null : scheduleJobs(definitions, runner);
  let closed = false;
  const backfill = backfillReportFacts({ store, rules, now: () => clock.now(), logger }, () => closed).catch(
    (err: unknown) => logger.error({ err }, 'report facts: backfill failed'),
  );
  return {
    url,
    store,
    alerts: { settings: alerts, worker, sync },
    jobs: {
      runner,
      definitions,
      run(name) {
        const job = definitions.find((j) => j.name === name);
        if (!job) throw new Error(`no job ${name}`);
        return runner.run(job);
      },
    },
    warnings,
    async close() {
      if (closed) return;
      closed = true;
      scheduled?.stop();
      await backfill;
      await dashboardCounts.close();
      await runner.settle();
      await app.close();
      await dashboardTrend.settle();
      await reader?.close();
      await worker.stop();
      await stopRevocations?.();
      if (!deps.store) await store.close();
    },
  };
}
