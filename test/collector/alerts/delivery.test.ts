// Delivery against real local receivers that misbehave: a 500 retried with backoff until the receiver
// comes back, a 429's Retry-After honoured (the channel waits), a stall cut off at the timeout, a refused
// connection, a 410 that disables the channel (the API and the log say so; nothing is lost), a dead letter
// after maxAttempts that an admin sends again, and an incident's events kept in order. Every attempt is in
// GET /api/v1/alerts/deliveries and counted in /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertRig, delivered, macWith, signedWith, upload } from './alert-setup.ts';
import { startReceiver } from '../../helpers/receiver.ts';

const S = 1000;

test('a 500 is retried with exponential backoff until the receiver comes back; every attempt is recorded', async () => {
  const { c, receiver, secret, stop } = await alertRig({}, { behave: () => ({ status: 500, body: 'down' }) });
  try {
    const mac = await macWith(c, false);
    await delivered(c);
    const t0 = c.clock.now().getTime();
    let r = await c.admin(`/api/v1/alerts/deliveries?serial=${mac.serial}`);
    assert.equal(r.status, 200, r.text);
    let [d] = r.json.deliveries;
    assert.equal(d.state, 'pending');
    assert.equal(d.attempts, 1);
    assert.equal(d.lastStatus, 500);
    assert.match(d.lastError, /HTTP 500: down/);
    // retryBaseSeconds 5, jitter fixed at its top: 5 s, then 10 s.
    assert.equal(d.nextAttemptAt, new Date(t0 + 5 * S).toISOString());

    c.clock.advance(4 * S);
    await delivered(c);
    assert.equal(receiver.received.length, 1, 'not before its time');
    c.clock.advance(1 * S);
    await delivered(c);
    assert.equal(receiver.received.length, 2);
    r = await c.admin(`/api/v1/alerts/deliveries?serial=${mac.serial}`);
    assert.equal(r.json.deliveries[0].nextAttemptAt, new Date(t0 + 15 * S).toISOString());

    receiver.behave(() => ({ status: 204 }));
    c.clock.advance(10 * S);
    await delivered(c);
    r = await c.admin(`/api/v1/alerts/deliveries?serial=${mac.serial}`);
    [d] = r.json.deliveries;
    assert.equal(d.state, 'delivered');
    assert.deepEqual(
      d.attemptLog.map((a: { status: number; outcome: string }) => [a.status, a.outcome]),
      [
        [500, 'retry'],
        [500, 'retry'],
        [204, 'delivered'],
      ],
    );
    for (const a of d.attemptLog) assert.ok(Number.isInteger(a.latencyMs) && a.latencyMs >= 0);
    // The same event each time: one id, the receiver can drop repeats.
    const bodies = signedWith(secret, receiver.received);
    assert.equal(new Set(bodies.map((b) => b.id)).size, 1);
    const m = await c.request('GET', '/metrics');
    assert.match(m.text, /tokenwatch_alert_attempts_total\{channel="webhook",outcome="retry"\} 2/);
    assert.match(m.text, /tokenwatch_alert_attempts_total\{channel="webhook",outcome="delivered"\} 1/);
    assert.match(m.text, /tokenwatch_alert_events_total\{type="opened"\} 1/);
  } finally {
    await stop();
  }
});

test("a 429's Retry-After is honoured: the delivery and the rest of the channel wait until then", async () => {
  const { c, receiver, stop } = await alertRig(
    {},
    { behave: (_r, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 }) },
  );
  try {
    const t0 = c.clock.now().getTime();
    const first = await macWith(c, false);
    await delivered(c);
    await macWith(c, false);
    await delivered(c);
    assert.equal(receiver.received.length, 1, 'the second event waits behind the 429 too');
    const r = await c.admin(`/api/v1/alerts/deliveries?serial=${first.serial}`);
    assert.equal(r.json.deliveries[0].lastStatus, 429);
    assert.equal(r.json.deliveries[0].nextAttemptAt, new Date(t0 + 120 * S).toISOString());
    c.clock.advance(119 * S);
    await delivered(c);
    assert.equal(receiver.received.length, 1);
    c.clock.advance(1 * S);
    await delivered(c);
    assert.equal(receiver.received.length, 3);
    const all = await c.admin('/api/v1/alerts/deliveries?state=delivered');
    assert.equal(all.json.deliveries.length, 2);
  } finally {
    await stop();
  }
});

test('a stalled receiver is cut off at the timeout and a refused connection is retried, both recorded', async () => {
  const { c, receiver, stop } = await alertRig(
    { alerts: JSON.stringify({ channels: [], timeoutSeconds: 1 }) },
    { behave: () => ({ status: 200, stall: true }) },
  );
  try {
    const mac = await macWith(c, false);
    await delivered(c);
    let r = await c.admin(`/api/v1/alerts/deliveries?serial=${mac.serial}`);
    assert.equal(r.json.deliveries[0].state, 'pending');
    assert.equal(r.json.deliveries[0].lastStatus, null);
    assert.equal(r.json.deliveries[0].lastError, 'no answer within 1 s');
    const latency = r.json.deliveries[0].attemptLog[0].latencyMs;
    assert.ok(latency >= 900 && latency < 5000, `cut off near 1 s, not ${latency} ms`);
    await receiver.close();
    c.clock.advance(5 * S);
    await delivered(c);
    r = await c.admin(`/api/v1/alerts/deliveries?serial=${mac.serial}`);
    assert.equal(r.json.deliveries[0].attempts, 2);
    assert.match(r.json.deliveries[0].lastError, /ECONNREFUSED/);
  } finally {
    await stop();
  }
});

