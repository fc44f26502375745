import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileVaultNoRecoveryKey as rule } from '../../../collector/rules/filevault-no-recovery-key.ts';
import { fv, outcomesOf } from './compliant-snapshot.ts';

test('pass: personal key', () => {
  assert.deepEqual(outcomesOf(rule), [['pass', null, 'FileVault has a personal recovery key']]);
});

test('pass: institutional key, personal unknown', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.fileVault.personalRecoveryKey = null;
      s.fileVault.institutionalRecoveryKey = true;
    }),
    [['pass', null, 'FileVault has an institutional recovery key']],
  );
});

test('fail: on with neither key', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.fileVault.personalRecoveryKey = false)),
    [['fail', null, 'FileVault is on with neither a personal nor an institutional recovery key']],
  );
});

test('fail: encrypting with neither key', () => {
  assert.equal(
    outcomesOf(rule, (s) => {
      s.fileVault.state = fv('encrypting');
      s.fileVault.personalRecoveryKey = false;
    })[0]?.[0],
    'fail',
  );
});

test('not_applicable: off or decrypting', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.fileVault.state = fv('off'))),
    [['not_applicable', null, 'FileVault is off (see filevault-off)']],
  );
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.fileVault.state = fv('decrypting'))),
    [['not_applicable', null, 'FileVault is being turned off (see filevault-off)']],
  );
});

test('unknown: one key false, the other errored', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.fileVault.personalRecoveryKey = false;
      s.fileVault.institutionalRecoveryKey = null;
      s.errors.push({
        probe: 'fdesetup_irk',
        kind: 'exit',
        message: 'exit code 1: Error: This command requires root',
      });
    }),
    [
      [
        'unknown',
        null,
        'whether FileVault has a recovery key is unknown (agent reported fdesetup_irk: "exit code 1: Error: This command requires root")',
      ],
    ],
  );
});

test('unknown: FileVault state unknown', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.fileVault.state = fv('unknown'))),
    [['unknown', null, 'the FileVault state is unknown']],
  );
});
