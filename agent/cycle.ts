// One run of the agent: collect -> cache -> plan -> enqueue -> drain the outbox. Every dependency comes
// in (clock, command runner, upload client factory, token store, logger, settings, database), so the whole
// cycle runs in a test process against a driven clock and a real collector; main.ts wires the real ones.
import type { AgentConfigValues } from './settings/declaration.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './log.ts';
import type { Runner } from './exec/types.ts';
import type { PathStatter } from './path-stat.ts';
import { collect } from './collect.ts';
import type { Db } from './cache/open.ts';
import { recordSnapshot } from './cache/snapshots.ts';
import { enqueue } from './cache/outbox.ts';
import { deleteState, readState, writeState } from './cache/state.ts';
import { checkSnapshot, snapshotDigest } from './snapshot/index.ts';
import type { Snapshot } from './snapshot/index.ts';
import { checkinFor, planUpload } from './upload/plan.ts';
import type { UploadPlan } from './upload/plan.ts';
import { EndpointError } from './upload/client.ts';
import type { Client, ClientOptions } from './upload/client.ts';
import { drainOutbox } from './upload/uploader.ts';
import type { TokenStore, UploadReport } from './upload/uploader.ts';

export type CycleSettings = Pick<
  AgentConfigValues,
  | 'ServerURL'
  | 'EnrollSecret'
  | 'PinSHA256'
  | 'AllowInsecureHTTP'
  | 'MinIntervalSeconds'
  | 'ExcludeUsers'
  | 'CollectTimeoutSeconds'
  | 'UploadTimeoutSeconds'
  | 'MaxCachedSnapshots'
  | 'MaxCacheBytes'
>;

export interface CollectDeps {
  settings: CycleSettings;
  db: Db;
  now: Clock;
  run: Runner;
  /** lstat of a Mac path (agent/path-stat.ts createPathStat). */
  stat: PathStatter;
  hostname: () => string;
  newId: () => string;
  agentVersion: string;
  log: Logger;
  /** Writes the EA summary plist of a collection (main.ts: ea-summary-file.ts); a failure is logged. */
  writeSummary: (snapshot: Snapshot) => void;
}

export interface CycleDeps extends CollectDeps {
  /** Makes the upload client for these options (main.ts: createClient). */
  client: (options: ClientOptions) => Client;
  tokens: TokenStore;
  random: () => number;
  /** Problems that refuse uploads (settings/load.ts uploadRefusals): the cycle queues but sends nothing. */
  uploadRefusals: string[];
  /** `run --retry-now`: send the queue now, ignoring backoff. */
  retryNow?: boolean;
}

export interface Collected {
  snapshot: Snapshot;
  digest: string;
  changed: boolean;
  /** The clock when the collection was cached. */
  at: Date;
}

export interface CycleReport extends Collected {
  plan: UploadPlan;
  /** Changed snapshots the outbox bound dropped to make room for this one. */
  dropped: number;
  /** null: nothing was sent (no ServerURL, or the configuration refuses uploads); `held` says which. */
  upload: UploadReport | null;
  /** Why nothing was sent when upload is null, in words; null otherwise. */
  held: string | null;
}

export async function collectAndCache(deps: CollectDeps): Promise<Collected> {
  const { db, log, settings } = deps;
  const result = await collect({
    run: deps.run,
    stat: deps.stat,
    now: deps.now,
    hostname: deps.hostname(),
    newId: deps.newId,
    agentVersion: deps.agentVersion,
    excludeUsers: settings.ExcludeUsers,
    budgetMs: settings.CollectTimeoutSeconds * 1000,
    previousBootstrapCheck: readState<unknown>(db, 'bootstrapCheck'),
    previousPlatformSso: readState<unknown>(db, 'platformSso'),
  });
  const snapshot = result.snapshot;
  const problems = checkSnapshot(snapshot);
  if (problems.length > 0) {
    // Our own output broke the contract: a bug. Record it loudly; never upload an invalid body.
    throw new Error(
      `internal error: the snapshot does not match the contract: ${JSON.stringify(problems.slice(0, 5))}`,
    );
  }
  if (result.bootstrapCheck) writeState(db, 'bootstrapCheck', result.bootstrapCheck);
  if (result.platformSso) writeState(db, 'platformSso', result.platformSso);
  else deleteState(db, 'platformSso');
  const digest = snapshotDigest(snapshot);
  const recorded = recordSnapshot(db, snapshot, digest, {
    maxSnapshots: settings.MaxCachedSnapshots,
    maxBytes: settings.MaxCacheBytes,
  });
  log.info(
    {
      snapshot: snapshot.id,
      digest,
      changed: recorded.changed,
      errors: snapshot.errors.length,
      pruned: recorded.pruned,
    },
    'collected',
  );
  for (const e of snapshot.errors) log.warn({ probe: e.probe, kind: e.kind, user: e.user }, e.message);
  try {
    deps.writeSummary(snapshot);
  } catch (err) {
    // The snapshot is cached and will be sent; only the EAs miss this collection (they say Stale later).
    log.error({ err: (err as Error).message }, 'the EA summary plist could not be written');
  }
  return { snapshot, digest, changed: recorded.changed, at: deps.now() };
}

