// A real PostgreSQL server for the system suite: Debian's postgresql (the newest /usr/lib/postgresql/N),
// a fresh cluster in a temporary directory, listening on 127.0.0.1 on a free port and on a socket in that
// directory, with trust authentication for loopback only. PostgreSQL refuses to run as root: as root the
// cluster belongs to Debian's postgres user and its programs run as that user. Each test takes a fresh
// database (createDatabase) and drops it after.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';

/** The bin directory of the newest PostgreSQL Debian installed. */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL under ${root}: apt-get install postgresql`);
  return join(root, versions[0] as string, 'bin');
}

function owner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export interface PostgresServer {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/NAME */
  url(database?: string): string;
  /** A fresh, empty database; its URL and how to drop it (also forcing out connections left open). */
  createDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }>;
  /** Run SQL as the superuser on the `postgres` database. */
  admin<T extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>;
  /** An outage: the server shuts down (fast: its connections are closed), its data kept. */
  halt(): Promise<void>;
  /** The server starts again on the same data and port, and takes connections. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

let counter = 0;

/**
 * `durable`: PostgreSQL's own defaults (fsync, full page writes, synchronous commit), for benchmarks; without
 * it, the tests' settings (no fsync: a test's database never outlives a crash).
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresServer> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-pg-'));
  const data = join(dir, 'data');
  const who = owner();
  if (who) chownSync(dir, who.uid, who.gid);
  const as = who ? { uid: who.uid, gid: who.gid } : {};
  execFileSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'],
    { ...as, stdio: 'pipe' },
  );
  const port = await freePort();
  const launch = (): ChildProcess =>
    spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-h',
        '127.0.0.1',
        '-k',
        dir,
        ...(options.durable
          ? []
          : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=64MB',
      ],
      { ...as, stdio: ['ignore', 'ignore', 'pipe'] },
    );
  let server = launch();
  let log = '';
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const started = async () => {
    server.stderr?.on('data', (b: Buffer) => {
      log = (log + b.toString()).slice(-8000);
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const c = new pg.Client({ connectionString: url() });
      try {
        await c.connect();
        await c.end();
        break;
      } catch (e) {
        await c.end().catch(() => undefined);
        if (server.exitCode !== null || Date.now() > deadline)
          throw new Error(`PostgreSQL did not start: ${String(e)}\n${log}`, { cause: e });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await started();
  const halt = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGINT'); // fast shutdown
      await exited;
    }
  };
  const admin = async <T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => {
    const c = new pg.Client({ connectionString: url() });
    await c.connect();
    try {
      return (await c.query<T>(sql, values)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    port,
    url,
    admin,
    async createDatabase() {
      const name = `tw_${process.pid}_${++counter}`;
      await admin(`CREATE DATABASE ${name} TEMPLATE template0`);
      return {
        name,
        url: url(name),
        drop: async () => {
          await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        },
      };
    },
    halt,
    async resume() {
      server = launch();
      await started();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
