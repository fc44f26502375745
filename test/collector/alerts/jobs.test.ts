// The scheduled jobs with a moved clock, each run as its schedule would run it: a grace window's end, a
// silence past the stale age and an exemption's expiry become events when they happen (not at the next
// upload); reminders every N days per channel; digests on a cron schedule; the backfill of a channel added
// to a collector with failing Macs is one digest; every run is in GET /api/v1/jobs and the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCollector, T0 } from '../../helpers/collector.ts';
import { openSqliteStore } from '../../../collector/store/sqlite/index.ts';
import type { TestCollector } from '../../helpers/collector.ts';
import { startReceiver } from '../../helpers/receiver.ts';
import type { Receiver } from '../../helpers/receiver.ts';
import { alertRig, delivered, macWith, newSecret, signedWith, upload } from './alert-setup.ts';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;

/** A collector whose one channel (webhook "hook", with these routing settings) posts to a fresh receiver. */
async function withChannel(
  routing: Record<string, unknown>,
  settings: Record<string, string> = {},
): Promise<{ c: TestCollector; receiver: Receiver; secret: string; stop(): Promise<void> }> {
  const receiver = await startReceiver();
  const secret = newSecret();
  const alerts = { channels: [{ name: 'hook', type: 'webhook', url: receiver.url, secret, ...routing }] };
  const c = await startTestCollector({ alerts: JSON.stringify(alerts), ...settings }, { jobs: false });
  return {
    c,
    receiver,
    secret,
    async stop() {
      await c.stop();
      await receiver.close();
    },
  };
}

test('a grace window that ends opens the incident within the job run, not at the next upload', async () => {
  const { c, receiver, secret, stop } = await alertRig({ graceSeconds: 'bootstrap-not-escrowed=600' });
  try {
    const mac = await macWith(c, false);
    await delivered(c);
    assert.equal(receiver.received.length, 0, 'pending inside its grace window');
    c.clock.advance(9 * M);
    let run = await c.jobs.run('grace-promotion');
    assert.equal(run.outcome, 'ok');
    await delivered(c);
    assert.equal(receiver.received.length, 0);
    c.clock.advance(2 * M);
    run = await c.jobs.run('grace-promotion');
    assert.equal(run.report?.['opened'], 1);
    await delivered(c);
    const [opened] = signedWith(secret, receiver.received);
    assert.equal(opened.type, 'opened');
    assert.equal(opened.data.device.serial, mac.serial);
    const jobs = await c.admin('/api/v1/jobs');
    assert.equal(jobs.status, 200, jobs.text);
    const job = jobs.json.jobs.find((j: { name: string }) => j.name === 'grace-promotion');
    assert.equal(job.runs, 2);
    assert.equal(job.lastOutcome, 'ok');
    assert.equal(job.lastReport.opened, 1);
    assert.equal(job.lastFinishedAt, c.clock.now().toISOString());
    assert.equal(job.schedule, '* * * * *');
    assert.ok(c.logs.some((l) => l['msg'] === 'job grace-promotion ran' && l['opened'] === 1));
    const m = await c.request('GET', '/metrics');
    assert.match(m.text, /tokenwatch_job_runs_total\{job="grace-promotion",outcome="ok"\} 2/);
  } finally {
    await stop();
  }
});

test('a Mac silent past the stale age gets a stale incident from the sweep; its next contact resolves it', async () => {
  const { c, receiver, secret, stop } = await alertRig({ staleAfterSeconds: '3600' });
  try {
    const mac = await macWith(c, true);
    c.clock.advance(30 * M);
    await c.jobs.run('stale-sweep');
    await delivered(c);
    assert.equal(receiver.received.length, 0);
    c.clock.advance(31 * M);
    const run = await c.jobs.run('stale-sweep');
    assert.equal(run.report?.['opened'], 1);
    await delivered(c);
    c.clock.advance(10 * M);
    await upload(c, mac, true);
    await delivered(c);
    const events = signedWith(secret, receiver.received);
    assert.deepEqual(
      events.map((e) => [e.type, e.data.rule.id, e.data.device.serial]),
      [
        ['opened', 'stale', mac.serial],
        ['resolved', 'stale', mac.serial],
      ],
    );
    // The next sweeps find nothing new.
    c.clock.advance(M);
    assert.equal((await c.jobs.run('stale-sweep')).report?.['opened'], 0);
  } finally {
    await stop();
  }
});

