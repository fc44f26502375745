import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failingRules, renderFleetTable } from '../../../reports/render/index.ts';
import type { FleetRow } from '../../../reports/render/index.ts';
import { FLEET, SUMMARY, hostileRow } from './fleet-rows.ts';
import { assertGolden } from './golden.ts';
import { displayText } from '../../../agent/snapshot/display-text.ts';
import { HOSTILE, assertNoUnsafe, hostile, withoutOwnColour } from '../../helpers/hostile-strings.ts';

test('golden: a wide terminal (160 columns): each failing rule on its line under its device, pending and exempted beside it', () => {
  assertGolden('fleet-table-160.txt', renderFleetTable(FLEET, { width: 160 }));
});

test('golden: the fleet at 120 columns', () => {
  assertGolden('fleet-table.txt', renderFleetTable(FLEET, { width: 120 }));
});

test('golden: the fleet at 80 columns: narrow columns clipped, an exemption and the fixes wrapped', () => {
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
    'tokenwatch fleet compliance\n\n0 devices: 0 noncompliant, 0 unknown, 0 compliant\n\nNo devices.\n\nNo failing rules.\n',
  );
});

test("the collector's summary comes first: statuses, stale, escrow, usable token and FileVault rates, MDM update verdicts", () => {
  const text = renderFleetTable(FLEET, { summary: SUMMARY, asOf: '2026-03-01T23:59:59.999Z' });
  const lines = text.split('\n');
  assert.equal(lines[0], 'tokenwatch fleet compliance as of 2026-03-01 23:59 UTC');
  assert.deepEqual(lines.slice(2, 6), [
    '7 devices: 4 noncompliant, 1 unknown, 2 compliant; 1 stale (no report for too long)',
    'Bootstrap Token escrowed: 57.1% (4 of 7, 1 unknown); usable: 42.9% (3 of 7, 2 unknown)',
    'FileVault on: 85.7% (6 of 7)',
    'MDM can update without a person: 2 yes, 3 no, 1 unknown, 1 not applicable (Intel)',
  ]);
  assert.ok(text.indexOf('FileVault on:') < text.indexOf('SERIAL'), 'the summary before the devices');
});

test('what each Mac is (labels) in a MAC column beside the serial; notes once at the end', () => {
  const labels = new Map([['H4TXQ2WJ0F', 'Apple silicon, Bootstrap Token not escrowed *']]);
  const text = renderFleetTable(FLEET, { labels, notes: ['* some outputs are SYNTHETIC'], width: 160 });
  assert.match(text, /^SERIAL\s+MAC\s+HOSTNAME/m);
  assert.match(text, /^H4TXQ2WJ0F\s+Apple silicon, Bootstrap Token not escrowed \*\s+alice-mba/m);
  assert.match(text, /^FVF3L0QWQ6LR\s+-\s+lab-imac-02/m);
  assert.equal(text.split('SYNTHETIC').length, 2, 'the legend once');
  assert.match(text, /\nNotes\n {2}\* some outputs are SYNTHETIC\n$/);
  const narrow = renderFleetTable(FLEET, { notes: ['word '.repeat(40).trim()], width: 80 });
  assert.ok(
    narrow.split('\n').every((l) => l.length <= 80),
    'notes wrap to the width',
  );
});

test('each failing rule with its users, failing since, and the exemption in force; its fix once', () => {
  const text = renderFleetTable(FLEET, { width: 200 });
  assert.match(text, /^ {4}user-without-securetoken \(bob, carol\)\s+high\s+since 2026-02-27 09:12$/m);
  assert.match(
    text,
    /^ {4}user-without-securetoken \(kiosk\) \[exempted\]\s+high\s+since 2026-01-10 00:00 {2}exempted by it-ops until 2026-06-30 00:00: kiosk account, never unlocks the disk$/m,
  );
  assert.match(
    text,
    /no-volume-owner \[pending\]\s+critical\s+since 2026-03-02 11:30 {2}pending until 2026-03-03 11:30/,
  );
  const fixes = text.slice(text.indexOf('HOW TO FIX'));
  assert.equal(fixes.split('\nuser-without-securetoken\n').length, 2, 'one fix per rule');
  assert.match(fixes, /sysadminctl -secureTokenOn USER/);
  assert.ok(!/^stale$/m.test(fixes) || FLEET.some((r) => r.findings.some((f) => f.rule === 'stale')));
});

test('a breakdown (--group-by) after the summary', () => {
  const text = renderFleetTable(FLEET, {
    groups: {
      by: 'os',
      rows: [
        { key: '15.3.1', devices: 3, noncompliant: 1, unknown: 1, compliant: 1 },
        { key: null, devices: 1, noncompliant: 1, unknown: 0, compliant: 0 },
      ],
    },
  });
  assert.match(text, /^OS\s+DEVICES\s+NONCOMPLIANT\s+UNKNOWN\s+COMPLIANT$/m);
  assert.match(text, /^15\.3\.1\s+3\s+1\s+1\s+1$/m);
  assert.match(text, /^\(unknown\)\s+1\s+1\s+0\s+0$/m);
  assert.ok(text.indexOf('DEVICES') < text.indexOf('SERIAL'));
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
    renderFleetTable([{ ...row, hostname: 'h', serial: 's' }], { width: 200 }).split('\n').length,
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
