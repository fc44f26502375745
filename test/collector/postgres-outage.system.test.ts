// A collector whose PostgreSQL server goes away mid-run and comes back: /readyz answers 503 while the
// database does not (so a load balancer drains it) and 200 again after; what arrives meanwhile is answered
// 503 with Retry-After (never 500), and the real agent keeps its snapshot queued and sends it once the
// database is back. The collector process itself stays up throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENROLL_SECRET, snapshotFor, startTestCollector } from '../helpers/collector.ts';
import type { TestCollector } from '../helpers/collector.ts';
import { startPostgres } from '../helpers/postgres.ts';
import { cleanEnv, runAgent, simulatedMac } from '../helpers/agent-process.ts';
import type { SimulatedMac } from '../helpers/agent-process.ts';

async function readyz(c: TestCollector, status: number, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await c.request('GET', '/readyz');
    if (r.status === status) return r;
    if (Date.now() > deadline) throw new Error(`/readyz still ${r.status}: ${r.text}`);
    await sleep(100);
  }
}

const agentRun = (mac: SimulatedMac, url: string, extra: string[] = []) =>
  runAgent(['run', ...mac.flags, '--server-url', url, ...extra], {
    env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: ENROLL_SECRET }),
  });

async function outbox(mac: SimulatedMac) {
  const r = await runAgent(['status', '--json', ...mac.flags]);
  assert.equal(r.code, 0, r.stderr);
  return (
    JSON.parse(r.stdout) as {
      outbox: { snapshots: number; checkins: number; lastError: string | null };
      enrolled: boolean;
    }
  ).outbox;
}

test('the database goes away and comes back: /readyz 503 then 200, uploads meanwhile 503 with Retry-After, the agent keeps its snapshot queued and sends it after', async () => {
  const server = await startPostgres();
  const db = await server.createDatabase();
  const c = await startTestCollector({ databaseUrl: db.url }, { jobs: false });
  try {
    const mac = await c.device();
    assert.equal((await c.upload(mac.token, snapshotFor(mac.serial, mac.hardwareUuid))).status, 200);
    await readyz(c, 200);

    await server.halt();
    const down = await readyz(c, 503);
    assert.equal(down.json.ready, false);
    assert.equal(down.json.database.state, 'unreachable', down.text);
    const health = await c.request('GET', '/healthz');
    assert.equal(health.status, 200, '/healthz stays up: the process is alive');
    assert.equal(health.json.status, 'degraded', health.text);

    // An upload and an enrollment now: 503 with Retry-After, in the catalogue's words.
    const upload = await c.upload(mac.token, snapshotFor(mac.serial, mac.hardwareUuid));
    assert.equal(upload.status, 503, upload.text);
    assert.equal(upload.json.error, 'unavailable');
    assert.match(upload.headers.get('retry-after') ?? '', /^\d+$/);
    // The real agent, enrolling and uploading its first snapshot: it exits 0 with the snapshot queued.
    const agentMac = simulatedMac('applesilicon-compliant');
    const offline = await agentRun(agentMac, c.url);
    assert.equal(offline.code, 0, offline.stderr);
    const queued = await outbox(agentMac);
    assert.equal(queued.snapshots, 1, JSON.stringify(queued));
    assert.match(queued.lastError ?? '', /503/);
    const faults = c.logs.filter((l) => l['msg'] === 'request failed' && l['code'] !== 'unavailable');
    assert.deepEqual(faults.slice(0, 3), [], 'no request answered as a server fault');

    await server.resume();
    await readyz(c, 200);
    const sent = await agentRun(agentMac, c.url, ['--retry-now']);
    assert.equal(sent.code, 0, sent.stderr);
    const after = await outbox(agentMac);
    assert.equal(after.snapshots + after.checkins, 0, JSON.stringify(after));
    const page = await c.admin('/api/v1/devices/D5XQV1FMA1'); // the simulated Mac's serial
    assert.equal(page.status, 200, page.text);
    const again = await c.upload(mac.token, snapshotFor(mac.serial, mac.hardwareUuid));
    assert.equal(again.status, 200, again.text);
  } finally {
    await c.stop();
    await db.drop().catch(() => undefined);
    await server.stop();
  }
});
