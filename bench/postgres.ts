// Figure 8: collector ingest on PostgreSQL, the same load client, bodies and scenarios as figure 1, against
// one collector process and then two collector processes sharing one database (the load client sends to
// them in turn, as a round-robin load balancer does), each on a fresh database of a PostgreSQL server
// started for the run (Debian's postgresql on loopback, the system suite's helper, with PostgreSQL's own
// durability defaults: fsync and synchronous commit on; a third run has synchronous_commit off, as SQLite's
// synchronous=NORMAL does not wait for the disk at each commit either). The transactions committed and rolled back
// (serialization failures run again) are read from pg_stat_database for each.
import { benchIngest } from './ingest.ts';
import type { IngestOptions, IngestResult } from './ingest.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import type { PostgresServer } from '../test/helpers/postgres.ts';

export interface PostgresIngestRun extends IngestResult {
  collectors: number;
  /** The database's synchronous_commit: on (PostgreSQL's default) or off (commits not waiting for the WAL flush). */
  synchronousCommit: 'on' | 'off';
  /** Transactions committed and rolled back in the database over the run (pg_stat_database). */
  commits: number;
  rollbacks: number;
  /** Deadlocks detected in the database over the run (pg_stat_database). */
  deadlocks?: number;
}

export interface PostgresIngestResult {
  server: string;
  /** IngestOptions of both runs. */
  options: IngestOptions;
  runs: PostgresIngestRun[];
}

async function run(
  server: PostgresServer,
  collectors: number,
  synchronousCommit: 'on' | 'off',
  o: IngestOptions,
  log: (s: string) => void,
): Promise<PostgresIngestRun> {
  const db = await server.createDatabase();
  try {
    await server.admin(`ALTER DATABASE ${db.name} SET synchronous_commit = ${synchronousCommit}`);
    const r = await benchIngest(o, log, {
      databaseUrl: db.url,
      collectors,
      bytes: async () =>
        Number((await server.admin<{ n: string }>(`SELECT pg_database_size($1) AS n`, [db.name]))[0]?.n ?? 0),
    });
    const [stat] = await server.admin<{ c: string; r: string; d: string }>(
      `SELECT xact_commit AS c, xact_rollback AS r, deadlocks AS d FROM pg_stat_database WHERE datname = $1`,
      [db.name],
    );
    return {
      ...r,
      collectors,
      synchronousCommit,
      commits: Number(stat?.c ?? 0),
      rollbacks: Number(stat?.r ?? 0),
      deadlocks: Number(stat?.d ?? 0),
    };
  } finally {
    await db.drop();
  }
}

/** Which runs: collector processes and synchronous_commit, in order. */
export type PostgresRunSpec = readonly (readonly [number, 'on' | 'off'])[];
export const ALL_POSTGRES_RUNS: PostgresRunSpec = [
  [1, 'on'],
  [2, 'on'],
  [1, 'off'],
];

/** `1:on,2:on,1:off` (run.ts's --postgres-runs) as a PostgresRunSpec. */
export function parsePostgresRuns(s: string): PostgresRunSpec {
  return s.split(',').map((x) => {
    const m = /^([12]):(on|off)$/.exec(x.trim());
    if (!m) throw new Error(`--postgres-runs: ${x} is not COLLECTORS:on|off (1 or 2 collectors)`);
    return [Number(m[1]), m[2] as 'on' | 'off'] as const;
  });
}

export async function benchIngestPostgres(
  o: IngestOptions,
  log: (s: string) => void,
  spec: PostgresRunSpec = ALL_POSTGRES_RUNS,
): Promise<PostgresIngestResult> {
  const server = await startPostgres({ durable: true });
  try {
    const [version] = await server.admin<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    log(`PostgreSQL ${version?.v ?? '?'} on 127.0.0.1:${server.port}`);
    const runs: PostgresIngestRun[] = [];
    // One and two collectors as PostgreSQL is installed; then one with synchronous_commit off, SQLite's
    // durability (synchronous=NORMAL in WAL mode does not wait for the disk at each commit either).
    for (const [collectors, sync] of spec) {
      log(`${collectors} collector process${collectors > 1 ? 'es' : ''}, synchronous_commit ${sync}`);
      const k = await run(server, collectors, sync, o, log);
      log(
        `${o.devices} devices: ${k.commits} transactions committed, ${k.rollbacks} rolled back, ` +
          `${k.retries ?? '?'} units run again (serialization failures and deadlocks), ${k.deadlocks} deadlocks`,
      );
      runs.push(k);
    }
    return { server: `PostgreSQL ${version?.v ?? '?'}`, options: o, runs };
  } finally {
    await server.stop();
  }
}