function queue(deps: CycleDeps, collected: Collected): { plan: UploadPlan; dropped: number } {
  const { db, settings, log } = deps;
  const { snapshot, digest, changed, at } = collected;
  const plan = planUpload({
    changed,
    lastUploadAt: readState<{ at: string }>(db, 'lastUpload')?.at ?? null,
    now: at,
    minIntervalSeconds: settings.MinIntervalSeconds,
  });
  if (plan === 'none') {
    log.info(
      { minIntervalSeconds: settings.MinIntervalSeconds },
      'unchanged and uploaded recently: nothing new to send',
    );
    return { plan, dropped: 0 };
  }
  const item =
    plan === 'snapshot'
      ? { kind: 'snapshot' as const, itemId: snapshot.id, digest, body: JSON.stringify(snapshot) }
      : {
          kind: 'checkin' as const,
          itemId: snapshot.id,
          digest,
          body: JSON.stringify(checkinFor(snapshot, digest)),
        };
  const { dropped } = enqueue(db, item, at, settings.MaxCachedSnapshots);
  if (dropped > 0) {
    log.error(
      { dropped, maxCachedSnapshots: settings.MaxCachedSnapshots },
      'the outbox is full: the oldest queued snapshots were dropped and will never reach the collector',
    );
  }
  return { plan, dropped };
}

export async function runCycle(deps: CycleDeps): Promise<CycleReport> {
  const { db, settings, log } = deps;
  const collected = await collectAndCache(deps);
  const { plan, dropped } = queue(deps, collected);
  const done = (upload: UploadReport | null, held: string | null = null): CycleReport => ({
    ...collected,
    plan,
    dropped,
    upload,
    held,
  });
  if (!settings.ServerURL) {
    log.info('no ServerURL configured: the snapshot stays in the local cache');
    return done(null, 'no ServerURL configured: the snapshot stays in the local cache');
  }
  if (deps.uploadRefusals.length > 0) {
    const error = `uploads refused by the configuration: ${deps.uploadRefusals.join(' ')}`;
    writeState(db, 'lastUploadError', { at: deps.now().toISOString(), error });
    log.error({ problems: deps.uploadRefusals }, 'uploads refused by the configuration; the queue waits');
    return done(null, error);
  }
  let client: Client;
  try {
    client = deps.client({
      serverUrl: settings.ServerURL,
      pins: settings.PinSHA256,
      allowInsecureHttp: settings.AllowInsecureHTTP,
      requestTimeoutMs: settings.UploadTimeoutSeconds * 1000,
      userAgent: `tokenwatch-agent/${deps.agentVersion}`,
      now: deps.now,
    });
  } catch (err) {
    if (!(err instanceof EndpointError)) throw err;
    writeState(db, 'lastUploadError', { at: deps.now().toISOString(), error: err.message });
    log.error({ error: err.message }, 'uploads refused; the queue waits');
    return done(null, err.message);
  }
  const report = await drainOutbox({
    db,
    client,
    tokens: deps.tokens,
    enrollSecret: settings.EnrollSecret,
    now: deps.now,
    random: deps.random,
    log,
    // Absolute: a timer, not the (possibly driven or adjusted) clock.
    signal: AbortSignal.timeout(settings.UploadTimeoutSeconds * 1000),
    maxQueuedSnapshots: settings.MaxCachedSnapshots,
    ignoreBackoff: deps.retryNow === true,
  });
  log.info({ ...report }, 'upload finished');
  return done(report);
}
