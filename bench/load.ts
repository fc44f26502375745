// The load client, in its own process: keep-alive node:http against the bench server (127.0.0.1 only).
// Enrolls --devices devices, uploads each one's first snapshot, then runs the scenarios in order and
// prints one JSON line per scenario.
//
//   node bench/load.ts --url http://127.0.0.1:PORT[,http://127.0.0.1:PORT2] [--devices 2000] [--connections 64] [--duration 10]
//     [--warmup 2] [--rate 1000] [--rate-duration 10] [--server-pid PID[,PID2]] [--scenarios noop,unchanged,...]
//     [--order sequential|shuffled]
//
// --order: the scenarios take the devices in turn, in enrolment order (sequential, the default: the requests
// in flight are on neighbouring device ids) or in one random order drawn after the set-up (shuffled: the
// requests in flight are on ids spread over the fleet, as a fleet reporting at its own times sends them).
//
// Several URLs (collectors sharing one database): requests go to them in turn, as a round-robin load
// balancer sends them; "server cores" then sums the collector processes named by --server-pid.
//
// Scenarios: noop (POST /noop with a snapshot-sized body), unchanged (snapshot uploads whose digest is the
// device's current one), checkin (POST /api/v1/checkins), changed (every upload a new digest: history,
// rule evaluation, findings), and rate-changed / rate-unchanged: uploads started on a fixed schedule of
// --rate per second whatever the answers do (open loop; latency counts from the scheduled start, so a
// stalled server is not hidden by a client that waits for it).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { BENCH_ENROLL_SECRET, cpuSeconds, percentile, round } from './lib.ts';
import { benchDevice, checkinBody, nextUid, snapshotBody } from './bodies.ts';
import type { BenchDevice } from './bodies.ts';

export type Scenario = 'noop' | 'unchanged' | 'checkin' | 'changed' | 'rate-changed' | 'rate-unchanged';
export const SCENARIOS: Scenario[] = [
  'noop',
  'unchanged',
  'checkin',
  'changed',
  'rate-changed',
  'rate-unchanged',
];

export interface ScenarioResult {
  scenario: Scenario;
  connections: number;
  /** Target rate for the fixed-rate scenarios, else null (as fast as answers come). */
  rate: number | null;
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers other than 200, by status (0 = network error). */
  failures: Record<string, number>;
  /** CPU the server process used during the measured window, in cores (null without /proc). */
  serverCores: number | null;
  clientCores: number;
  bodyBytes: number;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    devices: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '64' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    rate: { type: 'string', default: '1000' },
    'rate-duration': { type: 'string', default: '10' },
    'server-pid': { type: 'string' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    order: { type: 'string', default: 'sequential' },
  },
});
if (values.order !== 'sequential' && values.order !== 'shuffled')
  throw new Error(`--order: ${values.order} is not sequential or shuffled`);
if (!values.url) throw new Error('--url is required');
const urls = values.url.split(',').map((u) => new URL(u));
for (const url of urls)
  if (url.hostname !== '127.0.0.1') throw new Error('the load client only talks to 127.0.0.1');
let turn = 0;
const DEVICES = Number(values.devices);
const CONNECTIONS = Number(values.connections);
const DURATION_S = Number(values.duration);
const WARMUP_S = Number(values.warmup);
const RATE = Number(values.rate);
const RATE_DURATION_S = Number(values['rate-duration']);
const SERVER_PIDS = values['server-pid'] ? values['server-pid'].split(',').map(Number) : null;
/** CPU seconds of the collector processes so far (null where /proc is missing). */
const serverCpu = (): number | null => {
  if (SERVER_PIDS === null) return null;
  const each = SERVER_PIDS.map(cpuSeconds);
  return each.some((c) => c === null) ? null : each.reduce<number>((a, c) => a + (c as number), 0);
};
const scenarios = values.scenarios.split(',').filter(Boolean) as Scenario[];
for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}`);

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS });

interface Answer {
  status: number;
  text: string;
}

function post(path: string, body: string, token: string | null, wantText: boolean): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const url = urls[turn++ % urls.length] as URL;
    const req = http.request(
      { host: url.hostname, port: url.port, path, method: 'POST', agent, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (wantText) chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: wantText ? Buffer.concat(chunks).toString('utf8') : '',
          }),
        );
        res.on('error', () => resolve({ status: 0, text: '' }));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(body);
  });
}

/** Run fn over items with `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

// --- setup: enroll, first upload -------------------------------------------------------------------
const devices: BenchDevice[] = [];
const tag = randomUUID().slice(0, 8).toUpperCase();
await pool(
  Array.from({ length: DEVICES }, (_, i) => i),
  CONNECTIONS,
  async (i) => {
    const serial = `B${tag}${String(i).padStart(6, '0')}`;
    const hardwareUuid = randomUUID().toUpperCase();
    const r = await post(
      '/api/v1/enroll',
      JSON.stringify({ enrollSecret: BENCH_ENROLL_SECRET, serial, hardwareUuid }),
      null,
      true,
    );
    if (r.status !== 200) throw new Error(`enroll answered ${r.status}: ${r.text}`);
    devices.push(
      benchDevice(serial, hardwareUuid, (JSON.parse(r.text) as { deviceToken: string }).deviceToken),
    );
  },
);
await pool(devices, CONNECTIONS, async (d) => {
  const r = await post('/api/v1/snapshots', snapshotBody(d, false, new Date().toISOString()), d.token, true);
  if (r.status !== 200) throw new Error(`first upload answered ${r.status}: ${r.text}`);
  d.digest = (JSON.parse(r.text) as { digest: string }).digest;
});
if (values.order === 'shuffled')
  for (let i = devices.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [devices[i], devices[j]] = [devices[j] as BenchDevice, devices[i] as BenchDevice];
  }
