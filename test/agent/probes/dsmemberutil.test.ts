import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCheckMembership } from '../../../agent/probes/dsmemberutil.ts';
import { E, assertCoversFolder, out, sample } from './samples.ts';

const F = 'dsmemberutil_admin';
const MEMBER = 'member-ad-user-nested-admin-homebrew-install-32-2016.txt';
const NOT_MEMBER = 'not-member-SYNTHETIC.txt';

test('dsmemberutil checkmembership: every sample is tested', () =>
  assertCoversFolder(F, [MEMBER, NOT_MEMBER]));

test('dsmemberutil checkmembership: real answer for an AD user who is admin only through directory groups', () => {
  assert.deepEqual(parseCheckMembership(sample(F, MEMBER)), { value: { member: true }, errors: [] });
});

test('dsmemberutil checkmembership: SYNTHETIC "user is not a member of the group" (the form scripts compare against)', () => {
  assert.deepEqual(parseCheckMembership(sample(F, NOT_MEMBER)), { value: { member: false }, errors: [] });
});

test('dsmemberutil checkmembership: an answer with a non-zero exit is no answer; a stderr line beside a clean one is unrelated', () => {
  assert.deepEqual(parseCheckMembership(sample(F, NOT_MEMBER, { exitCode: 1 })), {
    value: null,
    errors: [E.exit('exit code 1: user is not a member of the group')],
  });
  assert.deepEqual(parseCheckMembership(out('user is a member of the group\n', 'something on stderr\n')), {
    value: { member: true },
    errors: [E.unrelated('stderr line 1 unrecognised: something on stderr')],
  });
  assert.deepEqual(parseCheckMembership(out('', 'something on stderr\n')), {
    value: null,
    errors: [E.unrecognised('stderr line 1 unrecognised: something on stderr')],
  });
});

test('dsmemberutil checkmembership: anything but one answer is an error, never "not a member"', () => {
  assert.deepEqual(parseCheckMembership(out('')), {
    value: null,
    errors: [E.missing('no "user is (not) a member of the group" answer')],
  });
  // Neither answer's text: an unknown user's or a changed tool's message is quoted, not read as "no".
  assert.deepEqual(parseCheckMembership(out('user is NOT a member of the group\n')), {
    value: null,
    errors: [E.unrecognised('stdout line 1 unrecognised: user is NOT a member of the group')],
  });
  assert.deepEqual(parseCheckMembership(out('', 'dsmemberutil: something new\n', 67)), {
    value: null,
    errors: [
      E.unrecognised('stderr line 1 unrecognised: dsmemberutil: something new'),
      E.exit('exit code 67'),
    ],
  });
  assert.deepEqual(
    parseCheckMembership(out('user is a member of the group\nuser is not a member of the group\n')),
    { value: null, errors: [E.conflict('stdout line 2: a second answer')] },
  );
});

test('dsmemberutil checkmembership: surrounding whitespace and a CRLF do not change the answer', () => {
  assert.deepEqual(parseCheckMembership(out('  user is a member of the group\r\n')), {
    value: { member: true },
    errors: [],
  });
});
