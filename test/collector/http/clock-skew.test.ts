// A Mac with a wrong clock still reports: its states are ordered by what the collector can trust (the
// receive time, with collectedAt capped at receivedAt + 5 minutes), its collectedAt is kept as reported and
// flagged as clock skew, and a snapshot dated in the future never freezes the device.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotDigest } from '../../../agent/snapshot/index.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';
import { startTestCollector, snapshotFor, T0 } from '../../helpers/collector.ts';
import type { TestCollector, Json } from '../../helpers/collector.ts';

let c: TestCollector;
before(async () => {
  c = await startTestCollector();
});
after(() => c.stop());

const HOUR = 3_600_000;
const at = (ms: number) => new Date(ms).toISOString();
const rules = (j: Json) => j.findings.map((f: Json) => f.rule).sort();
const listed = async (serial: string) =>
  (await c.admin('/api/v1/devices?limit=1000')).json.devices.find((d: Json) => d.serial === serial);

test('a snapshot dated 2099 does not freeze the device: later real snapshots become current; the skew is flagged and clears', async () => {
  const d = await c.device();
  const mac = (collectedAt: string, patch: (s: Snapshot) => void = () => {}) =>
    snapshotFor(d.serial, d.hardwareUuid, (s) => {
      s.collectedAt = collectedAt;
      patch(s);
    });
  // The Mac's clock says 2099: accepted, kept as reported, flagged, current (nothing newer yet).
  const future = mac('2099-06-01T00:00:00Z');
  assert.equal((await c.upload(d.token, future)).status, 200);
  const skew = Math.round((Date.parse('2099-06-01T00:00:00Z') - T0.getTime()) / 1000);
  let j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  assert.equal(j.status, 'compliant');
  assert.equal(j.collectedAt, '2099-06-01T00:00:00.000Z');
  assert.equal(j.clockSkewSeconds, skew);
  assert.equal((await listed(d.serial)).clockSkewSeconds, skew);
  assert.equal(j.history[0].clockSkewSeconds, skew);

  // An hour later the clock is right and FileVault is off: the real state becomes current.
  c.clock.advance(HOUR);
  const real = mac(c.clock.now().toISOString(), (s) => ((s.fileVault as { state: string }).state = 'off'));
  const r = await c.upload(d.token, real);
  assert.equal(r.status, 200);
  assert.equal(r.json.changed, true);
  j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  assert.equal(j.status, 'noncompliant', JSON.stringify(j.findings));
  assert.deepEqual(rules(j), ['filevault-off']);
  assert.equal(j.digest, snapshotDigest(real));
  assert.equal(
    j.snapshot.id,
    real.id,
    'the device page shows the current snapshot, not the one dated latest',
  );
  assert.equal(j.clockSkewSeconds, null);
  assert.equal((await listed(d.serial)).clockSkewSeconds, null);
  assert.deepEqual(
    j.history.map((h: Json) => [h.collectedAt, h.clockSkewSeconds]),
    [
      [at(T0.getTime() + HOUR), null],
      ['2099-06-01T00:00:00.000Z', skew],
    ],
  );

  // Check-ins keep it fresh and say what the clock says now.
  const checkin = (collectedAt: string) =>
    c.request('POST', '/api/v1/checkins', {
      token: d.token,
      body: {
        schema: 'tokenwatch.checkin/1',
        id: crypto.randomUUID(),
        digest: snapshotDigest(real),
        collectedAt,
        consoleUser: null,
      },
    });
  c.clock.advance(HOUR);
  assert.equal((await checkin('2099-06-01T02:00:00Z')).status, 200);
  assert.equal(
    (await listed(d.serial)).clockSkewSeconds,
    Math.round((Date.parse('2099-06-01T02:00:00Z') - c.clock.now().getTime()) / 1000),
  );
  // Within the tolerance (5 minutes ahead) is no skew.
  c.clock.advance(HOUR);
  assert.equal((await checkin(at(c.clock.now().getTime() + 4 * 60_000))).status, 200);
  assert.equal((await listed(d.serial)).clockSkewSeconds, null);

  // The clock jumps ahead again: every new state still becomes current, each in the order received.
  for (const [i, state] of (['on', 'off', 'on'] as const).entries()) {
    c.clock.advance(HOUR);
    const s = mac(`2099-07-0${i + 1}T00:00:00Z`, (x) => {
      (x.fileVault as { state: string }).state = state;
      x.bootstrapToken.escrowed = i !== 1;
    });
    assert.equal((await c.upload(d.token, s)).status, 200);
    const now = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
    assert.equal(now.digest, snapshotDigest(s), `step ${i}`);
    assert.ok(now.clockSkewSeconds > 0);
  }
});

test('a late delivery of an older state still goes to history only; a clock within the tolerance orders by collectedAt', async () => {
  const d = await c.device();
  const now = c.clock.now().getTime();
  const current = snapshotFor(d.serial, d.hardwareUuid, (s) => (s.collectedAt = at(now)));
  assert.equal((await c.upload(d.token, current)).status, 200);
  c.clock.advance(60_000);
  // Collected two hours ago, held in the outbox, delivered now.
  const late = snapshotFor(d.serial, d.hardwareUuid, (s) => {
    s.collectedAt = at(now - 2 * HOUR);
    (s.fileVault as { state: string }).state = 'off';
  });
  const r = await c.upload(d.token, late);
  assert.equal(r.status, 200);
  assert.equal(r.json.changed, true);
  let j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  assert.equal(j.digest, snapshotDigest(current));
  assert.equal(j.status, 'compliant');
  assert.equal(j.history.length, 2);
  // Two minutes ahead of the collector (within 5): it is newer than the current one, and not skew.
  const ahead = snapshotFor(d.serial, d.hardwareUuid, (s) => {
    s.collectedAt = at(c.clock.now().getTime() + 2 * 60_000);
    s.bootstrapToken.escrowed = false;
  });
  assert.equal((await c.upload(d.token, ahead)).status, 200);
  j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  assert.equal(j.digest, snapshotDigest(ahead));
  assert.equal(j.clockSkewSeconds, null);
});
