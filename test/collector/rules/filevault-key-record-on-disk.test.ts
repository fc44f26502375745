import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileVaultKeyRecordOnDisk as rule } from '../../../collector/rules/filevault-key-record-on-disk.ts';
import { outcomesOf } from './compliant-snapshot.ts';
import { withSignals } from './new-signals.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';

const PATH = '/var/db/ConfigurationProfiles/fdesetup.plist';

function deferred(recordPresent: boolean | null) {
  return (s: Snapshot) => {
    withSignals(s);
    s.notApplicable = [];
    s.fileVault.deferral = { deferred: true, fromProfile: true, users: [], outputPath: PATH, recordPresent };
  };
}

test('fail: the enablement record is on disk (it holds the key in clear)', () => {
  assert.deepEqual(outcomesOf(rule, deferred(true)), [
    ['fail', null, `the enablement record at ${PATH} holds the personal recovery key in clear`],
  ]);
});

test('pass: no record at the OutputPath; not applicable: no OutputPath', () => {
  assert.deepEqual(outcomesOf(rule, deferred(false)), [['pass', null, `no enablement record at ${PATH}`]]);
  assert.deepEqual(outcomesOf(rule, withSignals), [
    ['not_applicable', null, 'no deferred enablement names a record path (OutputPath)'],
  ]);
});

test('unknown: the record could not be looked at, or showdeferralinfo gave no answer', () => {
  const rows = outcomesOf(rule, (s) => {
    deferred(null)(s);
    s.errors.push({ probe: 'deferral_record', kind: 'tool_error', message: `${PATH}: EACCES` });
  });
  assert.equal(rows[0]?.[0], 'unknown');
  assert.match(rows[0]?.[2] ?? '', /deferral_record: ".*EACCES"/);
  const none = outcomesOf(rule, (s) => {
    withSignals(s);
    s.fileVault.deferral = null;
    s.errors.push({ probe: 'fdesetup_deferral', kind: 'timeout', message: 'timed out after 10000 ms' });
  });
  assert.equal(none[0]?.[0], 'unknown');
  assert.match(none[0]?.[2] ?? '', /fdesetup_deferral: "timed out/);
});

test('an agent older than the field: not applicable, saying to upgrade the agent', () => {
  assert.equal(outcomesOf(rule)[0]?.[0], 'not_applicable');
  assert.match(outcomesOf(rule)[0]?.[2] ?? '', /does not report FileVault deferral/);
});
