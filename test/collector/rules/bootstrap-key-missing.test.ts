import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapKeyMissing as rule } from '../../../collector/rules/bootstrap-key-missing.ts';
import { BOOTSTRAP_KEY_UUID, outcomesOf } from './compliant-snapshot.ts';

test('pass: the MDM Bootstrap Token External Key is on the volume', () => {
  assert.deepEqual(outcomesOf(rule), [
    [
      'pass',
      null,
      `the volume lists the Bootstrap Token key ("MDM Bootstrap Token External Key" ${BOOTSTRAP_KEY_UUID})`,
    ],
  ]);
});

test('fail: escrowed but no mdm_bootstrap_token crypto user', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.cryptoUsers = s.cryptoUsers.filter((c) => c.uuid !== BOOTSTRAP_KEY_UUID))),
    [
      [
        'fail',
        null,
        'the Mac says its Bootstrap Token is escrowed, but the volume has no "MDM Bootstrap Token External Key" crypto user',
      ],
    ],
  );
});

test('not_applicable: not escrowed (bootstrap-not-escrowed reports it)', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.bootstrapToken.escrowed = false)),
    [['not_applicable', null, 'the Bootstrap Token is not escrowed (see bootstrap-not-escrowed)']],
  );
});

test('not_applicable: server does not support Bootstrap Token', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.bootstrapToken = { ...s.bootstrapToken, supportedOnServer: false, escrowed: null };
      s.notApplicable.push('bootstrapToken.escrowed');
    }),
    [['not_applicable', null, 'the MDM server does not support Bootstrap Token (see bootstrap-unsupported)']],
  );
});

test('unknown: diskutil failed', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.cryptoUsers = [];
      s.errors.push({ probe: 'diskutil_cryptousers', kind: 'exit', message: 'exit code 1' });
    }),
    [
      [
        'unknown',
        null,
        'the volume\'s crypto users are unknown, so the Bootstrap Token key cannot be checked (agent reported diskutil_cryptousers: "exit code 1")',
      ],
    ],
  );
});

test('unknown: escrow state unknown', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.bootstrapToken.escrowed = null)),
    [['unknown', null, 'whether the Bootstrap Token is escrowed is unknown']],
  );
});

test('pass: a key in the list counts even when diskutil reported an unrelated problem', () => {
  assert.equal(
    outcomesOf(rule, (s) =>
      s.errors.push({
        probe: 'diskutil_cryptousers',
        kind: 'missing_output',
        message: 'no "Volume Owner" lines on an Apple silicon Mac: volume owners unknown',
      }),
    )[0]?.[0],
    'pass',
  );
});
