import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapUnsupported as rule } from '../../../collector/rules/bootstrap-unsupported.ts';
import { outcomesOf } from './compliant-snapshot.ts';

test('pass: supported on server', () => {
  assert.deepEqual(outcomesOf(rule), [
    ['pass', null, 'the Mac says its MDM server supports Bootstrap Token'],
  ]);
});

test('fail: supportedOnServer === false (the one-line Catalina answer)', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.bootstrapToken.supportedOnServer = false;
      s.bootstrapToken.escrowed = null;
      s.notApplicable.push('bootstrapToken.escrowed');
    }),
    [['fail', null, 'the Mac says its MDM server does not support Bootstrap Token']],
  );
});

test('not_applicable: not enrolled', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.mdm.enrolled = false)),
    [['not_applicable', null, 'the Mac is not enrolled in MDM (see mdm-not-enrolled)']],
  );
});

test('unknown: supportedOnServer null', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.bootstrapToken.supportedOnServer = null;
      s.errors.push({ probe: 'profiles_bootstrap', kind: 'timeout', message: 'timed out after 15000 ms' });
    }),
    [
      [
        'unknown',
        null,
        'whether the MDM server supports Bootstrap Token is unknown (agent reported profiles_bootstrap: "timed out after 15000 ms")',
      ],
    ],
  );
});
