// jobs: each scheduled job's lease (one runner at a time, even with several collectors on one database) and
// its last run. SQLite takes the lease with one conditional upsert; PostgreSQL can do the same or hold an
// advisory lock.
import type { Db } from './open.ts';
import type { JobStore } from '../types.ts';
import { toJob } from '../rows.ts';
import type { JobRow } from '../rows.ts';

export function sqliteJobs(db: Db): JobStore {
  const acquire = db.prepare(
    `INSERT INTO jobs (name, lease_owner, lease_until, started_at) VALUES (@name, @owner, @until, @now)
     ON CONFLICT (name) DO UPDATE SET lease_owner = @owner, lease_until = @until, started_at = @now
       WHERE (jobs.lease_owner IS NULL OR jobs.lease_owner = @owner OR jobs.lease_until <= @now)
         AND (@since IS NULL OR jobs.started_at IS NULL OR jobs.started_at < @since)`,
  );
  const finish = db.prepare(
    `UPDATE jobs SET lease_owner = NULL, lease_until = NULL, finished_at = @at, duration_ms = @durationMs,
       outcome = @outcome, error = @error, report = @report, runs = runs + 1,
       failures = failures + (@outcome = 'failed')
     WHERE name = @name AND lease_owner = @owner`,
  );
  const get = db.prepare<[string], JobRow>(`SELECT * FROM jobs WHERE name = ?`);
  const list = db.prepare<[], JobRow>(`SELECT * FROM jobs ORDER BY name`);
  return {
    async acquire(name, owner, now, until, notStartedSince) {
      return acquire.run({ name, owner, now, until, since: notStartedSince ?? null }).changes === 1;
    },
    async finish(name, owner, f) {
      finish.run({ name, owner, ...f });
    },
    async get(name) {
      const r = get.get(name);
      return r ? toJob(r) : null;
    },
    list: async () => list.all().map(toJob),
  };
}
