// Figure 5: collector ingest on PostgreSQL, the same load client, bodies and scenarios as figure 1, against
// one collector process on a PostgreSQL server started for the run (Debian's postgresql on loopback, the
// system suite's helper, with PostgreSQL's own durability defaults: fsync and synchronous commit on).
import { benchIngest } from './ingest.ts';
import type { IngestOptions, IngestResult } from './ingest.ts';
import { startPostgres } from '../test/helpers/postgres.ts';

export interface PostgresIngestResult extends IngestResult {
  server: string;
}

export async function benchIngestPostgres(
  o: IngestOptions,
  log: (s: string) => void,
): Promise<PostgresIngestResult> {
  const server = await startPostgres({ durable: true });
  try {
    const [version] = await server.admin<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const db = await server.createDatabase();
    log(`PostgreSQL ${version?.v ?? '?'} on 127.0.0.1:${server.port}`);
    const r = await benchIngest(o, log, {
      databaseUrl: db.url,
      bytes: async () =>
        Number((await server.admin<{ n: string }>(`SELECT pg_database_size($1) AS n`, [db.name]))[0]?.n ?? 0),
    });
    return { ...r, server: `PostgreSQL ${version?.v ?? '?'}` };
  } finally {
    await server.stop();
  }
}
