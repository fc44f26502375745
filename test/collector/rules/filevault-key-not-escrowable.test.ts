import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileVaultKeyNotEscrowable as rule } from '../../../collector/rules/filevault-key-not-escrowable.ts';
import { fv, outcomesOf } from './compliant-snapshot.ts';
import { withSignals } from './new-signals.ts';

test('pass: a key was written for MDM escrow, and the reason says what that does not prove', () => {
  assert.deepEqual(outcomesOf(rule, withSignals), [
    [
      'pass',
      null,
      'a key for MDM escrow was written at 2026-02-20T09:14:03.000Z; whether the MDM collected it and can ' +
        'decrypt it is shown only in the MDM',
    ],
  ]);
});

test('fail: a personal recovery key on an enrolled Mac, no key written for escrow', () => {
  const rows = outcomesOf(rule, (s) => {
    withSignals(s);
    s.fileVault.prkEscrowFile = { present: false, size: null, modifiedAt: null };
  });
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.[0], 'fail');
  assert.match(rows[0]?.[2] ?? '', /\/var\/db\/FileVaultPRK\.dat absent/);
});

test('not applicable: FileVault off, not enrolled, no personal key (each names the rule that reports it)', () => {
  const absent = (s: Parameters<typeof withSignals>[0]) => {
    withSignals(s);
    s.fileVault.prkEscrowFile = { present: false, size: null, modifiedAt: null };
  };
  for (const [edit, why] of [
    [(s) => (s.fileVault.state = fv('off')), /filevault-off/],
    [(s) => (s.mdm.enrolled = false), /mdm-not-enrolled/],
    [(s) => (s.fileVault.personalRecoveryKey = false), /filevault-no-recovery-key/],
  ] as const satisfies ReadonlyArray<readonly [(s: Parameters<typeof withSignals>[0]) => void, RegExp]>) {
    const rows = outcomesOf(rule, (s) => {
      absent(s);
      edit(s);
    });
    assert.equal(rows[0]?.[0], 'not_applicable');
    assert.match(rows[0]?.[2] ?? '', why);
  }
});

test('unknown: the lstat failed, quoting the prk_escrow_file error', () => {
  const rows = outcomesOf(rule, (s) => {
    withSignals(s);
    s.fileVault.prkEscrowFile = null;
    s.errors.push({
      probe: 'prk_escrow_file',
      kind: 'tool_error',
      message: '/var/db/FileVaultPRK.dat: EACCES (permission denied: is the agent running as root?)',
    });
  });
  assert.equal(rows[0]?.[0], 'unknown');
  assert.match(rows[0]?.[2] ?? '', /prk_escrow_file: ".*EACCES/);
});

test('an agent older than the field: not applicable, saying to upgrade the agent (not unknown)', () => {
  assert.deepEqual(outcomesOf(rule), [
    [
      'not_applicable',
      null,
      'the agent (0.1.0) does not report the recovery key escrow file: upgrade the agent to check it',
    ],
  ]);
});
