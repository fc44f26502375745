import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdmNotUserApproved as rule } from '../../../collector/rules/mdm-not-user-approved.ts';
import { outcomesOf } from './compliant-snapshot.ts';

test('pass: enrolled through ADE (DEP)', () => {
  assert.deepEqual(outcomesOf(rule), [['pass', null, 'enrolled through Automated Device Enrollment (DEP)']]);
});

test('pass: user approved, not DEP', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.mdm.dep = false)),
    [['pass', null, 'MDM enrolment is user-approved']],
  );
});

test('fail: enrolled, neither user-approved nor DEP', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.mdm.dep = false;
      s.mdm.userApproved = false;
    }),
    [['fail', null, 'enrolled in MDM, but neither user-approved nor through Automated Device Enrollment']],
  );
});

test('not_applicable: not enrolled', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => (s.mdm = { enrolled: false, userApproved: false, dep: false, server: null })),
    [['not_applicable', null, 'the Mac is not enrolled in MDM (see mdm-not-enrolled)']],
  );
});

test('unknown: not DEP and approval unknown', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.mdm.dep = false;
      s.mdm.userApproved = null;
    }),
    [['unknown', null, 'whether the MDM enrolment is user-approved or through DEP is unknown']],
  );
});
