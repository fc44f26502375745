// Serial squatting over real HTTP with a real SQLite file. The enroll secret is readable by local users on
// every Mac, so anyone can enroll a victim's serial first with a made-up hardware UUID. A device is its
// serial and hardware UUID together: the real Mac arriving later opens an identity conflict that an admin
// sees (listed, counted in /metrics, on the device, which is not compliant meanwhile) and resolves (API or
// CLI), instead of getting 409 device_enrolled forever or silently winning. The last test runs the real agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startTestCollector,
  newIdentity,
  snapshotFor,
  ADMIN_TOKEN,
  ENROLL_SECRET,
} from '../../helpers/collector.ts';
import type { Json, TestCollector } from '../../helpers/collector.ts';
import { fv } from '../rules/compliant-snapshot.ts';
import { cleanEnv, runAgent, simulatedMac } from '../../helpers/agent-process.ts';
import { loadConfig } from '../../../collector/config.ts';
import { startCollector } from '../../../collector/main.ts';
import { createLogger } from '../../../collector/log.ts';

const BIN = new URL('../../../bin/tokenwatch.js', import.meta.url).pathname;
const run = promisify(execFile);

const madeUp = () => randomUUID().toUpperCase();

async function openConflicts(c: TestCollector, serial?: string): Promise<Json[]> {
  const r = await c.admin(`/api/v1/identity-conflicts?state=open${serial ? `&serial=${serial}` : ''}`);
  assert.equal(r.status, 200, r.text);
  return r.json.conflicts;
}

