// Running a scheduled job: never twice at once (in this process: a run still going makes the next one a
// skip; across collectors sharing a database: a lease in the store's jobs table, taken before and given back
// after each run), and a scheduled run once a minute across collectors (each collector's node-cron fires at
// the same minute: the lease is not taken again in a minute a run started in, so a collector whose timer
// fired a moment after another's run finished skips; no job is scheduled more often than once a minute, and
// the collectors' clocks agree within the shortest run, as NTP keeps them), timed, recorded (last run, duration, outcome, report: GET /api/v1/jobs) and logged
// (one pino line per run: info when it did something or failed, debug when it found nothing to do).
// A job is (now, since) -> report: `since` is the `now` of its last successful run (null before the
// first), so a job catches up on what happened while it did not run, by the injected clock.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Millis, Store } from '../store/types.ts';

export type JobReport = Record<string, number | string | boolean | null>;

export interface JobDefinition {
  name: string;
  /** node-cron expression (schedule.ts runs it). */
  cron: string;
  /** The time zone `cron` is read in (default: the system's). */
  timezone?: string;
  description: string;
  run(now: Millis, since: Millis | null): Promise<JobReport>;
}

export interface JobRun {
  job: string;
  outcome: 'ok' | 'failed' | 'skipped';
  /** Why a run was skipped, or the error of a failed one. */
  detail: string | null;
  durationMs: number;
  report: JobReport | null;
}

/** How long a lease lasts without being given back (a collector that died mid-run frees it after this). */
export const JOB_LEASE_MS = 10 * 60_000;
const MINUTE = 60_000;

/** Whether a report says the run changed something (its log line is info then). */
const didSomething = (r: JobReport): boolean =>
  Object.entries(r).some(([k, v]) => k !== 'through' && typeof v === 'number' && v > 0);

export interface RunnerDeps {
  store: Store;
  clock: Clock;
  monotonic: () => number;
  logger: Logger;
  /** Every run's outcome (metrics). */
  onRun?: (job: string, outcome: JobRun['outcome']) => void;
}

export class JobRunner {
  readonly #running = new Set<string>();
  readonly #runs = new Set<Promise<JobRun>>();
  readonly owner: string;
  readonly deps: RunnerDeps;

  constructor(deps: RunnerDeps & { owner?: string }) {
    this.deps = deps;
    this.owner = deps.owner ?? `collector-${randomUUID()}`;
  }

  /**
   * Run a job now; `scheduled`: as its schedule does (skipped when a run of this minute started on any
   * collector).
   */
  run(job: JobDefinition, o: { scheduled?: boolean } = {}): Promise<JobRun> {
    const p = this.#run(job, o.scheduled === true).then((r) => {
      this.deps.onRun?.(r.job, r.outcome);
      return r;
    });
    this.#runs.add(p);
    void p.finally(() => this.#runs.delete(p)).catch(() => {});
    return p;
  }

  /** Wait for the runs in progress (before the store closes). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#runs]);
  }

  async #run(job: JobDefinition, scheduled: boolean): Promise<JobRun> {
    const { store, clock, logger } = this.deps;
    if (this.#running.has(job.name)) {
      logger.warn({ job: job.name }, 'job skipped: its previous run is still going');
      return {
        job: job.name,
        outcome: 'skipped',
        detail: 'its previous run is still going',
        durationMs: 0,
        report: null,
      };
    }
    this.#running.add(job.name);
    try {
      const now = clock.now().getTime();
      const previous = await store.jobs.get(job.name);
      const period = scheduled ? now - (now % MINUTE) : undefined;
      if (!(await store.jobs.acquire(job.name, this.owner, now, now + JOB_LEASE_MS, period))) {
        const current = await store.jobs.get(job.name);
        const held = current?.leaseOwner != null && current.leaseOwner !== this.owner;
        const detail = held ? 'another collector holds its lease' : 'another collector ran it this minute';
        if (held) logger.info({ job: job.name, holder: current.leaseOwner }, `job skipped: ${detail}`);
        else logger.debug({ job: job.name }, `job skipped: ${detail}`);
        return { job: job.name, outcome: 'skipped', detail, durationMs: 0, report: null };
      }
      const through = readThrough(previous?.report ?? null);
      const t0 = this.deps.monotonic();
      let report: JobReport | null = null;
      let error: Error | null = null;
      try {
        report = { ...(await job.run(now, through)), through: new Date(now).toISOString() };
      } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
      }
      const durationMs = Math.round(this.deps.monotonic() - t0);
      const outcome = error === null ? 'ok' : 'failed';
      await store.jobs.finish(job.name, this.owner, {
        at: clock.now().getTime(),
        durationMs,
        outcome,
        error: error?.message ?? null,
        // A failed run keeps the point the last good one reached, so the next run catches up from there.
        report: JSON.stringify(
          report ?? { through: through === null ? null : new Date(through).toISOString() },
        ),
      });
      if (error) logger.error({ job: job.name, durationMs, err: error }, `job ${job.name} failed`);
      else {
        const line = { job: job.name, durationMs, outcome, ...report };
        if (didSomething(report ?? {})) logger.info(line, `job ${job.name} ran`);
        else logger.debug(line, `job ${job.name} ran`);
      }
      return { job: job.name, outcome, detail: error?.message ?? null, durationMs, report };
    } finally {
      this.#running.delete(job.name);
    }
  }
}

/** The instant a stored report says its run reached, or null. */
function readThrough(report: string | null): Millis | null {
  if (report === null) return null;
  try {
    const t = (JSON.parse(report) as { through?: unknown }).through;
    const ms = typeof t === 'string' ? Date.parse(t) : NaN;
    return Number.isNaN(ms) ? null : ms;
  } catch {
    return null;
  }
}