test("an exemption's expiry reopens the incident when it happens", async () => {
  const { c, receiver, secret, stop } = await alertRig();
  try {
    const mac = await macWith(c, false);
    const add = await c.admin('/api/v1/exemptions', 'POST', {
      serial: mac.serial,
      rule: null,
      reason: 'waiting for the user',
      createdBy: 'jdoe',
      expires: '1h',
    });
    assert.equal(add.status, 201, add.text);
    c.clock.advance(59 * M);
    assert.equal((await c.jobs.run('exemption-expiry')).report?.['reopened'], 0);
    c.clock.advance(2 * M);
    const run = await c.jobs.run('exemption-expiry');
    assert.equal(run.report?.['reopened'], 1);
    assert.equal(run.report?.['exemptions'], 1);
    await delivered(c);
    assert.deepEqual(
      signedWith(secret, receiver.received).map((e) => [e.type, e.data.incident.episode]),
      [
        ['opened', 1],
        ['exempted', 1],
        ['reopened', 2],
      ],
    );
  } finally {
    await stop();
  }
});

test('reminders: every reminderDays on their channel while the incident stays open, none after it resolves', async () => {
  const { c, receiver, secret, stop } = await withChannel({ reminderDays: 1 });
  try {
    const mac = await macWith(c, false);
    await delivered(c);
    c.clock.advance(23 * H);
    assert.equal((await c.jobs.run('reminders')).report?.['reminders'], 0);
    c.clock.advance(H);
    assert.equal((await c.jobs.run('reminders')).report?.['reminders'], 1);
    c.clock.advance(15 * M);
    assert.equal((await c.jobs.run('reminders')).report?.['reminders'], 0, 'not again at the next run');
    c.clock.advance(D);
    assert.equal((await c.jobs.run('reminders')).report?.['reminders'], 1);
    await upload(c, mac, true);
    c.clock.advance(2 * D);
    assert.equal((await c.jobs.run('reminders')).report?.['reminders'], 0);
    await delivered(c);
    const events = signedWith(secret, receiver.received);
    assert.deepEqual(
      events.map((e) => [e.type, e.data.reminder?.count ?? null]),
      [
        ['opened', null],
        ['reminder', 1],
        ['reminder', 2],
        ['resolved', null],
      ],
    );
    assert.equal(new Set(events.map((e) => e.id)).size, 4);
    assert.equal(events[1].data.incident.id, events[0].data.incident.id);
  } finally {
    await stop();
  }
});

test('a digest channel gets one summary per cron slot (opened, still open, resolved) and no single events', async () => {
  const { c, receiver, secret, stop } = await withChannel({ immediate: false, digest: '0 9 * * *' });
  try {
    c.clock.set(new Date('2026-03-03T08:00:00Z'));
    const a = await macWith(c, false);
    assert.equal((await c.jobs.run('digests')).report?.['digests'], 0);
    c.clock.set(new Date('2026-03-03T09:00:30Z'));
    assert.equal((await c.jobs.run('digests')).report?.['digests'], 1);
    assert.equal((await c.jobs.run('digests')).report?.['digests'], 0, 'once per slot');
    c.clock.set(new Date('2026-03-03T10:00:00Z'));
    await upload(c, a, true);
    c.clock.set(new Date('2026-03-03T11:00:00Z'));
    const b = await macWith(c, false);
    c.clock.set(new Date('2026-03-04T09:01:00Z'));
    assert.equal((await c.jobs.run('digests')).report?.['digests'], 1);
    await delivered(c);
    const digests = signedWith(secret, receiver.received);
    assert.deepEqual(
      digests.map((e) => e.type),
      ['digest', 'digest'],
    );
    const [first, second] = digests.map((e) => e.data.digest);
    assert.deepEqual(first.counts, { opened: 1, active: 1, resolved: 0 });
    assert.equal(first.to, '2026-03-03T09:00:00.000Z');
    assert.equal(first.opened[0].serial, a.serial);
    assert.deepEqual(second.counts, { opened: 1, active: 1, resolved: 1 });
    assert.equal(second.from, '2026-03-03T09:00:00.000Z');
    assert.equal(second.to, '2026-03-04T09:00:00.000Z');
    assert.equal(second.opened[0].serial, b.serial);
    assert.equal(second.active[0].serial, b.serial);
    assert.equal(second.resolved[0].serial, a.serial);
    assert.equal(second.active[0].url, null, 'no publicUrl: no links');
  } finally {
    await stop();
  }
});