async function metric(c: TestCollector, name: string): Promise<number> {
  const text = (await c.request('GET', '/metrics')).text;
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

test('a squatter enrolled first: the real Mac opens a conflict; keeping the claimant replaces the squatter', async () => {
  const c = await startTestCollector();
  try {
    const real = newIdentity();
    // The squatter: the victim's serial, a made-up hardware UUID, a compliant report.
    const squatter = await c.device(real.serial, madeUp());
    assert.equal(
      (await c.upload(squatter.token, snapshotFor(real.serial, squatter.hardwareUuid))).status,
      200,
    );
    assert.equal((await c.admin(`/api/v1/devices/${real.serial}`)).json.status, 'compliant');

    // The real Mac: refused with identity_conflict (not device_enrolled), and the conflict is recorded.
    c.clock.advance(60_000);
    const refused = await c.enroll(real.serial, real.hardwareUuid);
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error, 'identity_conflict');
    assert.match(refused.json.message, /^identity conflict \d+: .*an admin must resolve it/);
    assert.ok(!refused.json.message.includes(squatter.hardwareUuid), 'the claimant learns nothing');
    const [conflict, ...more] = await openConflicts(c);
    assert.equal(more.length, 0);
    assert.deepEqual(conflict.claimant, {
      serial: real.serial,
      hardwareUuid: real.hardwareUuid,
      firstAttempt: '2026-03-02T12:01:00.000Z',
      lastAttempt: '2026-03-02T12:01:00.000Z',
      attempts: 1,
      firstAddress: '127.0.0.1',
      lastAddress: '127.0.0.1',
    });
    assert.equal(conflict.state, 'open');
    assert.deepEqual(conflict.serialHolder, {
      serial: real.serial,
      hardwareUuid: squatter.hardwareUuid,
      enrolledAt: '2026-03-02T12:00:00.000Z',
      tokenIssuedAt: '2026-03-02T12:00:00.000Z',
      tokenIssuedFrom: '127.0.0.1',
      lastContact: '2026-03-02T12:00:00.000Z',
      lastSeen: '2026-03-02T12:00:00.000Z',
    });
    assert.equal(conflict.uuidHolder, null);
    assert.match(refused.json.message, new RegExp(`^identity conflict ${conflict.id}:`));

    // The admin sees it on the device (not compliant while open), in the list, and in /metrics.
    const detail = await c.admin(`/api/v1/devices/${real.serial}`);
    assert.equal(detail.json.identityConflict, true);
    assert.equal(detail.json.status, 'unknown');
    const listed = (await c.admin('/api/v1/devices')).json.devices;
    assert.deepEqual(
      listed.map((d: Json) => [d.serial, d.status, d.identityConflict]),
      [[real.serial, 'unknown', true]],
    );
    assert.equal((await c.admin('/api/v1/devices?status=compliant')).json.devices.length, 0);
    assert.deepEqual((await c.admin('/api/v1/summary')).json.byStatus, {
      compliant: 0,
      noncompliant: 0,
      unknown: 1,
    });
    assert.equal(await metric(c, 'tokenwatch_identity_conflicts_open'), 1);

    // The real Mac retries (its agent keeps the snapshot queued): the same conflict, counted.
    c.clock.advance(3_600_000);
    const again = await c.enroll(real.serial, real.hardwareUuid);
    assert.equal(again.status, 409);
    assert.equal(again.json.error, 'identity_conflict');
    const [counted] = await openConflicts(c);
    assert.equal(counted.id, conflict.id);
    assert.equal(counted.claimant.attempts, 2);
    assert.equal(counted.claimant.lastAttempt, '2026-03-02T13:01:00.000Z');

    // Keep the claimant: the squatter's record and token go; the real Mac enrolls and reports.
    const resolved = await c.admin(`/api/v1/identity-conflicts/${conflict.id}/resolve`, 'POST', {
      keep: 'claimant',
      by: 'alice',
    });
    assert.equal(resolved.status, 200, resolved.text);
    assert.equal(resolved.json.state, 'resolved');
    assert.equal(resolved.json.resolution, 'claimant');
    assert.equal(resolved.json.resolvedBy, 'alice');
    assert.equal(resolved.json.resolvedAt, '2026-03-02T13:01:00.000Z');
    const gone = await c.upload(squatter.token, snapshotFor(real.serial, squatter.hardwareUuid));
    assert.equal(gone.status, 401, 'the squatter token stops working at once (also when cached)');
    const reserved = await c.admin(`/api/v1/devices/${real.serial}`);
    assert.equal(reserved.json.hardwareUuid, real.hardwareUuid);
    assert.equal(reserved.json.snapshot, null, "the squatter's reports went with its record");
    assert.deepEqual(reserved.json.history, []);
    assert.equal(reserved.json.identityConflict, false);

    const enrolled = await c.enroll(real.serial, real.hardwareUuid);
    assert.equal(enrolled.status, 200);
    const s = snapshotFor(real.serial, real.hardwareUuid, (x) => {
      x.fileVault.state = fv('off');
    });
    assert.equal((await c.upload(enrolled.json.deviceToken, s)).status, 200);
    const after = await c.admin(`/api/v1/devices/${real.serial}`);
    assert.equal(after.json.status, 'noncompliant');
    assert.equal(await metric(c, 'tokenwatch_identity_conflicts_open'), 0);

    // The squatter cannot take the serial back: its next attempt is a new conflict, never a silent win.
    const back = await c.enroll(real.serial, squatter.hardwareUuid);
    assert.equal(back.status, 409);
    assert.equal(back.json.error, 'identity_conflict');
    assert.equal((await openConflicts(c)).length, 1);

    const audit = await c.admin(`/api/v1/enrollments?serial=${real.serial}`);
    assert.deepEqual(
      audit.json.enrollments.map((e: Json) => [e.outcome, e.hardwareUuid, e.count]),
      [
        ['refused_conflict', squatter.hardwareUuid, 1],
        ['issued', real.hardwareUuid, 1],
        ['conflict_kept_claimant', real.hardwareUuid, 1],
        ['replaced', squatter.hardwareUuid, 1],
        ['refused_conflict', real.hardwareUuid, 1],
        ['refused_conflict', real.hardwareUuid, 1],
        ['issued', squatter.hardwareUuid, 1],
      ],
    );
    assert.match(audit.json.enrollments[5].detail, new RegExp(`^identity conflict ${conflict.id} opened`));
  } finally {
    await c.stop();
  }
});

