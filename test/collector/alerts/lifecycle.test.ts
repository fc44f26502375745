// Incidents end to end, over real HTTP: a Mac that loses escrow is told once, at once, to a real receiver
// that verifies each Standard Webhooks signature with the standardwebhooks package; fixed, it is resolved;
// failing again, the same incident reopens; an exemption exempts it and its removal reopens it; the events
// have stable ids the API lists with their deliveries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import {
  alertRig,
  delivered,
  macWith,
  newSecret,
  PUBLIC_URL,
  signedWith,
  upload,
  verified,
} from './alert-setup.ts';

test('opened once and at once, resolved when fixed, the same incident reopened; every request verifies as Standard Webhooks', async () => {
  const { c, receiver, secret, stop } = await alertRig();
  try {
    const mac = await macWith(c, false);
    await delivered(c);
    assert.equal(receiver.received.length, 1, 'one event for the Mac that lost escrow');
    const [opened] = verified(secret, receiver.received);
    const req = receiver.received[0];
    assert.equal(req?.headers['webhook-id'], opened.id);
    assert.match(req?.headers['webhook-signature'] ?? '', /^v1,[A-Za-z0-9+/]+=*$/);
    assert.equal(req?.headers['content-type'], 'application/json');
    assert.equal(opened.type, 'opened');
    assert.equal(opened.data.device.serial, mac.serial);
    assert.equal(opened.data.device.model, 'Mac14,2');
    assert.equal(opened.data.device.osVersion, '15.3.1');
    assert.equal(opened.data.device.hostname, 'alice-mba');
    assert.equal(opened.data.device.consoleUser, 'alice');
    assert.equal(opened.data.device.url, `${PUBLIC_URL}/devices/${mac.serial}`);
    assert.equal(opened.data.rule.id, 'bootstrap-not-escrowed');
    assert.equal(opened.data.severity, 'high');
    assert.match(opened.data.remediation, /Bootstrap/);
    assert.equal(opened.data.failingSince, c.clock.now().toISOString());
    assert.equal(opened.data.incident.state, 'open');

    // Still failing (unchanged, then changed otherwise): no second event.
    await upload(c, mac, false);
    await upload(c, mac, false, (s) => (s.device.hostname = 'alice-mba-2'));
    await delivered(c);
    assert.equal(receiver.received.length, 1, 'nothing while it stays failing');

    c.clock.advance(3_600_000);
    await upload(c, mac, true);
    await delivered(c);
    c.clock.advance(3_600_000);
    await upload(c, mac, false);
    await delivered(c);
    const events = signedWith(secret, receiver.received);
    assert.deepEqual(
      events.map((e) => e.type),
      ['opened', 'resolved', 'reopened'],
    );
    assert.deepEqual(new Set(events.map((e) => e.data.incident.id)).size, 1, 'one incident throughout');
    assert.deepEqual(
      events.map((e) => e.data.incident.episode),
      [1, 1, 2],
    );
    assert.equal(events[1].data.incident.resolvedAt, events[1].timestamp);
    assert.equal(new Set(events.map((e) => e.id)).size, 3, 'each event its own id');

    // The API answers "was I told about this Mac, and when?".
    const r = await c.admin(`/api/v1/alerts/events?serial=${mac.serial}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      r.json.events.map((e: { id: string }) => e.id),
      events.map((e) => e.id).reverse(),
    );
    for (const e of r.json.events) {
      assert.equal(e.deliveries.length, 1);
      assert.equal(e.deliveries[0].channel, 'webhook');
      assert.equal(e.deliveries[0].state, 'delivered');
      assert.equal(e.deliveries[0].attempts, 1);
    }
  } finally {
    await stop();
  }
});

test('while a secret is rotated, each of the two signs; another secret or a changed body does not verify', async () => {
  const [before, after] = [newSecret(), newSecret()];
  const { c, receiver, stop } = await alertRig({ webhookSecret: `${before} ${after}` });
  try {
    await macWith(c, false);
    await delivered(c);
    const req = receiver.received[0];
    assert.ok(req);
    assert.equal(req.headers['webhook-signature']?.split(' ').length, 2);
    for (const s of [before, after])
      assert.equal((new Webhook(s).verify(req.body, req.headers) as { type: string }).type, 'opened');
    assert.throws(() => new Webhook(newSecret()).verify(req.body, req.headers), /signature/i);
    assert.throws(
      () => new Webhook(before).verify(req.body.replace('"opened"', '"resolved"'), req.headers),
      /signature/i,
    );
  } finally {
    await stop();
  }
});

test('an exemption exempts the open incident; removing it reopens the same one', async () => {
  const { c, receiver, secret, stop } = await alertRig();
  try {
    const mac = await macWith(c, false);
    await delivered(c);
    const add = await c.admin('/api/v1/exemptions', 'POST', {
      serial: mac.serial,
      rule: 'bootstrap-not-escrowed',
      reason: 'MDM migration this week',
      createdBy: 'jdoe',
      expires: '7d',
    });
    assert.equal(add.status, 201, add.text);
    await delivered(c);
    const del = await c.admin(`/api/v1/exemptions/${add.json.id}`, 'DELETE');
    assert.equal(del.status, 200, del.text);
    await delivered(c);
    const events = verified(secret, receiver.received);
    assert.deepEqual(
      events.map((e) => e.type),
      ['opened', 'exempted', 'reopened'],
    );
    assert.deepEqual(events[1].data.exemption, {
      id: add.json.id,
      reason: 'MDM migration this week',
      by: 'jdoe',
      expiresAt: new Date(c.clock.now().getTime() + 7 * 86_400_000).toISOString(),
    });
    assert.equal(events[1].data.incident.state, 'exempted');
  } finally {
    await stop();
  }
});
