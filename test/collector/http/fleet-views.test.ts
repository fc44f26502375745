// The reports' views over real HTTP and a real SQLite file: who can unlock each Mac (the matrix and the
// flag, which follows the console user of check-ins), whether MDM can update it (on the device page, in
// the summary, as a list filter), the summary's rates, and the fleet as of a past instant and per day,
// from a history built by real uploads and check-ins at moved clock times: what the API answered then.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { loadConfig } from '../../../collector/config.ts';
import { startCollector } from '../../../collector/main.ts';
import { fixedClock } from '../../../collector/clock.ts';
import { createLogger } from '../../../collector/log.ts';
import { snapshotDigest } from '../../../agent/snapshot/index.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';
import { ADMIN_TOKEN, ENROLL_SECRET, startTestCollector, snapshotFor } from '../../helpers/collector.ts';
import type { Json, TestCollector } from '../../helpers/collector.ts';
import { fv, userNamed } from '../rules/compliant-snapshot.ts';

const H = 3_600_000;
const D = 24 * H;

let c: TestCollector;
before(async () => {
  c = await startTestCollector();
});
after(() => c.stop());

const notEscrowed = (s: Snapshot) => void (s.bootstrapToken.escrowed = false);
const intel = (s: Snapshot) => {
  s.device.appleSilicon = false;
  s.device.model = 'MacBookPro16,1';
  s.notApplicable.push('users.volumeOwner');
};
/** kim uses the Mac without a token; only alice (IT) holds one. */
const kimWithoutToken = (s: Snapshot) => {
  s.users.push({
    ...userNamed(s, 'bob'),
    name: 'kim',
    uid: 503,
    guid: null,
    secureToken: false,
    volumeOwner: false,
    fileVault: false,
  });
  s.consoleUser = 'kim';
};

async function checkin(token: string, snapshot: Snapshot, consoleUser: string | null) {
  const r = await c.request('POST', '/api/v1/checkins', {
    token,
    body: {
      schema: 'tokenwatch.checkin/1',
      id: randomUUID(),
      digest: snapshotDigest(snapshot),
      collectedAt: c.clock.now().toISOString(),
      consoleUser,
    },
  });
  assert.equal(r.status, 200, r.text);
}

test('the device page shows who can unlock the Mac and whether MDM can update it; the list filters by it', async () => {
  const mac = await c.device();
  const s = snapshotFor(mac.serial, mac.hardwareUuid, (x) => {
    kimWithoutToken(x);
    notEscrowed(x);
  });
  assert.equal((await c.upload(mac.token, s)).status, 200);
  const page = (await c.admin(`/api/v1/devices/${mac.serial}`)).json;
  assert.deepEqual(page.unlock, {
    person: 'kim',
    personSource: 'console',
    onlyOthersCanUnlock: true,
    reason: 'kim uses this Mac but holds no SecureToken: only alice and bob can unlock the disk',
  });
  const kim = page.unlockMatrix.users.find((u: Json) => u.name === 'kim');
  assert.deepEqual(kim, {
    name: 'kim',
    uid: 503,
    secureToken: false,
    volumeOwner: false,
    fileVault: false,
    admin: false,
    accountType: 'local',
    consoleUser: true,
    disabled: false,
    excluded: false,
  });
  assert.deepEqual(
    page.unlockMatrix.cryptoUsers.map((u: Json) => u.kind),
    ['personal_recovery_user', 'mdm_bootstrap_token'],
  );
  assert.equal(page.mdmUpdate.verdict, 'no');
  assert.match(page.mdmUpdate.reason, /not escrowed/i);
  assert.deepEqual([page.bootstrapEscrowed, page.bootstrapUsable, page.fileVaultOn], [false, false, true]);

  // A check-in at the login window keeps kim as the person; one by alice clears the flag (no new snapshot).
  await checkin(mac.token, s, null);
  let listed = (await c.admin(`/api/v1/devices?limit=1000`)).json.devices.find(
    (d: Json) => d.serial === mac.serial,
  );
  assert.deepEqual(
    [listed.unlock.person, listed.unlock.personSource, listed.unlock.onlyOthersCanUnlock],
    ['kim', 'last_console', true],
  );
  await checkin(mac.token, s, 'alice');
  listed = (await c.admin(`/api/v1/devices?limit=1000`)).json.devices.find(
    (d: Json) => d.serial === mac.serial,
  );
  assert.equal(listed.unlock.onlyOthersCanUnlock, false);

  const other = await c.device();
  await c.upload(other.token, snapshotFor(other.serial, other.hardwareUuid, intel));
  const serials = async (q: string) =>
    (await c.admin(`/api/v1/devices?limit=1000&${q}`)).json.devices.map((d: Json) => d.serial);
  assert.ok((await serials('mdmUpdatable=false')).includes(mac.serial));
  assert.ok(!(await serials('mdmUpdatable=false')).includes(other.serial));
  assert.ok((await serials('mdmUpdatable=not_applicable')).includes(other.serial));
  assert.equal((await c.admin('/api/v1/devices?mdmUpdatable=maybe')).status, 400);
});