const noopBody = snapshotBody(devices[0] as BenchDevice, false, new Date().toISOString());

// --- one request of a scenario -------------------------------------------------------------------------
let cursor = 0;
async function one(kind: 'noop' | 'unchanged' | 'checkin' | 'changed'): Promise<number> {
  const d = devices[cursor++ % devices.length] as BenchDevice;
  const at = new Date().toISOString();
  switch (kind) {
    case 'noop':
      return (await post('/noop', noopBody, d.token, false)).status;
    case 'unchanged':
      return (await post('/api/v1/snapshots', snapshotBody(d, false, at), d.token, false)).status;
    case 'checkin':
      return (await post('/api/v1/checkins', checkinBody(d, at), d.token, false)).status;
    case 'changed': {
      const uid = nextUid(d);
      const r = await post('/api/v1/snapshots', snapshotBody(d, true, at), d.token, true);
      if (r.status === 200) {
        d.uid = uid;
        d.digest = (JSON.parse(r.text) as { digest: string }).digest;
      }
      return r.status;
    }
  }
}

interface Window {
  latencies: number[];
  failures: Record<string, number>;
  seconds: number;
  serverCores: number | null;
  clientCores: number;
}

async function measure(
  run: (lat: number[], failures: Record<string, number>) => Promise<void>,
): Promise<Window> {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const cpu0 = serverCpu();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await run(latencies, failures);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = serverCpu();
  const client = process.cpuUsage(client0);
  return {
    latencies,
    failures,
    seconds,
    serverCores: cpu0 === null || cpu1 === null ? null : round((cpu1 - cpu0) / seconds, 2),
    clientCores: round((client.user + client.system) / 1e6 / seconds, 2),
  };
}

/** As fast as answers come: CONNECTIONS requests in flight for durationS seconds. */
async function closedLoop(
  kind: 'noop' | 'unchanged' | 'checkin' | 'changed',
  durationS: number,
  lat: number[],
  failures: Record<string, number>,
) {
  const end = performance.now() + durationS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const status = await one(kind);
        lat.push(performance.now() - t);
        if (status !== 200) failures[status] = (failures[status] ?? 0) + 1;
      }
    }),
  );
}

/** Open loop: request k starts at t0 + k/rate whatever happened before; latency from that instant. */
async function fixedRate(
  kind: 'unchanged' | 'changed',
  rate: number,
  durationS: number,
  lat: number[],
  failures: Record<string, number>,
) {
  const total = Math.round(rate * durationS);
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  let k = 0;
  while (k < total) {
    const now = performance.now();
    while (k < total && t0 + (k * 1000) / rate <= now) {
      const scheduled = t0 + (k * 1000) / rate;
      k++;
      inflight.push(
        one(kind).then((status) => {
          lat.push(performance.now() - scheduled);
          if (status !== 200) failures[status] = (failures[status] ?? 0) + 1;
        }),
      );
    }
    if (k < total)
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + (k * 1000) / rate - performance.now())));
  }
  await Promise.all(inflight);
}

for (const scenario of scenarios) {
  let w: Window;
  if (scenario === 'rate-changed' || scenario === 'rate-unchanged') {
    const kind = scenario === 'rate-changed' ? 'changed' : 'unchanged';
    await measure((lat, f) => fixedRate(kind, RATE, Math.min(1, RATE_DURATION_S), lat, f)); // warm-up
    w = await measure((lat, f) => fixedRate(kind, RATE, RATE_DURATION_S, lat, f));
  } else {
    if (WARMUP_S > 0) await measure((lat, f) => closedLoop(scenario, WARMUP_S, lat, f));
    w = await measure((lat, f) => closedLoop(scenario, DURATION_S, lat, f));
  }
  const sorted = Float64Array.from(w.latencies).sort();
  const sample = devices[0] as BenchDevice;
  const result: ScenarioResult = {
    scenario,
    connections: CONNECTIONS,
    rate: scenario.startsWith('rate-') ? RATE : null,
    requests: sorted.length,
    seconds: round(w.seconds, 2),
    perSecond: Math.round(sorted.length / w.seconds),
    p50Ms: round(percentile(sorted, 0.5), 2),
    p99Ms: round(percentile(sorted, 0.99), 2),
    maxMs: round(percentile(sorted, 1), 2),
    failures: w.failures,
    serverCores: w.serverCores,
    clientCores: w.clientCores,
    bodyBytes: Buffer.byteLength(
      scenario === 'checkin'
        ? checkinBody(sample, new Date().toISOString())
        : scenario === 'noop'
          ? noopBody
          : snapshotBody(sample, false, new Date().toISOString()),
    ),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
agent.destroy();
