// What an evaluation keeps for the store (pendingUntil, noncompliantFrom, hasUnknown) says what the rules'
// findingState and deviceStatus say, at every instant: before, at and after each grace end and expiry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceStatus, findingState } from '../../../collector/rules/index.ts';
import type { Exemption } from '../../../collector/rules/index.ts';
import { evaluateSnapshot } from '../../../collector/services/evaluation.ts';
import { compliantSnapshot } from '../rules/compliant-snapshot.ts';

const config = { staleAfterSeconds: 7 * 86400, graceSeconds: { 'bootstrap-not-escrowed': 3600 } };
const T = new Date('2026-03-02T12:00:00.000Z');

test("the kept instants give the rules' finding states and device status at every instant", () => {
  const s = compliantSnapshot();
  s.bootstrapToken.escrowed = false;
  s.fileVault.personalRecoveryKey = false;
  s.fileVault.institutionalRecoveryKey = false;
  const serial = s.device.serial as string;
  const exemption: Exemption = {
    id: 'e1',
    serial,
    rule: 'filevault-no-recovery-key',
    user: null,
    reason: 'r',
    createdBy: 'me',
    createdAt: T.getTime(),
    expiresAt: T.getTime() + 7200_000,
  };
  const ev = evaluateSnapshot({
    serial,
    snapshot: s,
    previousOpen: [],
    exemptions: [exemption],
    now: T,
    config,
  });
  assert.deepEqual(
    ev.findings.map((f) => [f.rule, f.pendingUntil, f.failing]),
    [
      ['bootstrap-not-escrowed', T.getTime() + 3600_000, true],
      ['filevault-no-recovery-key', null, true],
    ],
  );
  assert.equal(ev.hasUnknown, false);
  for (const offset of [0, 1800_000, 3600_000 - 1, 3600_000, 7200_000 - 1, 7200_000, 86400_000]) {
    const now = T.getTime() + offset;
    const failing = ev.findings.map((f) => ({
      rule: f.rule,
      state: findingState(f, now, [exemption], serial),
    }));
    const expected = deviceStatus({ failing, unknown: ev.hasUnknown, identityConflict: false });
    const fromColumns =
      ev.noncompliantFrom !== null && ev.noncompliantFrom <= now ? 'noncompliant' : 'compliant';
    assert.equal(fromColumns, expected, `status at +${offset}`);
  }
  assert.equal(ev.noncompliantFrom, T.getTime() + 3600_000);
});

test('a finding that goes on keeps the grace window it started with, whatever the settings say now', () => {
  const s = compliantSnapshot();
  s.bootstrapToken.escrowed = false;
  const serial = s.device.serial as string;
  const first = evaluateSnapshot({ serial, snapshot: s, previousOpen: [], exemptions: [], now: T, config });
  const later = new Date(T.getTime() + 600_000);
  const again = evaluateSnapshot({
    serial,
    snapshot: s,
    previousOpen: first.findings,
    exemptions: [],
    now: later,
    config: { ...config, graceSeconds: { 'bootstrap-not-escrowed': 86400 } },
  });
  assert.equal(again.findings[0]?.firstSeen, T.getTime());
  assert.equal(again.findings[0]?.lastSeen, later.getTime());
  assert.equal(again.findings[0]?.pendingUntil, T.getTime() + 3600_000);
  assert.equal(again.noncompliantFrom, T.getTime() + 3600_000);
});
