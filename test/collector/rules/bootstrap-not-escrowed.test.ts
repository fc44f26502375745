import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapNotEscrowed as rule } from '../../../collector/rules/bootstrap-not-escrowed.ts';
import { outcomesOf } from './compliant-snapshot.ts';

test('pass: the Mac says escrowed', () => {
  assert.deepEqual(outcomesOf(rule), [
    ['pass', null, 'the Mac says its Bootstrap Token is escrowed to the MDM server'],
  ]);
});

test('fail: escrowed === false', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.bootstrapToken.escrowed = false)),
    [['fail', null, 'the Mac says its Bootstrap Token is not escrowed to the MDM server']],
  );
});

test('not_applicable: the server does not support Bootstrap Token (escrowed listed in notApplicable)', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.bootstrapToken.supportedOnServer = false;
      s.bootstrapToken.escrowed = null;
      s.notApplicable.push('bootstrapToken.escrowed');
    }),
    [
      [
        'not_applicable',
        null,
        'the MDM server does not support Bootstrap Token, so nothing can be escrowed (see bootstrap-unsupported)',
      ],
    ],
  );
});

test('not_applicable: not enrolled in MDM', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.mdm = { enrolled: false, userApproved: null, dep: false, server: null };
      s.bootstrapToken.escrowed = false;
    }),
    [['not_applicable', null, 'the Mac is not enrolled in MDM (see mdm-not-enrolled)']],
  );
});

test('unknown: escrowed is null, and the profiles error is quoted', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.bootstrapToken.escrowed = null;
      s.errors.push({
        probe: 'profiles_bootstrap',
        kind: 'exit',
        message: 'exit code 1: profiles: this command requires root',
      });
    }),
    [
      [
        'unknown',
        null,
        'whether the Bootstrap Token is escrowed is unknown (agent reported profiles_bootstrap: "exit code 1: profiles: this command requires root")',
      ],
    ],
  );
});

test('fail: a value established next to an error from its probe stands (errors explain nulls)', () => {
  const outcomes = outcomesOf(rule, (s) => {
    s.bootstrapToken.escrowed = false;
    s.errors.push({
      probe: 'profiles_bootstrap',
      kind: 'unrecognised_output',
      message: 'stdout line 3 unrecognised: profiles: something new',
    });
  });
  assert.equal(outcomes[0]?.[0], 'fail');
});