test('the summary counts escrow, usable tokens, FileVault and the update verdict, each of all devices', async () => {
  const x = await startTestCollector();
  try {
    const upload = async (edit: (s: Snapshot) => void) => {
      const m = await x.device();
      assert.equal((await x.upload(m.token, snapshotFor(m.serial, m.hardwareUuid, edit))).status, 200);
    };
    await upload(() => {});
    await upload(notEscrowed);
    await upload((s) => (s.bootstrapToken.eacsPreflight = 'failed'));
    await upload((s) => (s.fileVault.state = fv('off')));
    await upload(intel);
    await x.device(); // enrolled, no snapshot yet
    const s = (await x.admin('/api/v1/summary')).json;
    assert.equal(s.devices, 6);
    assert.equal(s.asOf, null);
    assert.deepEqual(s.bootstrapEscrowed, { yes: 4, no: 1, unknown: 1, percent: 66.7 });
    assert.deepEqual(s.bootstrapUsable, { yes: 3, no: 2, unknown: 1, percent: 50 });
    assert.deepEqual(s.fileVaultOn, { yes: 4, no: 1, unknown: 1, percent: 66.7 });
    assert.deepEqual(s.mdmUpdate, { yes: 2, no: 2, unknown: 1, notApplicable: 1 });
  } finally {
    await x.stop();
  }
});

test('as of a past instant and per day: what the API answered then, from real uploads at moved times', async () => {
  const x = await startTestCollector({ graceSeconds: 'filevault-off=7200' });
  try {
    const t0 = x.clock.now().getTime();
    const answers = new Map<number, { summary: Json; devices: Json }>();
    const record = async () => {
      const t = x.clock.now().getTime();
      const summary = (await x.admin('/api/v1/summary')).json;
      const devices = (await x.admin('/api/v1/devices?limit=1000')).json.devices;
      answers.set(t, { summary, devices });
    };
    const a = await x.device();
    const b = await x.device();
    const up = (m: typeof a, edit: (s: Snapshot) => void = () => {}) =>
      x.upload(m.token, snapshotFor(m.serial, m.hardwareUuid, edit));
    await up(a);
    await up(b, notEscrowed);
    await record();
    x.clock.advance(H);
    await up(a, (s) => (s.fileVault.state = fv('off'))); // pending for 2 hours
    await record();
    x.clock.advance(2 * H + 1);
    await record(); // active now, with no write
    x.clock.advance(D);
    await up(a);
    await up(b);
    await record();
    x.clock.advance(9 * D); // both silent: stale
    await record();
    for (const [t, then] of answers) {
      const q = `asOf=${new Date(t).toISOString()}`;
      const past = (await x.admin(`/api/v1/summary?${q}`)).json;
      // Per rule the past counts devices only: active, pending and exempted are null then.
      const devicesOnly = (r: Json) => ({ ...r, active: null, pending: null, exempted: null });
      assert.deepEqual(
        { ...past, generatedAt: null, asOf: null },
        { ...then.summary, generatedAt: null, byRule: (then.summary.byRule as Json[]).map(devicesOnly) },
        q,
      );
      assert.equal(past.asOf, new Date(t).toISOString());
      const list = (await x.admin(`/api/v1/devices?limit=1000&${q}`)).json.devices;
      const brief = (d: Json) => [
        d.serial,
        d.status,
        d.bootstrapEscrowed,
        d.fileVaultOn,
        d.findings.map((f: Json) => [f.rule, f.state, f.firstSeen]),
      ];
      assert.deepEqual(list.map(brief), then.devices.map(brief), q);
    }
    const statuses = [...answers.values()].map((v) => JSON.stringify(v.summary.byStatus));
    assert.ok(new Set(statuses).size >= 3, `the story moves the counts: ${statuses.join(' ')}`);

    // Per day: each day's figures are the fleet as of its end (today: now).
    const trend = (await x.admin(`/api/v1/trend?from=${new Date(t0).toISOString()}`)).json;
    assert.equal(trend.days.length, 11);
    for (const day of trend.days) {
      const s = (await x.admin(`/api/v1/summary?asOf=${day.at}`)).json;
      assert.deepEqual(day.byStatus, s.byStatus, day.day);
      assert.equal(day.bootstrapEscrowedPercent, s.bootstrapEscrowed.percent, day.day);
    }
    assert.equal(trend.days.at(-1).at, x.clock.now().toISOString());

    // Refused: the future, a broken instant, before what retention kept.
    const refused = async (path: string, why: RegExp) => {
      const r = await x.admin(path);
      assert.equal(r.status, 400, path);
      assert.equal(r.json.error, 'invalid_query');
      assert.match(r.json.message, why);
    };
    await refused(`/api/v1/summary?asOf=${new Date(x.clock.now().getTime() + H).toISOString()}`, /after now/);
    await refused('/api/v1/devices?asOf=2026-02-30T00:00:00Z', /not a real instant/);
    await refused(`/api/v1/trend?from=2026-03-05T00:00:00Z&to=2026-03-01T00:00:00Z`, /before from/);
  } finally {
    await x.stop();
  }
});