test('a channel added to a collector with failing Macs gets one backfill digest, not one message per Mac', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-backfill-'));
  const receiver = await startReceiver();
  try {
    const before = await startTestCollector({}, { jobs: false, dir });
    const macs = [];
    for (let i = 0; i < 3; i++) macs.push(await macWith(before, false));
    await macWith(before, true);
    await before.stop();

    const secret = newSecret();
    const settings = { webhookUrl: receiver.url, webhookSecret: secret };
    const after = await startTestCollector(settings, { jobs: false, dir });
    await delivered(after);
    assert.equal(after.alerts.sync.backfilled['webhook'], 3);
    assert.equal(receiver.received.length, 1, 'one message');
    const [digest] = signedWith(secret, receiver.received);
    assert.equal(digest.type, 'digest');
    assert.equal(digest.data.digest.kind, 'backfill');
    assert.equal(digest.data.digest.counts.active, 3);
    assert.deepEqual(
      digest.data.digest.active.map((i: { serial: string }) => i.serial).sort(),
      macs.map((m) => m.serial).sort(),
    );
    await after.stop();

    // Started again with the same channel: nothing new to backfill.
    const again = await startTestCollector(settings, { jobs: false, dir });
    await delivered(again);
    assert.deepEqual(again.alerts.sync.added, []);
    assert.equal(receiver.received.length, 1);
    await again.stop();
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('turning alerting on for a database from before alerts: failing Macs become incidents silently, then one digest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-seed-'));
  const receiver = await startReceiver();
  try {
    // Devices and an active finding as a collector without alerting left them: no incidents, no events.
    const store = openSqliteStore(join(dir, 'collector.db'));
    const at = T0.getTime() - H;
    for (const serial of ['C02SEED00001', 'C02SEED00002']) {
      const d = await store.devices.create({ serial, hardwareUuid: `HW-${serial}`, tokenHash: serial, at });
      await store.findings.save(d.id, [
        {
          rule: 'filevault-off',
          user: null,
          reason: 'FileVault is Off.',
          firstSeen: at,
          lastSeen: at,
          resolvedAt: null,
          pendingUntil: null,
          failing: true,
        },
      ]);
    }
    await store.close();
    const secret = newSecret();
    const c = await startTestCollector(
      { webhookUrl: receiver.url, webhookSecret: secret },
      { jobs: false, dir },
    );
    try {
      await delivered(c);
      const incidents = await c.admin('/api/v1/alerts/incidents?state=open');
      assert.equal(incidents.json.incidents.length, 2);
      const events = await c.admin('/api/v1/alerts/events');
      assert.deepEqual(
        events.json.events.map((e: { type: string }) => e.type),
        ['digest'],
        'no opened events: the seed writes none',
      );
      assert.equal(receiver.received.length, 1);
      const [digest] = signedWith(secret, receiver.received);
      assert.equal(digest.data.digest.counts.active, 2);
    } finally {
      await c.stop();
    }
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
