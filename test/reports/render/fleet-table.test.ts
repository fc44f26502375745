import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failingRules, renderFleetTable } from '../../../reports/render/index.ts';
import type { FleetRow } from '../../../reports/render/index.ts';
import { FLEET, hostileRow } from './fleet-rows.ts';
import { assertGolden } from './golden.ts';
import { displayText } from '../../../agent/snapshot/display-text.ts';
import { HOSTILE, assertNoUnsafe, hostile, withoutOwnColour } from '../../helpers/hostile-strings.ts';

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

test('control characters from a Mac cannot reach the terminal: shown as visible escapes', () => {
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
  assert.match(text, /C02\\x1b\[2J/);
  assert.match(text, /evil\\x1b\]0;pwned\\x07\\x0~/);
  assert.match(text, /user-without-securetoken \(x\\x0droot\)/);
  assert.equal(
    text.split('\n').length,
    renderFleetTable([{ ...row, hostname: 'h', serial: 's' }]).split('\n').length,
  );
});

/** The fleet table with a device whose every text field is `text`, first. */
function hostileTable(text: string, color: boolean, width: number): string {
  return renderFleetTable([hostileRow(text), ...FLEET], { width, color });
}

test('hostile corpus in every field: no raw control, bidi or invisible character, no forged line', () => {
  // The first word of each line that starts at column 0 (headers, device rows, the summary), except the
  // hostile device's own row; wrapped entries are indented. Column widths follow the content.
  const leading = (text: string, serial: string) =>
    text
      .split('\n')
      .filter((l) => /^\S/.test(l) && !l.startsWith(serial))
      .map((l) => l.split(' ')[0]);
  for (const width of [80, 120, 200]) {
    const plain = leading(hostileTable('plain', false, width), 'plain');
    for (const h of HOSTILE) {
      const text = hostileTable(h.text, false, width);
      assertNoUnsafe(text, `${h.id} at ${width}`);
      const serial = displayText(h.text).slice(0, 12);
      assert.deepEqual(leading(text, serial), plain, `${h.id} at ${width}: the other lines are untouched`);
    }
  }
});

test('hostile corpus with colour: the only escape sequences are the colours the table adds', () => {
  for (const h of HOSTILE) assertNoUnsafe(withoutOwnColour(hostileTable(h.text, true, 120)), h.id);
  assert.match(hostileTable(hostile('bidi-override'), false, 160), /evil\\u202egpj\.exe/);
  assert.match(hostileTable(hostile('zero-width'), false, 160), /ad\\u200bmin/);
});