test('the real Mac enrolled first: keeping the existing refuses the claimant for good', async () => {
  const c = await startTestCollector();
  try {
    const real = await c.device();
    assert.equal((await c.upload(real.token, snapshotFor(real.serial, real.hardwareUuid))).status, 200);
    const fake = madeUp();
    const claim = await c.enroll(real.serial, fake);
    assert.equal(claim.status, 409);
    assert.equal(claim.json.error, 'identity_conflict');
    // Until an admin decides, the real device is not compliant either: which side is real is unknown.
    assert.equal((await c.admin(`/api/v1/devices/${real.serial}`)).json.status, 'unknown');
    // The real Mac keeps reporting with its token meanwhile.
    assert.equal((await c.upload(real.token, snapshotFor(real.serial, real.hardwareUuid))).status, 200);

    const [conflict] = await openConflicts(c, real.serial);
    const kept = await c.admin(`/api/v1/identity-conflicts/${conflict.id}/resolve`, 'POST', {
      keep: 'existing',
    });
    assert.equal(kept.status, 200, kept.text);
    assert.equal(kept.json.resolution, 'existing');
    assert.equal(kept.json.resolvedBy, 'admin API');
    const device = await c.admin(`/api/v1/devices/${real.serial}`);
    assert.equal(device.json.status, 'compliant');
    assert.equal(device.json.identityConflict, false);
    assert.equal(await metric(c, 'tokenwatch_identity_conflicts_open'), 0);

    // The claimant is refused for good: no new conflict, its attempts are counted on the resolved one.
    for (let i = 0; i < 3; i++) {
      const r = await c.enroll(real.serial, fake);
      assert.equal(r.status, 409);
      assert.equal(r.json.error, 'identity_conflict');
      assert.match(r.json.message, /an admin kept the device enrolled with this serial/);
    }
    assert.equal((await openConflicts(c)).length, 0);
    const same = await c.admin(`/api/v1/identity-conflicts/${conflict.id}`);
    assert.equal(same.json.claimant.attempts, 4);
    assert.equal(same.json.state, 'resolved');
    assert.equal((await c.admin(`/api/v1/devices/${real.serial}`)).json.status, 'compliant');
    assert.equal((await c.upload(real.token, snapshotFor(real.serial, real.hardwareUuid))).status, 200);

    // Resolving the same way again changes nothing; an admin may still change it to the claimant, once.
    const twice = await c.admin(`/api/v1/identity-conflicts/${conflict.id}/resolve`, 'POST', {
      keep: 'existing',
    });
    assert.equal(twice.status, 200);
    const changed = await c.admin(`/api/v1/identity-conflicts/${conflict.id}/resolve`, 'POST', {
      keep: 'claimant',
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.json.resolution, 'claimant');
    assert.equal((await c.upload(real.token, snapshotFor(real.serial, real.hardwareUuid))).status, 401);
    const final = await c.admin(`/api/v1/identity-conflicts/${conflict.id}/resolve`, 'POST', {
      keep: 'existing',
    });
    assert.equal(final.status, 409);
    assert.equal(final.json.error, 'conflict_resolved');
    assert.equal((await c.enroll(real.serial, fake)).status, 200);
  } finally {
    await c.stop();
  }
});

test('a hardware UUID that meets another serial, and a claim that meets two devices', async () => {
  const c = await startTestCollector();
  try {
    const a = await c.device();
    const b = await c.device();
    // a's hardware UUID under a new serial.
    const moved = await c.enroll('C02NEWSERIAL', a.hardwareUuid);
    assert.equal(moved.status, 409);
    assert.equal(moved.json.error, 'identity_conflict');
    const [one] = await openConflicts(c, a.serial);
    assert.equal(one.serialHolder, null);
    assert.equal(one.uuidHolder.serial, a.serial);
    assert.equal((await c.admin(`/api/v1/devices/${a.serial}`)).json.identityConflict, true);
    assert.equal((await c.admin(`/api/v1/devices/${b.serial}`)).json.identityConflict, false);

    // a's serial with b's hardware UUID: both devices are met.
    const both = await c.enroll(a.serial, b.hardwareUuid);
    assert.equal(both.status, 409);
    const [two] = await openConflicts(c, b.serial);
    assert.equal(two.serialHolder.hardwareUuid, a.hardwareUuid);
    assert.equal(two.uuidHolder.serial, b.serial);
    assert.equal((await c.admin(`/api/v1/devices/${b.serial}`)).json.identityConflict, true);

    const kept = await c.admin(`/api/v1/identity-conflicts/${two.id}/resolve`, 'POST', { keep: 'claimant' });
    assert.equal(kept.status, 200);
    // Both records are replaced by one for the claimant; their tokens stop working.
    assert.equal((await c.upload(a.token, snapshotFor(a.serial, a.hardwareUuid))).status, 401);
    assert.equal((await c.upload(b.token, snapshotFor(b.serial, b.hardwareUuid))).status, 401);
    assert.equal((await c.admin(`/api/v1/devices/${b.serial}`)).status, 404);
    assert.equal((await c.admin(`/api/v1/devices/${a.serial}`)).json.hardwareUuid, b.hardwareUuid);
    // The first conflict still stands (its hardware UUID's record is gone; an admin still decides).
    assert.deepEqual(
      (await openConflicts(c)).map((x: Json) => x.id),
      [one.id],
    );
    assert.equal((await c.enroll(a.serial, b.hardwareUuid)).status, 200);
  } finally {
    await c.stop();
  }
});

test('a revoked or silent device re-enrolling with another hardware UUID is a conflict, not a takeover', async () => {
  const c = await startTestCollector({ reenrollAfterSeconds: '86400' });
  try {
    const revoked = await c.device();
    assert.equal((await c.admin(`/api/v1/devices/${revoked.serial}/revoke`, 'POST')).status, 200);
    const r1 = await c.enroll(revoked.serial, madeUp());
    assert.equal(r1.status, 409);
    assert.equal(r1.json.error, 'identity_conflict');
    // The same pair still re-enrolls after a revocation.
    assert.equal((await c.enroll(revoked.serial, revoked.hardwareUuid)).status, 200);

    const silent = await c.device();
    c.clock.advance(2 * 86_400_000);
    const r2 = await c.enroll(silent.serial, madeUp());
    assert.equal(r2.status, 409);
    assert.equal(r2.json.error, 'identity_conflict');
    assert.equal((await c.enroll(silent.serial, silent.hardwareUuid)).status, 200);
  } finally {
    await c.stop();
  }
});

test('identity conflict routes need the admin token and name what is wrong', async () => {
  const c = await startTestCollector();
  try {
    const d = await c.device();
    await c.enroll(d.serial, madeUp());
    const [conflict] = await openConflicts(c);
    for (const token of [null, d.token, 'wrong']) {
      for (const [method, path] of [
        ['GET', '/api/v1/identity-conflicts'],
        ['GET', `/api/v1/identity-conflicts/${conflict.id}`],
        ['POST', `/api/v1/identity-conflicts/${conflict.id}/resolve`],
      ] as const) {
        const r = await c.request(method, path, {
          token,
          ...(method === 'POST' ? { body: { keep: 'claimant' } } : {}),
        });
        assert.equal(r.status, 401, `${method} ${path} with ${token}`);
      }
    }
    assert.equal((await openConflicts(c)).length, 1, 'nothing was resolved without the admin token');
    const missing = await c.admin('/api/v1/identity-conflicts/999999');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, 'conflict_not_found');
    const bad = await c.admin(`/api/v1/identity-conflicts/${conflict.id}/resolve`, 'POST', { keep: 'both' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, 'invalid_body');
    assert.equal((await c.admin('/api/v1/identity-conflicts?state=closed')).status, 400);
    assert.equal((await c.admin('/api/v1/identity-conflicts/0')).status, 400);
  } finally {
    await c.stop();
  }
});

test('tokenwatch conflicts list and resolve work on the database file', async () => {
  const c = await startTestCollector();
  try {
    const real = newIdentity();
    const squatter = await c.device(real.serial, madeUp());
    // The squatter reports: its token is now in the server's auth cache (a minute), which a resolution
    // in another process cannot evict.
    const early = snapshotFor(real.serial, squatter.hardwareUuid);
    assert.equal((await c.upload(squatter.token, early)).status, 200);
    await c.enroll(real.serial, real.hardwareUuid);
    const [conflict] = await openConflicts(c);
    const env = { ...process.env, TOKENWATCH_DB: c.dbPath };
    const cli = (...args: string[]) => run(process.execPath, [BIN, 'conflicts', ...args], { env });

    const listed = await cli('list');
    assert.match(
      listed.stdout,
      new RegExp(`^${conflict.id}  open  claimant ${real.serial} / ${real.hardwareUuid}`, 'm'),
    );
    assert.match(listed.stdout, new RegExp(`serial held by ${real.serial} / ${squatter.hardwareUuid}`));
    const json = JSON.parse((await cli('list', '--json')).stdout) as Json[];
    assert.deepEqual(
      json.map((x) => [x.id, x.state, x.claimant.hardwareUuid]),
      [[conflict.id, 'open', real.hardwareUuid]],
    );

    await assert.rejects(cli('resolve', String(conflict.id)), (e: Json) => {
      assert.equal(e.code, 2);
      assert.match(e.stderr, /--keep existing\|claimant/);
      return true;
    });
    await assert.rejects(cli('resolve', '424242', '--keep', 'claimant'), (e: Json) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /no identity conflict 424242/);
      return true;
    });
    const resolved = await cli('resolve', String(conflict.id), '--keep', 'claimant', '--by', 'bob');
    assert.match(
      resolved.stdout,
      new RegExp(`^identity conflict ${conflict.id} resolved: kept the claimant`),
    );
    assert.equal((await cli('list')).stdout, 'no open identity conflicts\n');
    assert.match((await cli('list', '--all')).stdout, /resolved \(claimant, by bob/);

    // What clients and admins wrote is printed without its control or format characters.
    const other = await c.device();
    await c.enroll(other.serial, madeUp());
    const [second] = await openConflicts(c);
    const by = 'eve\u001b[2J\u202e\u009b\nx';
    await c.admin(`/api/v1/identity-conflicts/${second.id}/resolve`, 'POST', { keep: 'existing', by });
    const all = (await cli('list', '--all')).stdout;
    const raw = (text: string) => ['\u001b', '\u202e', '\u009b'].some((ch) => text.includes(ch));
    assert.ok(!raw(all));
    assert.equal(all.split('\n').length, 3, 'one line per conflict');
    assert.ok(all.includes('by eve\\u001b[2J\\u202e\\u009b\\u000ax'));
    const rawJson = (await cli('list', '--all', '--json')).stdout;
    assert.ok(!raw(rawJson));
    assert.equal((JSON.parse(rawJson) as Json[])[0].resolvedBy, by);

    // The server sees the resolution. The cached token still maps to the removed record's id, which the
    // claimant's record never reuses: the squatter's next report reaches nothing.
    const late = await c.upload(squatter.token, snapshotFor(real.serial, squatter.hardwareUuid));
    assert.equal(late.status, 401);
    assert.equal(late.json.error, 'unauthorized');
    const reserved = await c.admin(`/api/v1/devices/${real.serial}`);
    assert.equal(reserved.json.hardwareUuid, real.hardwareUuid);
    assert.equal(reserved.json.snapshot, null);
    assert.equal((await c.enroll(real.serial, real.hardwareUuid)).status, 200);
  } finally {
    await c.stop();
  }
});

