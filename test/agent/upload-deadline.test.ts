// The upload's deadline is absolute: the real agent `run --upload-timeout 3` against a collector that
// trickles its answer one byte a second ends within the budget (plus the collection it does first), and
// the snapshot stays queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cleanEnv, runAgent, simulatedMac } from '../helpers/agent-process.ts';

test('run --upload-timeout 3 against a server trickling a byte a second ends within its budget', async (t) => {
  const intervals = new Set<ReturnType<typeof setInterval>>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
    const timer = setInterval(() => res.write(' '), 1000);
    intervals.add(timer);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    // What the same kind of Mac takes to start and collect, without any upload.
    const baseline = await runAgent(['collect', ...simulatedMac('applesilicon-compliant').flags]);
    const mac = simulatedMac('applesilicon-compliant');
    assert.equal(baseline.code, 0, baseline.stderr);
    const r = await runAgent(['run', ...mac.flags, '--server-url', url, '--upload-timeout', '3'], {
      env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: 'enroll-secret-for-the-deadline-test' }),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(requests >= 1, 'the agent reached the trickling server');
    const uploadMs = r.ms - baseline.ms;
    t.diagnostic(
      `run --upload-timeout 3 against a trickling server: ${Math.round(r.ms)} ms in all, ${Math.round(uploadMs)} ms beyond a plain collect (${Math.round(baseline.ms)} ms)`,
    );
    assert.ok(uploadMs < 3000 + 2000, `the upload took ${Math.round(uploadMs)} ms past a 3 s budget`);
    const status = JSON.parse((await runAgent(['status', '--json', ...mac.flags])).stdout) as {
      outbox: { snapshots: number; lastError: string | null };
    };
    assert.equal(status.outbox.snapshots, 1, 'the snapshot stays queued');
    assert.match(status.outbox.lastError ?? '', /deadline|no complete answer/);
  } finally {
    for (const timer of intervals) clearInterval(timer);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
