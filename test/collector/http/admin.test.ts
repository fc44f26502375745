// The admin API over real HTTP: fleet list + filters + pagination, device detail, summary, rules on
// simulated Macs, exemptions and their expiry, grace windows and staleness, all right at read time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCollector, snapshotFor, T0 } from '../../helpers/collector.ts';
import type { TestCollector, Json } from '../../helpers/collector.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';

let c: TestCollector;
before(async () => {
  c = await startTestCollector({
    staleAfterSeconds: String(7 * 86400),
    graceSeconds: 'no-securetoken-holder=86400',
  });
});
after(() => c.stop());

async function mac(patch: (s: Snapshot) => void = () => {}) {
  const d = await c.device();
  const r = await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid, patch));
  assert.equal(r.status, 200, r.text);
  return d;
}
const findingsOf = (j: Json) => j.findings.map((f: Json) => `${f.rule}:${f.user ?? '-'}:${f.state}`).sort();

test('simulated Macs: status and findings per rule', async () => {
  const ok = await mac();
  const notEscrowed = await mac((s) => (s.bootstrapToken.escrowed = false));
  const fvOff = await mac((s) => ((s.fileVault as { state: string }).state = 'off'));
  const noToken = await mac((s) => {
    s.users.push({
      ...(s.users[0] as (typeof s.users)[number]),
      name: 'dave',
      uid: 502,
      guid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE',
      secureToken: false,
      volumeOwner: false,
      fileVault: false,
    });
  });
  const unknownMdm = await mac((s) => {
    s.mdm.enrolled = null;
    s.errors.push({ probe: 'profiles_enrollment', kind: 'timeout', message: 'timed out after 15000 ms' });
  });
  const get = async (serial: string) => (await c.admin(`/api/v1/devices/${serial}`)).json;
  assert.equal((await get(ok.serial)).status, 'compliant');
  assert.deepEqual((await get(ok.serial)).findings, []);
  const ne = await get(notEscrowed.serial);
  assert.equal(ne.status, 'noncompliant');
  assert.deepEqual(findingsOf(ne), ['bootstrap-not-escrowed:-:active']);
  const f0 = ne.findings[0];
  assert.match(f0.severity, /^(info|low|medium|high|critical)$/);
  assert.equal(f0.firstSeen, T0.toISOString());
  assert.equal((await get(fvOff.serial)).status, 'noncompliant');
  assert.ok(findingsOf(await get(fvOff.serial)).includes('filevault-off:-:active'));
  const nt = await get(noToken.serial);
  assert.equal(nt.status, 'noncompliant');
  assert.ok(findingsOf(nt).includes('user-without-securetoken:dave:active'), JSON.stringify(findingsOf(nt)));
  const um = await get(unknownMdm.serial);
  assert.equal(um.status, 'unknown', JSON.stringify(um.findings));
  // The fleet list agrees with the detail, and the status filter works.
  const list = await c.admin('/api/v1/devices?status=noncompliant&limit=1000');
  const serials = list.json.devices.map((d: Json) => d.serial);
  for (const s of [notEscrowed.serial, fvOff.serial, noToken.serial]) assert.ok(serials.includes(s));
  assert.ok(!serials.includes(ok.serial));
  const byRule = await c.admin('/api/v1/devices?rule=filevault-off');
  assert.deepEqual(
    byRule.json.devices.map((d: Json) => d.serial),
    [fvOff.serial],
  );
  const summary = await c.admin('/api/v1/summary');
  assert.equal(summary.status, 200);
  assert.ok(summary.json.byStatus.noncompliant >= 3);
  assert.ok(summary.json.byRule.some((r: Json) => r.rule === 'filevault-off' && r.devices === 1));
});

test('a fixed failure is resolved: resolvedAt kept in the device history', async () => {
  const d = await c.device();
  await c.upload(
    d.token,
    snapshotFor(d.serial, d.hardwareUuid, (s) => (s.bootstrapToken.escrowed = false)),
  );
  c.clock.advance(3_600_000);
  await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid));
  const j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  assert.equal(j.status, 'compliant');
  assert.equal(j.resolvedFindings[0].rule, 'bootstrap-not-escrowed');
  assert.equal(j.resolvedFindings[0].resolvedAt, c.clock.now().toISOString());
});

