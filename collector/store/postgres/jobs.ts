// jobs: each scheduled job's lease (one runner at a time across every collector on the database, and one
// scheduled run a period) and its last run. The lease is one conditional upsert: of two collectors taking it at once, one inserts or
// updates the row and the other's condition no longer holds (its unit waits on the row lock, or is run
// again after a serialization failure, and then finds the lease held).
import type { Sql } from './sql.ts';
import type { JobStore } from '../types.ts';
import { toJob } from '../rows.ts';
import type { JobRow } from '../rows.ts';

const COLUMNS = `name, lease_owner, lease_until, started_at, finished_at, duration_ms, outcome, error, report, runs,
  failures`;

export function postgresJobs(sql: Sql): JobStore {
  return {
    async acquire(name, owner, now, until, notStartedSince) {
      const taken = await sql.count(
        `INSERT INTO jobs AS j (name, lease_owner, lease_until, started_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET lease_owner = $2, lease_until = $3, started_at = $4
           WHERE (j.lease_owner IS NULL OR j.lease_owner = $2 OR j.lease_until <= $4)
             AND ($5::bigint IS NULL OR j.started_at IS NULL OR j.started_at < $5)`,
        [name, owner, until, now, notStartedSince ?? null],
      );
      return taken === 1;
    },
    async finish(name, owner, f) {
      await sql.count(
        `UPDATE jobs SET lease_owner = NULL, lease_until = NULL, finished_at = $3, duration_ms = $4,
           outcome = $5, error = $6, report = $7, runs = runs + 1,
           failures = failures + CASE WHEN $5 = 'failed' THEN 1 ELSE 0 END
         WHERE name = $1 AND lease_owner = $2`,
        [name, owner, f.at, f.durationMs, f.outcome, f.error, f.report],
      );
    },
    async get(name) {
      const [r] = await sql.rows<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE name = $1`, [name]);
      return r ? toJob(r) : null;
    },
    list: async () => (await sql.rows<JobRow>(`SELECT ${COLUMNS} FROM jobs ORDER BY name`)).map(toJob),
  };
}
