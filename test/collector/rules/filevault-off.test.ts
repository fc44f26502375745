import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileVaultOff as rule } from '../../../collector/rules/filevault-off.ts';
import { fv, outcomesOf } from './compliant-snapshot.ts';
import { withSignals } from './new-signals.ts';

test('pass: on', () => {
  assert.deepEqual(outcomesOf(rule), [['pass', null, 'FileVault is on']]);
});

test('pass: encrypting (being turned on needs only time)', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.fileVault.state = fv('encrypting'))),
    [['pass', null, 'FileVault is on, encryption in progress']],
  );
});

test('fail: off', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.fileVault.state = fv('off'))),
    [['fail', null, 'FileVault is off']],
  );
});

test('fail: decrypting (being turned off)', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.fileVault.state = fv('decrypting'))),
    [['fail', null, 'FileVault is being turned off (decryption in progress)']],
  );
});

test('unknown: state unknown, quoting the fdesetup status error', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.fileVault.state = fv('unknown'))),
    [['unknown', null, 'the FileVault state is unknown']],
  );
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.fileVault.state = fv('unknown');
      s.errors.push({
        probe: 'fdesetup_status',
        kind: 'unrecognised_output',
        message: 'stdout line 1 unrecognised: FileVault is Weird.',
      });
    }),
    [
      [
        'unknown',
        null,
        'the FileVault state is unknown (agent reported fdesetup_status: "stdout line 1 unrecognised: FileVault is Weird.")',
      ],
    ],
  );
});

test('an fdesetup list error does not touch the state', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => s.errors.push({ probe: 'fdesetup_list', kind: 'exit', message: 'exit code 1' })),
    [['pass', null, 'FileVault is on']],
  );
});

test('not_applicable is never answered: every Mac can have FileVault', () => {
  for (const state of ['on', 'off', 'encrypting', 'decrypting', 'unknown'] as const) {
    assert.notEqual(outcomesOf(rule, (s) => (s.fileVault.state = fv(state)))[0]?.[0], 'not_applicable');
  }
});

test('fail: off, the reason says whether a deferred enablement will turn it on, and for whom', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      withSignals(s);
      s.fileVault.state = fv('off');
    }),
    [
      [
        'fail',
        null,
        'FileVault is off, and no deferred enablement is set: nothing will turn it on at a logout',
      ],
    ],
  );
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      withSignals(s);
      s.fileVault.state = fv('off');
      s.fileVault.deferral = {
        deferred: true,
        fromProfile: true,
        users: ['alice', 'bob'],
        outputPath: null,
        recordPresent: null,
      };
    }),
    [
      [
        'fail',
        null,
        'FileVault is off; enablement deferred to the next logout of alice and bob (set by a profile)',
      ],
    ],
  );
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      withSignals(s);
      s.fileVault.state = fv('off');
      s.fileVault.deferral = {
        deferred: true,
        fromProfile: false,
        users: [],
        outputPath: null,
        recordPresent: null,
      };
    }),
    [['fail', null, 'FileVault is off; enablement deferred to the next logout of any user']],
  );
  assert.match(rule.remediation, /-forceatlogin 0/);
});