test('a 410 disables the channel: the API and the log say so, its deliveries wait, enabling sends them', async () => {
  const { c, receiver, stop } = await alertRig({}, { behave: () => ({ status: 410, body: 'gone' }) });
  try {
    const a = await macWith(c, false);
    await delivered(c);
    const b = await macWith(c, false);
    await delivered(c);
    assert.equal(receiver.received.length, 1, 'nothing more after the 410');
    let ch = await c.admin('/api/v1/alerts/channels');
    assert.equal(ch.status, 200, ch.text);
    const webhook = ch.json.find((x: { name: string }) => x.name === 'webhook');
    assert.ok(webhook.disabled, 'disabled');
    assert.match(webhook.disabled.reason, /410 Gone/);
    assert.equal(webhook.pending, 2, 'both wait; nothing is lost');
    const line = c.logs.find((l) => String(l['msg']).includes('disabled'));
    assert.ok(line, 'an error line says the channel is disabled');
    assert.equal(line['level'], 50);
    const m = await c.request('GET', '/metrics');
    assert.match(m.text, /tokenwatch_alert_channel_disabled\{channel="webhook"\} 1/);
    assert.match(m.text, /tokenwatch_alert_attempts_total\{channel="webhook",outcome="disabled"\} 1/);

    receiver.behave(() => ({ status: 200 }));
    const en = await c.admin('/api/v1/alerts/channels/webhook/enable', 'POST');
    assert.equal(en.status, 200, en.text);
    assert.equal(en.json.disabled, null);
    await delivered(c);
    const serials = receiver.received.slice(1).map((r) => JSON.parse(r.body).data.device.serial);
    assert.deepEqual(serials.sort(), [a.serial, b.serial].sort());
    ch = await c.admin('/api/v1/alerts/channels');
    assert.equal(ch.json[0].delivered, 2);
    assert.equal(ch.json[0].pending, 0);
    const missing = await c.admin('/api/v1/alerts/channels/nope/enable', 'POST');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, 'channel_not_found');
  } finally {
    await stop();
  }
});

test('after maxAttempts a delivery is dead (a dead letter), listed and counted; an admin sends it again', async () => {
  const { c, receiver, stop } = await alertRig(
    { alerts: JSON.stringify({ channels: [], maxAttempts: 2 }) },
    { behave: () => ({ status: 503 }) },
  );
  try {
    const mac = await macWith(c, false);
    await delivered(c);
    c.clock.advance(5 * S);
    await delivered(c);
    const dead = await c.admin('/api/v1/alerts/deliveries?state=dead');
    assert.equal(dead.json.deliveries.length, 1);
    const d = dead.json.deliveries[0];
    assert.equal(d.event.serial, mac.serial);
    assert.equal(d.attempts, 2);
    assert.equal(d.attemptLog[1].outcome, 'dead');
    assert.ok(c.logs.some((l) => l['msg'] === 'alert delivery dead after its last attempt'));
    let m = await c.request('GET', '/metrics');
    assert.match(m.text, /tokenwatch_alert_deliveries_dead\{channel="webhook"\} 1/);
    c.clock.advance(3_600 * S);
    await delivered(c);
    assert.equal(receiver.received.length, 2, 'a dead delivery is not tried again by itself');

    const notDead = await c.admin('/api/v1/alerts/deliveries/999999/retry', 'POST');
    assert.equal(notDead.status, 404);
    receiver.behave(() => ({ status: 200 }));
    const again = await c.admin(`/api/v1/alerts/deliveries/${d.id}/retry`, 'POST');
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.state, 'pending');
    await delivered(c);
    const after = await c.admin(`/api/v1/alerts/deliveries?serial=${mac.serial}`);
    assert.equal(after.json.deliveries[0].state, 'delivered');
    assert.equal(after.json.deliveries[0].attempts, 3);
    const twice = await c.admin(`/api/v1/alerts/deliveries/${d.id}/retry`, 'POST');
    assert.equal(twice.status, 409);
    assert.equal(twice.json.error, 'delivery_not_dead');
    c.advanceMonotonic(60_000);
    m = await c.request('GET', '/metrics');
    assert.match(m.text, /tokenwatch_alert_deliveries_dead\{channel="webhook"\} 0/);
  } finally {
    await stop();
  }
});

test("an incident's events keep their order: a resolve waits behind its failing open", async () => {
  const { c, receiver, stop } = await alertRig({}, { behave: (_r, n) => ({ status: n === 1 ? 500 : 200 }) });
  try {
    const mac = await macWith(c, false);
    await delivered(c);
    await upload(c, mac, true);
    await delivered(c);
    assert.equal(receiver.received.length, 1, 'the resolve is not sent while the open waits for its retry');
    c.clock.advance(5 * S);
    await delivered(c);
    assert.deepEqual(
      receiver.received.map((r) => JSON.parse(r.body).type),
      ['opened', 'opened', 'resolved'],
    );
  } finally {
    await stop();
  }
});

test('a receiver that is down for good loses nothing: the deliveries stay pending until it is back', async () => {
  const down = await startReceiver();
  const url = down.url;
  await down.close();
  const { c, stop } = await alertRig({ webhookUrl: url });
  try {
    for (let i = 0; i < 3; i++) await macWith(c, false);
    for (let h = 0; h < 6; h++) {
      c.clock.advance(1_800 * S);
      await delivered(c);
    }
    const r = await c.admin('/api/v1/alerts/deliveries?state=pending');
    assert.equal(r.json.deliveries.length, 3);
    for (const d of r.json.deliveries) assert.match(d.lastError, /ECONNREFUSED/);
  } finally {
    await stop();
  }
});
