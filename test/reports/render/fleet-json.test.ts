import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJson } from '../../../reports/render/index.ts';
import { FLEET } from './fleet-rows.ts';
import { assertGolden } from './golden.ts';

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
