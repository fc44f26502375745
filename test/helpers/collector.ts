// A real collector for tests: real HTTP on a free loopback port, a real SQLite file in a temp directory,
// a settable clock, and a pino sink the test can assert on.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { startCollector } from '../../collector/main.ts';
import type { RunningCollector } from '../../collector/main.ts';
import { loadConfig } from '../../collector/config.ts';
import type { CollectorConfig } from '../../collector/config.ts';
import { fixedClock } from '../../collector/clock.ts';
import { createLogger } from '../../collector/log.ts';
import { compliantSnapshot } from '../collector/rules/compliant-snapshot.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';

/** Response bodies as parsed JSON: tests read them freely and assert on the values. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const ENROLL_SECRET = 'enroll-secret-for-tests';
export const T0 = new Date('2026-03-02T12:00:00.000Z');

export interface TestCollector extends RunningCollector {
  dir: string;
  dbPath: string;
  clock: ReturnType<typeof fixedClock>;
  /** Move the collector's monotonic clock (rate-limit windows, cache ages) ahead of real time. */
  advanceMonotonic(ms: number): void;
  logs: Record<string, unknown>[];
  config: CollectorConfig;
  request(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; json: Json; text: string }>;
  admin(
    path: string,
    method?: string,
    body?: unknown,
  ): Promise<{ status: number; headers: Headers; json: Json; text: string }>;
  enroll(
    serial: string,
    hardwareUuid: string,
    token?: string | null,
  ): Promise<{ status: number; json: Json }>;
  /** Enroll a Mac and return its token. */
  device(
    serial?: string,
    hardwareUuid?: string,
  ): Promise<{ serial: string; hardwareUuid: string; token: string }>;
  upload(
    token: string,
    snapshot: unknown,
  ): Promise<{ status: number; headers: Headers; json: Json; text: string }>;
  stop(): Promise<void>;
}

export function snapshotFor(
  serial: string,
  hardwareUuid: string,
  patch: (s: Snapshot) => void = () => {},
): Snapshot {
  const s = compliantSnapshot();
  s.id = randomUUID();
  s.device.serial = serial;
  s.device.hardwareUuid = hardwareUuid;
  patch(s);
  return s;
}

let counter = 0;
export function newIdentity(): { serial: string; hardwareUuid: string } {
  counter++;
  const n = String(counter).padStart(6, '0');
  return { serial: `C02T${n}`, hardwareUuid: randomUUID().toUpperCase() };
}

export interface TestCollectorOptions {
  /** Run the jobs on their node-cron schedules (default true; alert tests run them by hand). */
  jobs?: boolean;
  /** The environment alert channels' secrets are read from (files are read from disk). */
  env?: Record<string, string>;
  /** The backoff's jitter (default: none, the upper bound). */
  random?: () => number;
  /** A database directory to reuse (a restart); the collector's files stay when it stops. */
  dir?: string;
  logLevel?: string;
}

export async function startTestCollector(
  settings: Record<string, string> = {},
  options: TestCollectorOptions = {},
): Promise<TestCollector> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tokenwatch-collector-'));
  const dbPath = join(dir, 'collector.db');
  const { config } = loadConfig({
    env: {},
    flags: {
      db: dbPath,
      host: '127.0.0.1',
      port: '0',
      adminToken: ADMIN_TOKEN,
      enrollSecret: ENROLL_SECRET,
      logLevel: 'info',
      ...settings,
    },
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const clock = fixedClock(T0);
  let monotonicOffset = 0;
  const running = await startCollector(config, {
    clock,
    logger: createLogger(options.logLevel ?? 'info', sink),
    monotonic: () => performance.now() + monotonicOffset,
    jobs: options.jobs ?? true,
    secrets: { env: options.env ?? {}, readFile: (p) => readFileSync(p, 'utf8') },
    alertPollMs: 20,
    random: options.random ?? (() => 1),
  });

  const request: TestCollector['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
    let body: string | Buffer | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(running.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, json, text };
  };
  const c: TestCollector = {
    ...running,
    dir,
    dbPath,
    clock,
    advanceMonotonic: (ms) => {
      monotonicOffset += ms;
    },
    logs,
    config,
    request,
    admin: (path, method = 'GET', body) =>
      request(method, path, { token: ADMIN_TOKEN, ...(body !== undefined ? { body } : {}) }),
    enroll: (serial, hardwareUuid, token = null) =>
      request('POST', '/api/v1/enroll', {
        token,
        body: { enrollSecret: ENROLL_SECRET, serial, hardwareUuid },
      }),
    async device(serial, hardwareUuid) {
      const id = serial && hardwareUuid ? { serial, hardwareUuid } : newIdentity();
      const r = await c.enroll(id.serial, id.hardwareUuid);
      if (r.status !== 200) throw new Error(`enroll failed: ${r.status} ${JSON.stringify(r.json)}`);
      return { ...id, token: r.json.deviceToken as string };
    },
    upload: (token, snapshot) => request('POST', '/api/v1/snapshots', { token, body: snapshot }),
    async stop() {
      await running.close();
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
  return c;
}
