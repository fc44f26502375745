// Nothing is lost across a collector killed mid-delivery: a real `tokenwatch serve` process sends five
// events to a receiver that holds every request, is killed with SIGKILL while they are in flight, and a
// new process on the same database sends each again once the dead one's claims run out (the claim lasts
// 2 x timeoutSeconds + 5 s). At least once: the receiver gets every event, repeats carry the same
// webhook-id (its idempotency key), and every delivery ends delivered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startServeProcess } from '../../helpers/serve-process.ts';
import type { ServeProcess } from '../../helpers/serve-process.ts';
import { snapshotFor } from '../../helpers/collector.ts';
import { startReceiver } from '../../helpers/receiver.ts';
import { verified, newSecret } from './alert-setup.ts';

const ADMIN = 'admin-token-for-the-restart-test-0123456789';
const ENROLL = 'enroll-secret-for-the-restart-test';
const MACS = 5;

type Served = ServeProcess;

function serve(db: string, env: Record<string, string>): Promise<Served> {
  return startServeProcess(db, { TOKENWATCH_ADMIN_TOKEN: ADMIN, TOKENWATCH_ENROLL_SECRET: ENROLL, ...env });
}

async function call(url: string, path: string, token: string, body?: unknown) {
  const r = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

test('a collector killed mid-delivery loses nothing: the next one sends every event again, with the same ids', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-alert-restart-'));
  const db = join(dir, 'collector.db');
  const receiver = await startReceiver(() => ({ status: 200, stall: true }));
  const secret = newSecret();
  const env = {
    TOKENWATCH_WEBHOOK_URL: receiver.url,
    TOKENWATCH_WEBHOOK_SECRET: secret,
    TOKENWATCH_ALERTS: JSON.stringify({ channels: [], timeoutSeconds: 2 }),
  };
  const running: Served[] = [];
  try {
    const first = await serve(db, env);
    running.push(first);
    for (let i = 0; i < MACS; i++) {
      const serial = `C02RST${String(i).padStart(5, '0')}`;
      const hardwareUuid = randomUUID().toUpperCase();
      const e = await fetch(`${first.url}/api/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ enrollSecret: ENROLL, serial, hardwareUuid }),
      });
      assert.equal(e.status, 200);
      const { deviceToken } = (await e.json()) as { deviceToken: string };
      const s = snapshotFor(serial, hardwareUuid, (x) => {
        x.collectedAt = new Date().toISOString();
        x.bootstrapToken.escrowed = false;
      });
      const u = await call(first.url, '/api/v1/snapshots', deviceToken, s);
      assert.equal(u.status, 200);
    }
    // Every event is in flight, held by the receiver: now the collector dies.
    await receiver.waitFor(MACS, 20_000);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');
    const held = receiver.received.map((r) => r.headers['webhook-id']);
    receiver.behave(() => ({ status: 200 }));
    receiver.release({ status: 200 });

    const second = await serve(db, env);
    running.push(second);
    const deadline = Date.now() + 40_000;
    let delivered = 0;
    while (Date.now() < deadline) {
      const r = await call(second.url, '/api/v1/alerts/deliveries?state=delivered', ADMIN);
      delivered = (r.json['deliveries'] as unknown[]).length;
      if (delivered === MACS) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    assert.equal(delivered, MACS, 'every delivery ends delivered');
    const pending = await call(second.url, '/api/v1/alerts/deliveries?state=pending', ADMIN);
    assert.deepEqual(pending.json['deliveries'], []);
    const after = receiver.received.slice(MACS);
    const ids = new Set(verified(secret, after).map((b: { id: string }) => b.id));
    assert.deepEqual([...ids].sort(), [...new Set(held)].sort(), 'each held event sent again, same id');
    assert.equal(new Set(held).size, MACS, 'five distinct events');
    second.child.kill('SIGTERM');
    await second.exited;
  } finally {
    for (const s of running)
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