test('retention: as of an instant before the history kept is refused, naming where it starts', async () => {
  const x = await startTestCollector({ historyRetentionDays: '2' });
  try {
    const m = await x.device();
    await x.upload(m.token, snapshotFor(m.serial, m.hardwareUuid));
    x.clock.advance(H);
    await x.upload(m.token, snapshotFor(m.serial, m.hardwareUuid, notEscrowed));
    x.clock.advance(5 * D);
    const r = await x.request('POST', '/api/v1/snapshots', {
      token: m.token,
      body: snapshotFor(m.serial, m.hardwareUuid),
    });
    assert.equal(r.status, 200);
    const { pruneOnce } = await import('../../../collector/jobs/prune.ts');
    await pruneOnce(x.store, x.config, x.clock.now());
    const kept = x.clock.now().getTime() - 2 * D;
    const before = await x.admin(`/api/v1/summary?asOf=${new Date(kept - 1).toISOString()}`);
    assert.equal(before.status, 400);
    assert.match(before.json.message, new RegExp(`from ${new Date(kept).toISOString()}`));
    assert.equal((await x.admin(`/api/v1/summary?asOf=${new Date(kept).toISOString()}`)).status, 200);
    const trend = (await x.admin('/api/v1/trend')).json;
    assert.equal(trend.keptSince, new Date(kept).toISOString());
    assert.ok(trend.days.every((d: Json) => Date.parse(d.at) >= kept));
  } finally {
    await x.stop();
  }
});

test('a database an older version wrote: the report facts are filled in from the current snapshots at start', async () => {
  const x = await startTestCollector();
  const m = await x.device();
  await x.upload(m.token, snapshotFor(m.serial, m.hardwareUuid, notEscrowed));
  const { dbPath, dir } = x;
  await x.close();
  // What migration 007 leaves on a device an older version stored: no facts yet.
  const db = new Database(dbPath);
  db.prepare(
    `UPDATE devices SET bootstrap_escrowed = NULL, bootstrap_usable = NULL, filevault_on = NULL, mdm_update = NULL,
       mdm_update_reason = NULL, token_holders = NULL, tokenless_users = NULL, facts_version = NULL`,
  ).run();
  db.prepare(`UPDATE device_states SET bootstrap_escrowed = NULL, mdm_update = NULL`).run();
  db.close();
  const { config } = loadConfig({
    env: {},
    flags: {
      db: dbPath,
      host: '127.0.0.1',
      port: '0',
      adminToken: ADMIN_TOKEN,
      enrollSecret: ENROLL_SECRET,
      logLevel: 'silent',
    },
  });
  const clock = fixedClock(x.clock.now());
  const again = await startCollector(config, { clock, logger: createLogger('silent'), jobs: false });
  try {
    let s: Json = null;
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${again.url}/api/v1/summary`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      s = await r.json();
      if (s.mdmUpdate.no === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(s.bootstrapEscrowed, { yes: 0, no: 1, unknown: 0, percent: 0 });
    assert.deepEqual(s.mdmUpdate, { yes: 0, no: 1, unknown: 0, notApplicable: 0 });
    clock.advance(H);
    const past = await fetch(`${again.url}/api/v1/summary?asOf=${clock.now().toISOString()}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(((await past.json()) as Json).bootstrapEscrowed.no, 1, 'the state history has them too');
  } finally {
    await again.close();
    const { rmSync } = await import('node:fs');
    rmSync(dir, { recursive: true, force: true });
  }
});
