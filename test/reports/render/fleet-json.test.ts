// The JSON report: written in pieces (head, a device at a time, tail), it is one JSON document of the
// declared shape (reports/report-schema.ts FleetReport), whatever the number of devices, and Mac-supplied
// text comes back exactly while no raw control or bidi character is printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Compile } from 'typebox/compile';
import { jsonDevice, jsonHead, jsonTail, renderJson } from '../../../reports/render/index.ts';
import { FLEET_REPORT_SCHEMA, FleetReport } from '../../../reports/report-schema.ts';
import type { ReportDevice, ReportHeader } from '../../../reports/report-schema.ts';
import { SUMMARY } from './fleet-rows.ts';
import { HOSTILE, assertNoUnsafe } from '../../helpers/hostile-strings.ts';

const shape = Compile(FleetReport);

const HEADER: ReportHeader = {
  schema: FLEET_REPORT_SCHEMA,
  generatedAt: '2026-03-02T12:00:00.000Z',
  asOf: null,
  source: 'http://127.0.0.1:8443',
  filter: { status: ['noncompliant'], rule: null },
  summary: SUMMARY,
  trend: { keptSince: null, days: [] },
};

/** A noncompliant Apple silicon Mac as GET /api/v1/devices shows it, its text fields all `text`. */
function device(serial: string, text = 'x'): ReportDevice {
  return {
    serial,
    hardwareUuid: text,
    hostname: text,
    model: text,
    osVersion: text,
    osBuild: text,
    status: 'noncompliant',
    enrolledAt: '2026-02-01T00:00:00.000Z',
    lastSeen: '2026-03-02T11:00:00.000Z',
    revokedAt: null,
    retired: null,
    collectedAt: '2026-03-02T10:59:00.000Z',
    digest: null,
    clockSkewSeconds: null,
    appleSilicon: true,
    agentVersion: text,
    consoleUser: text,
    bootstrapEscrowed: false,
    bootstrapUsable: false,
    fileVaultOn: true,
    mdmUpdate: { verdict: 'no', reason: text },
    unlock: { person: text, personSource: 'console', onlyOthersCanUnlock: false, reason: text },
    identityConflict: false,
    findings: [
      {
        rule: 'bootstrap-not-escrowed',
        title: 'Bootstrap Token not escrowed to MDM',
        severity: 'high',
        user: text,
        state: 'exempted',
        reason: text,
        firstSeen: '2026-02-20T08:00:00.000Z',
        lastSeen: '2026-03-02T11:00:00.000Z',
        pendingUntil: null,
        exemption: { id: 'e1', reason: text, createdBy: text, expiresAt: null },
        remediation: 'Escrow the Bootstrap Token',
      },
    ],
  };
}

const streamed = (devices: ReportDevice[], groups: FleetReport['groups'] = null) =>
  jsonHead(HEADER) +
  devices.map((d, i) => jsonDevice(d, i === 0)).join('') +
  jsonTail(groups, devices.length);

test('written a device at a time, it is one document of the declared shape: none, one, several devices', () => {
  for (const n of [0, 1, 3]) {
    const devices = Array.from({ length: n }, (_, i) => device(`C0${i}`));
    const groups = {
      by: 'os' as const,
      rows: [{ key: 'x', devices: n, compliant: 0, noncompliant: n, unknown: 0 }],
    };
    const value: unknown = JSON.parse(streamed(devices, n === 3 ? groups : null));
    assert.ok(shape.Check(value), `${n}: ${JSON.stringify([...shape.Errors(value)][0])}`);
    assert.deepEqual(value, { ...HEADER, devices, groups: n === 3 ? groups : null });
    assert.equal(renderJson({ ...HEADER, devices, groups: null }), streamed(devices));
  }
});

test('hostile corpus in every field: valid JSON, the same strings back, no raw control or bidi character', () => {
  for (const h of HOSTILE) {
    const d = device(h.text, h.text);
    const text = streamed([d]);
    assertNoUnsafe(text, h.id);
    const report = JSON.parse(text) as FleetReport;
    assert.deepEqual(report.devices, [d], h.id);
  }
});
