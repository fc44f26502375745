import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdmNotEnrolled as rule } from '../../../collector/rules/mdm-not-enrolled.ts';
import { outcomesOf } from './compliant-snapshot.ts';

test('pass: enrolled, names the server', () => {
  assert.deepEqual(outcomesOf(rule), [
    ['pass', null, 'enrolled in MDM (https://mdm.example.com/mdm/server)'],
  ]);
});

test('fail: not enrolled', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.mdm = { enrolled: false, userApproved: null, dep: false, server: null })),
    [['fail', null, 'the Mac says it is not enrolled in MDM']],
  );
});

test('unknown: enrolment unknown', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.mdm.enrolled = null;
      s.errors.push({ probe: 'profiles_enrollment', kind: 'timeout', message: 'timed out after 15000 ms' });
    }),
    [
      [
        'unknown',
        null,
        'MDM enrolment is unknown (agent reported profiles_enrollment: "timed out after 15000 ms")',
      ],
    ],
  );
});

test('not_applicable is never answered: every Mac should be enrolled', () => {
  assert.ok(outcomesOf(rule, (s) => (s.device.appleSilicon = false)).every((o) => o[0] !== 'not_applicable'));
});