test('the real agent meets a squatter: exit 0 with its snapshot queued, then delivered once an admin keeps it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-conflict-'));
  const { config } = loadConfig({
    env: {},
    flags: {
      db: join(dir, 'collector.db'),
      host: '127.0.0.1',
      port: '0',
      adminToken: ADMIN_TOKEN,
      enrollSecret: ENROLL_SECRET,
      logLevel: 'silent',
    },
  });
  const c = await startCollector(config, { logger: createLogger('silent'), jobs: false });
  const mac = simulatedMac('applesilicon-compliant', dir);
  const serial = 'D5XQV1FMA1'; // the simulated Mac's (test/fixtures/macs/applesilicon-compliant)
  const admin = async (path: string, body?: unknown) => {
    const res = await fetch(c.url + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Json };
  };
  const agent = (...extra: string[]) =>
    runAgent(['run', ...mac.flags, '--server-url', c.url, ...extra], {
      env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: ENROLL_SECRET }),
    });
  const status = async () => {
    const r = await runAgent(['status', '--json', ...mac.flags]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Json;
  };
  try {
    const squat = await fetch(`${c.url}/api/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enrollSecret: ENROLL_SECRET, serial, hardwareUuid: madeUp() }),
    });
    assert.equal(squat.status, 200);

    const first = await agent();
    assert.equal(first.code, 0, first.stderr);
    let st = await status();
    assert.equal(st.enrolled, false);
    assert.equal(st.outbox.snapshots, 1, 'the snapshot stays queued');
    assert.match(st.outbox.lastError ?? '', /HTTP 409 identity_conflict: identity conflict \d+/);

    const [conflict] = (await admin('/api/v1/identity-conflicts?state=open')).json.conflicts;
    assert.equal(conflict.claimant.serial, serial);
    assert.equal(conflict.claimant.hardwareUuid, 'D26E7BC6-425E-51C2-87C5-0B902782B600');
    assert.equal(
      (await admin(`/api/v1/identity-conflicts/${conflict.id}/resolve`, { keep: 'claimant' })).status,
      200,
    );

    const second = await agent('--retry-now');
    assert.equal(second.code, 0, second.stderr);
    st = await status();
    assert.equal(st.enrolled, true);
    assert.equal(st.outbox.snapshots + st.outbox.checkins, 0, JSON.stringify(st.outbox));
    const device = await admin(`/api/v1/devices/${serial}`);
    assert.equal(device.json.hardwareUuid, 'D26E7BC6-425E-51C2-87C5-0B902782B600');
    assert.equal(device.json.status, 'compliant');
    assert.equal(device.json.identityConflict, false);
    assert.equal(device.json.history.length, 1);
  } finally {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
