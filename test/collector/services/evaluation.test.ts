// The stored instants (pendingUntil, noncompliantFrom) agree with the rules' own findingState/deviceStatus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findingState, deviceStatus, evaluateDevice } from '../../../collector/rules/index.ts';
import type { Exemption } from '../../../collector/rules/index.ts';
import {
  evaluateSnapshot,
  storedFindingState,
  toRuleExemption,
  toRuleFinding,
} from '../../../collector/services/evaluation.ts';
import { compliantSnapshot } from '../rules/compliant-snapshot.ts';

const config = { staleAfterSeconds: 7 * 86400, graceSeconds: { 'bootstrap-not-escrowed': 3600 } };
const T = new Date('2026-03-02T12:00:00.000Z');

test('finding states and device status from stored instants match the rules at every instant', () => {
  const s = compliantSnapshot();
  s.bootstrapToken.escrowed = false;
  s.fileVault.personalRecoveryKey = false;
  s.fileVault.institutionalRecoveryKey = false;
  const serial = s.device.serial as string;
  const exemption = {
    id: 'e1',
    serial,
    rule: 'filevault-no-recovery-key' as const,
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
  const exemptions: Exemption[] = [toRuleExemption(exemption)];
  for (const offset of [0, 1800_000, 3600_000 - 1, 3600_000, 7200_000 - 1, 7200_000, 86400_000]) {
    const now = new Date(T.getTime() + offset);
    const states = ev.findings.map((f) => ({
      finding: toRuleFinding(f),
      state: findingState(toRuleFinding(f), now, config, exemptions, serial),
    }));
    for (const [i, f] of ev.findings.entries()) {
      assert.equal(
        storedFindingState(f, now.getTime(), exemptions, serial),
        states[i]?.state,
        `${f.rule} at +${offset}`,
      );
    }
    const outcomes = evaluateDevice({ snapshot: s, lastSeen: T.toISOString() }, T, config);
    const expected = deviceStatus(outcomes, states);
    const fromColumns =
      ev.noncompliantFrom !== null && ev.noncompliantFrom <= now.getTime()
        ? 'noncompliant'
        : ev.hasUnknown
          ? 'unknown'
          : 'compliant';
    assert.equal(fromColumns, expected, `status at +${offset}`);
  }
  assert.equal(ev.noncompliantFrom, T.getTime() + 3600_000);
});
