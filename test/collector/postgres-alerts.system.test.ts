// Alert delivery with two collectors on one PostgreSQL database, each running its delivery worker with the
// same webhook channel: every event reaches the receiver exactly once (the claim is FOR UPDATE SKIP
// LOCKED in the store), signed, whichever collector wrote it and whichever sent it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCollector } from '../helpers/collector.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { startPostgres } from '../helpers/postgres.ts';
import type { PostgresServer } from '../helpers/postgres.ts';
import { macWith, newSecret, PUBLIC_URL, verified } from './alerts/alert-setup.ts';

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server.stop();
});

test('two collectors on one database deliver each alert event once to the channel they share', async () => {
  const db = await server.createDatabase();
  const receiver = await startReceiver(() => ({ status: 200, body: 'ok', delayMs: 20 }));
  const secret = newSecret();
  const settings = {
    databaseUrl: db.url,
    webhookUrl: receiver.url,
    webhookSecret: secret,
    publicUrl: PUBLIC_URL,
  };
  const collectors = [
    await startTestCollector(settings, { jobs: false }),
    await startTestCollector(settings, { jobs: false }),
  ];
  try {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    for (const c of collectors) c.clock.set(now);
    const MACS = 24;
    // Each Mac loses escrow through one collector or the other: one incident opened, one event each.
    const macs = await Promise.all(
      Array.from({ length: MACS }, (_, i) =>
        macWith(collectors[i % 2] as (typeof collectors)[number], false),
      ),
    );
    const received = await receiver.waitFor(MACS, 60_000);
    await Promise.all(collectors.map((c) => c.alerts.worker.idle()));
    const events = verified(secret, receiver.received);
    assert.equal(receiver.received.length, MACS, 'one request per event, none sent twice');
    assert.equal(new Set(received.map((r) => r.headers['webhook-id'])).size, MACS, 'every webhook-id once');
    assert.deepEqual(
      events.map((e) => e.data.device.serial as string).sort(),
      macs.map((m) => m.serial).sort(),
    );
    for (const e of events) assert.equal(e.type, 'opened');
    const deliveries = await (collectors[0] as (typeof collectors)[number]).admin(
      '/api/v1/alerts/deliveries?state=delivered&limit=100',
    );
    assert.equal(deliveries.status, 200, deliveries.text);
    assert.equal(deliveries.json.deliveries.length, MACS, 'each delivery recorded delivered once');
  } finally {
    for (const c of collectors) await c.stop();
    await receiver.close();
    await db.drop();
  }
});
