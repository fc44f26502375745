// Whole devices: evaluateDevice -> reconcileFindings -> findingState -> deviceStatus, as the collector chains them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RULE_IDS,
  answersUnknown,
  deviceStatus,
  evaluateDevice,
  findingState,
  pendingUntil,
  reconcileFindings,
} from '../../../collector/rules/index.ts';
import type { DeviceState, Exemption, RuleConfig } from '../../../collector/rules/index.ts';
import { CONFIG, NOW, deviceState, fv, userNamed } from './compliant-snapshot.ts';
import { withPlatformSso } from './new-signals.ts';

function statusOf(state: DeviceState, config: RuleConfig = CONFIG, exemptions: Exemption[] = []) {
  const outcomes = evaluateDevice(state, NOW, config);
  // A first evaluation: every finding is a failure of it, first seen now.
  const findings = reconcileFindings([], outcomes, NOW).map((finding) => ({
    finding,
    state: findingState(
      { ...finding, pendingUntil: pendingUntil(finding, config) },
      NOW.getTime(),
      exemptions,
      'C02XK1ABJGH5',
    ),
  }));
  const status = deviceStatus({
    failing: findings.map(({ finding, state }) => ({ rule: finding.rule, state })),
    unknown: answersUnknown(outcomes),
    identityConflict: false,
  });
  return { outcomes, findings, status };
}

test('the compliant Mac: every rule answers, all pass (no deferral record path to look at), compliant', () => {
  const { outcomes, findings, status } = statusOf(deviceState(withPlatformSso));
  assert.deepEqual([...new Set(outcomes.map((o) => o.rule))], [...RULE_IDS]);
  assert.deepEqual(
    outcomes.filter((o) => o.result !== 'pass').map((o) => `${o.rule}: ${o.result}`),
    ['filevault-key-record-on-disk: not_applicable'],
  );
  assert.deepEqual(findings, []);
  assert.equal(status, 'compliant');
});

test('a Mac whose escrow failed and whose user has no token: two findings naming bob, noncompliant', () => {
  const { findings, status } = statusOf(
    deviceState((s) => {
      s.bootstrapToken.escrowed = false;
      userNamed(s, 'bob').secureToken = false;
    }),
  );
  assert.deepEqual(
    findings.map(({ finding, state }) => [finding.rule, finding.user, state, finding.reason]),
    [
      [
        'bootstrap-not-escrowed',
        null,
        'active',
        'the Mac says its Bootstrap Token is not escrowed to the MDM server',
      ],
      ['user-without-securetoken', 'bob', 'active', 'bob has no SecureToken'],
    ],
  );
  assert.equal(status, 'noncompliant');
});

test('a new Mac inside its grace window is compliant (pending), and exempted findings stay visible', () => {
  const state = deviceState((s) => (userNamed(s, 'bob').secureToken = false));
  const graced = statusOf(state, { ...CONFIG, graceSeconds: { 'user-without-securetoken': 86400 } });
  assert.equal(graced.status, 'compliant');
  assert.equal(graced.findings[0]?.state, 'pending');
  const exempted = statusOf(state, CONFIG, [
    {
      id: 'x',
      serial: null,
      rule: 'user-without-securetoken',
      user: 'bob',
      reason: 'kiosk',
      createdBy: 'jdoe',
      createdAt: Date.parse('2026-03-01T00:00:00Z'),
      expiresAt: null,
    },
  ]);
  assert.equal(exempted.status, 'compliant');
  assert.equal(exempted.findings[0]?.state, 'exempted');
});

test('an Intel Mac with FileVault off: not_applicable volume owner, noncompliant on FileVault', () => {
  const { outcomes, status } = statusOf(
    deviceState((s) => {
      s.device.appleSilicon = false;
      s.device.model = 'MacBookPro15,1';
      s.fileVault.state = fv('off');
      s.fileVault.personalRecoveryKey = false;
    }),
  );
  const of = (rule: string) => outcomes.find((o) => o.rule === rule)?.result;
  assert.equal(of('no-volume-owner'), 'not_applicable');
  assert.equal(of('filevault-off'), 'fail');
  assert.equal(of('filevault-no-recovery-key'), 'not_applicable');
  assert.equal(status, 'noncompliant');
});

test('a Mac whose sysadminctl calls all timed out: unknown, with collection-incomplete naming the probe', () => {
  const { outcomes, status } = statusOf(
    deviceState((s) => {
      for (const u of s.users) u.secureToken = null;
      s.errors.push(
        { probe: 'sysadminctl', kind: 'timeout', user: 'alice', message: 'timed out after 10000 ms' },
        { probe: 'sysadminctl', kind: 'timeout', user: 'bob', message: 'timed out after 10000 ms' },
      );
    }),
  );
  assert.equal(status, 'unknown');
  assert.deepEqual(
    outcomes.find((o) => o.rule === 'collection-incomplete'),
    {
      rule: 'collection-incomplete',
      user: null,
      result: 'fail',
      reason:
        'collection errors left user-without-securetoken and no-securetoken-holder unknown: sysadminctl (user alice): "timed out after 10000 ms"; sysadminctl (user bob): "timed out after 10000 ms"',
    },
  );
});

test('a silent Mac is noncompliant through stale', () => {
  assert.equal(statusOf(deviceState(undefined, '2026-02-01T00:00:00Z')).status, 'noncompliant');
});
