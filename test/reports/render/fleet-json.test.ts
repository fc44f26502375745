import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJson } from '../../../reports/render/index.ts';
import { FLEET } from './fleet-rows.ts';
import { assertGolden } from './golden.ts';
import type { FleetRow } from '../../../reports/render/index.ts';
import { HOSTILE, assertNoUnsafe } from '../../helpers/hostile-strings.ts';

test('golden: summary and devices in report order', () => {
  assertGolden('fleet.json', renderJson(FLEET));
});

test('parses back, with counts per status and per rule', () => {
  const report = JSON.parse(renderJson(FLEET)) as {
    schema: string;
    summary: {
      devices: number;
      byStatus: Record<string, number>;
      byRule: Array<{ rule: string; active: number }>;
    };
    devices: Array<{ serial: string }>;
  };
  assert.equal(report.schema, 'tokenwatch.fleet-report/1');
  assert.deepEqual(report.summary.byStatus, { noncompliant: 4, unknown: 1, compliant: 2 });
  assert.equal(report.summary.devices, 7);
  assert.deepEqual(
    report.summary.byRule.find((r) => r.rule === 'user-without-securetoken'),
    {
      rule: 'user-without-securetoken',
      title: 'User without a SecureToken',
      severity: 'high',
      active: 2,
      pending: 0,
      exempted: 1,
    },
  );
  assert.equal(report.devices.length, 7);
});

test('hostile corpus in every field: valid JSON, the same strings back, no raw control or bidi character', () => {
  for (const h of HOSTILE) {
    const row: FleetRow = {
      serial: h.text,
      hostname: h.text,
      model: h.text,
      osVersion: h.text,
      status: 'noncompliant',
      lastSeen: h.text,
      findings: [
        {
          rule: 'filevault-off',
          severity: 'critical',
          user: h.text,
          state: 'active',
          firstSeen: h.text,
          reason: h.text,
        },
      ],
    };
    const text = renderJson([row]);
    assertNoUnsafe(text, h.id);
    const report = JSON.parse(text) as { devices: FleetRow[] };
    assert.deepEqual(report.devices, [row], h.id);
  }
});
