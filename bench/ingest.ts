// Figure 1: collector ingest. The server (bench/server.ts) and the load client (bench/load.ts) each run in
// their own process on this machine; both are killed when the run ends, fails or times out.
import fs from 'node:fs';
import path from 'node:path';
import { cpuSeconds, nextJson, startNode, tempDir } from './lib.ts';
import type { ScenarioResult } from './load.ts';

export interface IngestOptions {
  devices: number;
  connections: number;
  durationS: number;
  warmupS: number;
  rate: number;
  rateDurationS: number;
  /** The order the scenarios take the devices in (bench/load.ts --order); default sequential. */
  order?: 'sequential' | 'shuffled';
}

export const FULL_INGEST: IngestOptions = {
  devices: 2000,
  connections: 64,
  durationS: 10,
  warmupS: 2,
  rate: 1000,
  rateDurationS: 15,
};
export const QUICK_INGEST: IngestOptions = {
  devices: 200,
  connections: 64,
  durationS: 2,
  warmupS: 0.5,
  rate: 1000,
  rateDurationS: 2,
};

export interface IngestResult {
  options: IngestOptions;
  scenarios: ScenarioResult[];
  /** Server process CPU seconds over the whole run (enrollment included). */
  serverCpuSeconds: number | null;
  dbBytes: number;
  /** PostgreSQL: units the collectors ran again after a serialization failure or deadlock (their sum). */
  retries?: number | null;
}

/** A PostgreSQL database to run the collector on instead of a temporary SQLite file, and how big it got. */
export interface PostgresTarget {
  databaseUrl: string;
  /** Collector processes on the database (default 1); the load client sends to them in turn. */
  collectors?: number;
  bytes(): Promise<number>;
}

export async function benchIngest(
  o: IngestOptions,
  log: (s: string) => void,
  postgres?: PostgresTarget,
): Promise<IngestResult> {
  const dir = tempDir('tw-bench-ingest-');
  const db = path.join(dir, 'collector.db');
  // Deadline: warm-ups, six scenarios and the set-up (enrolment grows with the fleet), with room to spare.
  const budgetMs =
    (o.durationS * 4 + o.warmupS * 4 + o.rateDurationS * 2 + 4) * 1000 + 120_000 + o.devices * 40;
  const start = () =>
    startNode(
      path.join(import.meta.dirname, 'server.ts'),
      [
        ...(postgres ? ['--database-url', postgres.databaseUrl] : ['--db', db]),
        '--max-seconds',
        String(Math.ceil(budgetMs / 1000) + 30),
      ],
      budgetMs + 30_000,
    );
  const servers = [start()];
  // One after the other: the first migrates the database, the second finds it migrated.
  try {
    const first = await nextJson<{ url: string; pid: number }>(
      servers[0] as (typeof servers)[number],
      'bench/server.ts',
    );
    const listening = [first];
    for (let i = 1; i < (postgres?.collectors ?? 1); i++) {
      const s = start();
      servers.push(s);
      listening.push(await nextJson<{ url: string; pid: number }>(s, 'bench/server.ts'));
    }
    const url = listening.map((l) => l.url).join(',');
    const pid = listening.map((l) => l.pid).join(',');
    log(`server ${url} (pid ${pid}); enrolling ${o.devices} devices`);
    const client = startNode(
      path.join(import.meta.dirname, 'load.ts'),
      [
        '--url',
        url,
        '--devices',
        String(o.devices),
        '--connections',
        String(o.connections),
        '--duration',
        String(o.durationS),
        '--warmup',
        String(o.warmupS),
        '--rate',
        String(o.rate),
        '--rate-duration',
        String(o.rateDurationS),
        '--server-pid',
        String(pid),
        '--order',
        o.order ?? 'sequential',
      ],
      budgetMs,
    );
    const scenarios: ScenarioResult[] = [];
    try {
      for (;;) {
        const r = await client.lines.next();
        if (r.done) break;
        const s = JSON.parse(r.value) as ScenarioResult;
        log(
          `${s.scenario}: ${s.perSecond}/s p50 ${s.p50Ms} ms p99 ${s.p99Ms} ms (server ${s.serverCores ?? '?'} cores)`,
        );
        scenarios.push(s);
      }
      const code = await client.exited;
      if (code !== 0) throw new Error(`bench/load.ts exited ${code}:\n${client.stderr().slice(-4000)}`);
    } finally {
      await client.kill();
    }
    const serverCpu = listening
      .map((l) => cpuSeconds(l.pid))
      .reduce<number | null>((a, c) => (a === null || c === null ? null : a + c), 0);
    let retries: number | null = null;
    if (postgres)
      for (const l of listening) {
        const r = (await (await fetch(`${l.url}/bench/retries`)).json()) as { retries: number | null };
        retries = r.retries === null ? null : (retries ?? 0) + r.retries;
      }
    for (const s of servers) await s.kill();
    const dbBytes = postgres
      ? await postgres.bytes()
      : ['', '-wal', '-shm'].reduce(
          (n, ext) => n + (fs.existsSync(db + ext) ? fs.statSync(db + ext).size : 0),
          0,
        );
    return { options: o, scenarios, serverCpuSeconds: serverCpu, dbBytes, ...(postgres ? { retries } : {}) };
  } finally {
    for (const s of servers) await s.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
