import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failingRules, renderFleetTable } from '../../../reports/render/index.ts';
import type { FleetRow } from '../../../reports/render/index.ts';
import { FLEET } from './fleet-rows.ts';
import { assertGolden } from './golden.ts';

test('golden: a wide terminal (160 columns) puts the failing rules in the last column', () => {
  assertGolden('fleet-table-160.txt', renderFleetTable(FLEET, { width: 160 }));
});

test('golden: the fleet at 120 columns', () => {
  assertGolden('fleet-table.txt', renderFleetTable(FLEET, { width: 120 }));
});

test('golden: the fleet at 80 columns: failing rules under each device, narrow columns clipped', () => {
  assertGolden('fleet-table-80.txt', renderFleetTable(FLEET, { width: 80 }));
});

test('golden: colour', () => {
  assertGolden('fleet-table-color.txt', renderFleetTable(FLEET, { width: 120, color: true }));
});

test('no colour codes unless asked; no line exceeds the width', () => {
  for (const width of [80, 100, 120, 160, 200]) {
    const text = renderFleetTable(FLEET, { width });
    assert.ok(!text.includes('\u001b['));
    for (const line of text.split('\n')) assert.ok(line.length <= width, `${width}: ${line}`);
  }
});

test('noncompliant first, then unknown, then compliant', () => {
  const text = renderFleetTable(FLEET);
  const at = (serial: string) => text.indexOf(serial);
  assert.ok(at('FVF3L0QWQ6LR') < at('K7G2MX19PQ'));
  assert.ok(at('K7G2MX19PQ') < at('C02ZK1ABMD6M'));
});

test('failing rules group users per rule and mark pending and exempted', () => {
  const alice = FLEET.find((r) => r.hostname === 'alice-mba');
  assert.deepEqual(failingRules(alice?.findings ?? []), [
    'user-without-securetoken (bob, carol)',
    'bootstrap-not-escrowed',
  ]);
  assert.deepEqual(
    failingRules([
      {
        rule: 'no-volume-owner',
        severity: 'critical',
        user: null,
        state: 'pending',
        firstSeen: '',
        reason: '',
      },
      {
        rule: 'user-without-securetoken',
        severity: 'high',
        user: 'kiosk',
        state: 'exempted',
        firstSeen: '',
        reason: '',
      },
    ]),
    ['no-volume-owner [pending]', 'user-without-securetoken (kiosk) [exempted]'],
  );
});

test('an empty fleet', () => {
  assert.equal(
    renderFleetTable([]),
    'tokenwatch fleet compliance\n\nNo devices.\n\n0 devices: 0 noncompliant, 0 unknown, 0 compliant\n\nNo failing rules.\n',
  );
});

test('the input is not reordered in place', () => {
  const before = FLEET.map((r) => r.serial);
  renderFleetTable(FLEET);
  assert.deepEqual(
    FLEET.map((r) => r.serial),
    before,
  );
});

test('control characters from a Mac cannot reach the terminal', () => {
  const row: FleetRow = {
    serial: 'C02\u001b[2J',
    hostname: 'evil\u001b]0;pwned\u0007\nFAKE  compliant',
    model: null,
    osVersion: null,
    status: 'noncompliant',
    lastSeen: '2026-03-02T00:00:00Z',
    findings: [
      {
        rule: 'user-without-securetoken',
        severity: 'high',
        user: 'x\rroot',
        state: 'active',
        firstSeen: '',
        reason: '',
      },
    ],
  };
  const text = renderFleetTable([row], { width: 200 });
  const controls = [...text].filter(
    (c) => c !== '\n' && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f),
  );
  assert.deepEqual(controls, []);
  assert.match(text, /C02\?\[2J/);
  assert.match(text, /user-without-securetoken \(x\?root\)/);
  assert.equal(text.split('\n').filter((l) => l.includes('FAKE')).length, 1);
});
