// Composition root: config -> store -> buildApp -> listen -> jobs. The only module that listens.
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { buildApp } from './app.ts';
import type { CollectorConfig } from './config.ts';
import { adminTokenWeakness, ConfigError } from './config.ts';
import { systemClock } from './clock.ts';
import type { Clock } from './clock.ts';
import { createLogger } from './log.ts';
import { openSqliteStore } from './store/sqlite/index.ts';
import type { Store } from './store/types.ts';
import { pruneOnce } from './jobs/prune.ts';
import { scheduleJobs } from './jobs/schedule.ts';
import { listenFailure, newDatabaseNotice, plainHttpWarning, readTlsFiles } from './startup.ts';

export interface RunningCollector {
  /** http(s)://host:port of the listening server. */
  url: string;
  store: Store;
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
  /** Use this store instead of opening config.db. */
  store?: Store;
  /** Run the scheduled jobs (retention). Default true; tests and the demo may turn them off. */
  jobs?: boolean;
  /** Monotonic milliseconds for rate-limit windows and cache ages (tests move it). */
  monotonic?: () => number;
}

/** Start a collector (the demo and tests start one in-process on a free loopback port with port 0). */
export async function startCollector(
  config: CollectorConfig,
  deps: CollectorDeps = {},
): Promise<RunningCollector> {
  const weak = adminTokenWeakness(config.adminToken);
  if (weak !== null) throw new ConfigError(weak);
  const logger = deps.logger ?? createLogger(config.logLevel);
  const clock = deps.clock ?? systemClock;
  if (!deps.store && config.db === '') throw new ConfigError('no database: set --db FILE (or TOKENWATCH_DB)');
  // Files first: a wrong TLS path is said before the database is created.
  const tls = readTlsFiles(config, clock.now());
  const https = tls ? { cert: tls.cert, key: tls.key } : undefined;
  // serve is the one command that creates a database (every other opens an existing one only): on the
  // first start, or when --db names a new file by mistake, which the log says in words.
  const created = !deps.store && config.db !== ':memory:' && !existsSync(config.db);
  const store = deps.store ?? openSqliteStore(config.db, { auditMaxRows: config.auditMaxRows });
  const app = await buildApp({
    store,
    config,
    clock,
    logger,
    ...(deps.monotonic ? { monotonic: deps.monotonic } : {}),
    ...(https ? { https } : {}),
  });
  await pruneOnce(store, config, clock.now()).catch((err: unknown) => logger.error({ err }, 'prune failed'));
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await app.close();
    if (!deps.store) await store.close();
    throw listenFailure(e, config.host, config.port);
  }
  const port = (app.server.address() as { port: number }).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${https ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  logger.info({ url, address, db: config.db }, 'collector listening');
  const warnings = [
    ...(tls?.warnings ?? []),
    plainHttpWarning(config, https !== undefined),
    created ? newDatabaseNotice(config.db) : null,
  ].filter((w): w is string => w !== null);
  for (const w of warnings) logger.warn(w);
  const jobs = deps.jobs === false ? null : scheduleJobs({ store, config, clock, logger });
  let closed = false;
  return {
    url,
    store,
    warnings,
    async close() {
      if (closed) return;
      closed = true;
      jobs?.stop();
      await app.close();
      if (!deps.store) await store.close();
    },
  };
}
