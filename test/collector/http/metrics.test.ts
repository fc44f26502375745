// GET /metrics over real HTTP as Prometheus scrapes it: failing findings by rule and state
// (tokenwatch_findings) and the devices not seen within the stale window (tokenwatch_devices_stale), moving
// as Macs upload, a grace window ends, an admin exempts and a Mac falls silent; every rule and state is
// exported, zeros included, so an alert on a series resolves instead of going stale.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCollector, snapshotFor } from '../../helpers/collector.ts';
import type { TestCollector } from '../../helpers/collector.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';
import { RULES } from '../../../collector/rules/index.ts';

let c: TestCollector;
before(async () => {
  c = await startTestCollector({
    staleAfterSeconds: String(7 * 86400),
    graceSeconds: 'user-without-securetoken=86400',
  });
});
after(() => c.stop());

async function mac(patch: (s: Snapshot) => void = () => {}) {
  const d = await c.device();
  const r = await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid, patch));
  assert.equal(r.status, 200, r.text);
  return d;
}

const fileVaultOff = (s: Snapshot) => ((s.fileVault as { state: string }).state = 'off');
const userWithoutToken = (s: Snapshot) =>
  s.users.push({
    ...(s.users[0] as (typeof s.users)[number]),
    name: 'dave',
    uid: 502,
    guid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE',
    secureToken: false,
    volumeOwner: false,
    fileVault: false,
  });

/** A fresh scrape (past the 10 s the counts are kept): every sample of the two gauges, by its labels. */
async function scrape(): Promise<Map<string, number>> {
  c.advanceMonotonic(11_000);
  const r = await c.request('GET', '/metrics');
  assert.equal(r.status, 200);
  const samples = new Map<string, number>();
  for (const m of r.text.matchAll(/^(tokenwatch_findings\{[^}]*\}|tokenwatch_devices_stale) (\d+)$/gm))
    samples.set(m[1] as string, Number(m[2]));
  return samples;
}

const findings = (rule: string, state: string) => `tokenwatch_findings{rule="${rule}",state="${state}"}`;

test('tokenwatch_findings{rule,state} and tokenwatch_devices_stale follow the fleet', async () => {
  let m = await scrape();
  // Every rule in every state from the first scrape, at 0.
  assert.equal(m.size, RULES.length * 3 + 1);
  assert.ok([...m.values()].every((v) => v === 0));

  await mac();
  const off1 = await mac(fileVaultOff);
  await mac(fileVaultOff);
  await mac(userWithoutToken);
  m = await scrape();
  assert.equal(m.get(findings('filevault-off', 'active')), 2);
  assert.equal(m.get(findings('user-without-securetoken', 'pending')), 1, 'inside its grace window');
  assert.equal(m.get(findings('user-without-securetoken', 'active')), 0);
  assert.equal(m.get('tokenwatch_devices_stale'), 0);

  // An admin exempts one of the FileVault Macs.
  const ex = await c.admin('/api/v1/exemptions', 'POST', {
    serial: off1.serial,
    rule: 'filevault-off',
    reason: 'loaner, FileVault at handover',
    createdBy: 'ana',
  });
  assert.equal(ex.status, 201, ex.text);
  // A day and a minute later the grace window is over; then a week passes without a word from any Mac.
  c.clock.advance(86_400_000 + 60_000);
  m = await scrape();
  assert.equal(m.get(findings('filevault-off', 'active')), 1);
  assert.equal(m.get(findings('filevault-off', 'exempted')), 1);
  assert.equal(m.get(findings('user-without-securetoken', 'pending')), 0);
  assert.equal(m.get(findings('user-without-securetoken', 'active')), 1);

  c.clock.advance(7 * 86_400_000);
  m = await scrape();
  assert.equal(m.get('tokenwatch_devices_stale'), 4);
  assert.equal(m.get(findings('stale', 'active')), 4, 'no grace window for stale here');
  // A Mac enrolled now is not stale, and the findings of the silent ones stay what they were.
  await mac();
  m = await scrape();
  assert.equal(m.get('tokenwatch_devices_stale'), 4, 'a new Mac is not stale');
  assert.equal(m.get(findings('filevault-off', 'active')), 1);
});