test('exemptions: exempted findings show as exempted, never disappear, and expire back to active at read time', async () => {
  const d = await mac((s) => (s.bootstrapToken.escrowed = false));
  const add = await c.admin('/api/v1/exemptions', 'POST', {
    serial: d.serial,
    rule: 'bootstrap-not-escrowed',
    reason: 'loaner being reimaged',
    createdBy: 'jane',
    expires: '2d',
  });
  assert.equal(add.status, 201, add.text);
  assert.equal(add.json.active, true);
  let j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  assert.equal(j.status, 'compliant');
  assert.deepEqual(findingsOf(j), ['bootstrap-not-escrowed:-:exempted']);
  assert.equal(
    (await c.admin(`/api/v1/devices?status=compliant&limit=1000`)).json.devices.some(
      (x: Json) => x.serial === d.serial,
    ),
    true,
  );
  c.clock.advance(2 * 86400_000 + 1);
  j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  assert.equal(j.status, 'noncompliant');
  assert.deepEqual(findingsOf(j), ['bootstrap-not-escrowed:-:active']);
  assert.equal(
    (await c.admin(`/api/v1/devices?status=noncompliant&limit=1000`)).json.devices.some(
      (x: Json) => x.serial === d.serial,
    ),
    true,
  );
  const list = await c.admin(`/api/v1/exemptions?serial=${d.serial}`);
  assert.equal(list.json[0].active, false);
  // A fleet-wide exemption for one rule, then removed.
  const all = await c.admin('/api/v1/exemptions', 'POST', {
    rule: 'bootstrap-not-escrowed',
    reason: 'MDM migration',
    createdBy: 'jane',
  });
  assert.equal(all.status, 201);
  assert.equal((await c.admin(`/api/v1/devices/${d.serial}`)).json.status, 'compliant');
  const del = await c.admin(`/api/v1/exemptions/${all.json.id}`, 'DELETE');
  assert.equal(del.status, 200);
  assert.equal((await c.admin(`/api/v1/devices/${d.serial}`)).json.status, 'noncompliant');
  assert.equal(
    (await c.admin(`/api/v1/exemptions/${all.json.id}`, 'DELETE')).json.error,
    'exemption_not_found',
  );
  const bad = await c.admin('/api/v1/exemptions', 'POST', {
    rule: 'no-such-rule',
    reason: 'x',
    createdBy: 'y',
  });
  assert.equal(bad.status, 400);
});

test('grace windows keep a fresh failure pending, then it turns active by time alone', async () => {
  const d = await mac((s) => {
    for (const u of s.users) u.secureToken = false;
  });
  let j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  const holder = j.findings.find((f: Json) => f.rule === 'no-securetoken-holder');
  assert.equal(holder.state, 'pending', JSON.stringify(j.findings));
  assert.equal(holder.pendingUntil, new Date(c.clock.now().getTime() + 86400_000).toISOString());
  c.clock.advance(86400_000);
  j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  assert.equal(j.findings.find((f: Json) => f.rule === 'no-securetoken-holder').state, 'active');
});

test('a silent Mac becomes stale (noncompliant) at read time; a check-in or upload clears it', async () => {
  const d = await mac();
  c.clock.advance(7 * 86400_000);
  let j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  assert.equal(j.status, 'compliant');
  c.clock.advance(1);
  j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  assert.equal(j.status, 'noncompliant');
  assert.deepEqual(findingsOf(j), ['stale:-:active']);
  assert.ok(
    (await c.admin('/api/v1/devices?rule=stale&limit=1000')).json.devices.some(
      (x: Json) => x.serial === d.serial,
    ),
  );
  await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid));
  j = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
  assert.equal(j.status, 'compliant');
});

test('pagination by cursor walks every device once; filters on osVersion, model, seenSince', async () => {
  const fresh = await startTestCollector();
  try {
    const serials: string[] = [];
    for (let i = 0; i < 7; i++) {
      const d = await fresh.device();
      serials.push(d.serial);
      await fresh.upload(
        d.token,
        snapshotFor(d.serial, d.hardwareUuid, (s) => {
          s.device.osVersion = i < 3 ? '14.6.1' : '15.1';
          s.device.model = i % 2 ? 'Mac14,2' : 'MacBookPro18,3';
        }),
      );
      fresh.clock.advance(1000);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { json: Json } = await fresh.admin(
        `/api/v1/devices?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...r.json.devices.map((d: Json) => d.serial));
      cursor = r.json.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...serials].sort());
    assert.equal((await fresh.admin('/api/v1/devices?osVersion=14')).json.devices.length, 3);
    assert.equal((await fresh.admin('/api/v1/devices?osVersion=15.1')).json.devices.length, 4);
    assert.equal((await fresh.admin('/api/v1/devices?osVersion=1')).json.devices.length, 0);
    assert.equal((await fresh.admin('/api/v1/devices?model=Mac14,2')).json.devices.length, 3);
    const since = new Date(T0.getTime() + 5000).toISOString();
    assert.equal((await fresh.admin(`/api/v1/devices?seenSince=${since}`)).json.devices.length, 2);
    for (const bad of [
      'limit=0',
      'limit=abc',
      'status=weird',
      'rule=nope',
      'seenSince=yesterday',
      'seenSince=2026-13-45T00:00:00Z',
      'cursor=%2F%2F',
    ]) {
      const r = await fresh.admin(`/api/v1/devices?${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.json.error, 'invalid_query', bad);
    }
    assert.equal((await fresh.admin('/api/v1/devices/NOPE123')).json.error, 'device_not_found');
  } finally {
    await fresh.stop();
  }
});
