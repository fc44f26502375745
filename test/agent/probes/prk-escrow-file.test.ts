// The escrow file is looked at with lstat, never read: the input here is what lstat established, not a
// tool's output, so there is no recorded sample (the size 460 is the length mdmclient logged for a real
// escrow file in Elliot Jordan's published logs; the rest is SYNTHETIC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRK_ESCROW_FILE, interpretPrkEscrowFile } from '../../../agent/probes/prk-escrow-file.ts';
import { E } from './samples.ts';

const WRITTEN = '2023-09-23T17:54:42.000Z';

test('FileVaultPRK.dat: the path is the one Apple documents for the FDERecoveryKeyEscrow payload', () => {
  assert.equal(PRK_ESCROW_FILE, '/var/db/FileVaultPRK.dat');
});

test('FileVaultPRK.dat: missing is a fact (absent), not an error', () => {
  assert.deepEqual(interpretPrkEscrowFile({ kind: 'missing' }), {
    value: { present: false, size: null, modifiedAt: null },
    errors: [],
  });
});

test('FileVaultPRK.dat: a regular file: present, with its size and when the key was written', () => {
  assert.deepEqual(interpretPrkEscrowFile({ kind: 'file', size: 460, modifiedAt: WRITTEN }), {
    value: { present: true, size: 460, modifiedAt: WRITTEN },
    errors: [],
  });
});

test('FileVaultPRK.dat: an empty file is present but holds no key: an error says so', () => {
  assert.deepEqual(interpretPrkEscrowFile({ kind: 'file', size: 0, modifiedAt: WRITTEN }), {
    value: { present: true, size: 0, modifiedAt: WRITTEN },
    errors: [E.unrecognised('/var/db/FileVaultPRK.dat is empty: it holds no escrowed key')],
  });
});

test('FileVaultPRK.dat: a symlink or a directory is not followed and not an answer', () => {
  for (const kind of ['symlink', 'directory', 'other'] as const) {
    assert.deepEqual(interpretPrkEscrowFile({ kind, size: 12, modifiedAt: WRITTEN }), {
      value: null,
      errors: [E.unrecognised(`/var/db/FileVaultPRK.dat is a ${kind}, not a file: not looked into`)],
    });
  }
});

test('FileVaultPRK.dat: lstat failing is unknown, never "absent"', () => {
  assert.deepEqual(interpretPrkEscrowFile({ kind: 'error', code: 'EACCES' }), {
    value: null,
    errors: [E.tool('/var/db/FileVaultPRK.dat: EACCES (permission denied: is the agent running as root?)')],
  });
  assert.deepEqual(interpretPrkEscrowFile({ kind: 'error', code: 'EIO' }), {
    value: null,
    errors: [E.tool('/var/db/FileVaultPRK.dat: EIO (could not be looked at)')],
  });
});
