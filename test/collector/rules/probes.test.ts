// The rules read an error's fields (probe, kind, user, unrelated), never the words of its message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CollectionError } from '../../../agent/snapshot/index.ts';
import { evaluateDevice, ruleById } from '../../../collector/rules/index.ts';
import { errorsAbout, errorsOf, listErrors } from '../../../collector/rules/probes.ts';
import {
  ALICE_GUID,
  BOB_GUID,
  CONFIG,
  NOW,
  compliantSnapshot,
  outcomesOf,
  user,
} from './compliant-snapshot.ts';

const exitOne = (u: string): CollectionError => ({
  probe: 'sysadminctl',
  kind: 'exit',
  user: u,
  message: 'exit code 1: (no output)',
});

test('a user named `exit` or `code` is not the user of every "exit code 1"', () => {
  const rule = ruleById('user-without-securetoken');
  const outcomes = outcomesOf(rule, (s) => {
    s.users = [
      user('alice', ALICE_GUID, { secureToken: null }),
      user('exit', BOB_GUID, { secureToken: null }),
      user('code', '11111111-2222-3333-4444-555555555555', { secureToken: null }),
    ];
    s.errors.push(exitOne('alice'));
  });
  assert.deepEqual(outcomes, [
    [
      'unknown',
      'alice',
      'whether alice has a SecureToken is unknown (agent reported sysadminctl (user alice): "exit code 1: (no output)")',
    ],
    ['unknown', 'exit', 'whether exit has a SecureToken is unknown'],
    ['unknown', 'code', 'whether code has a SecureToken is unknown'],
  ]);
});

test("a user's errors are the ones whose `user` is that user, whatever the message says", () => {
  const s = compliantSnapshot();
  s.errors.push(exitOne('alice'), {
    probe: 'sysadminctl',
    kind: 'tool_error',
    user: 'bob',
    message: 'sysadminctl: Unknown user alice',
  });
  assert.deepEqual(
    errorsAbout(s, 'sysadminctl', 'alice').map((e) => e.user),
    ['alice'],
  );
  assert.deepEqual(errorsAbout(s, 'dscl_user', 'alice'), []);
});

test('an error belongs to the probe it names in `probe`, not to one its message mentions', () => {
  const s = compliantSnapshot();
  const consoleError: CollectionError = {
    probe: 'console_user',
    kind: 'unrecognised_output',
    message: 'stdout line 1 unrecognised: fdesetup_status dscl_users sysadminctl',
  };
  s.errors.push(consoleError);
  assert.deepEqual(errorsOf(s, ['console_user']), [consoleError]);
  assert.deepEqual(errorsOf(s, ['fdesetup_status', 'dscl_users', 'sysadminctl']), []);
});

test('console_user errors leave no rule unknown (no rule reads consoleUser) and are not quoted as a reason', () => {
  const withUnexplainedUnknown = (extra: CollectionError[]) => {
    const s = compliantSnapshot();
    s.consoleUser = null;
    // A null the agent did not explain: the rule is unknown, with no error to quote.
    s.mdm.enrolled = null;
    s.errors.push(...extra);
    return evaluateDevice({ snapshot: s, lastSeen: s.collectedAt }, NOW, CONFIG);
  };
  const consoleError: CollectionError = { probe: 'console_user', kind: 'exit', message: 'exit code 1' };
  const without = withUnexplainedUnknown([]);
  const withError = withUnexplainedUnknown([consoleError]);
  // Every rule but collection-incomplete answers exactly as without the error.
  const others = (o: typeof without) => o.filter((x) => x.rule !== 'collection-incomplete');
  assert.deepEqual(others(withError), others(without));
  assert.ok(others(withError).some((o) => o.rule === 'mdm-not-enrolled' && o.result === 'unknown'));
  assert.ok(!others(withError).some((o) => o.reason.includes('console_user')));
  assert.deepEqual(
    withError.find((o) => o.rule === 'collection-incomplete'),
    {
      rule: 'collection-incomplete',
      user: null,
      result: 'pass',
      reason: 'the agent reported errors from console_user, but no rule was left unknown by them',
    },
  );
});

test('a list is incomplete after any error of its probe except an unrelated line beside a list read in full', () => {
  const s = compliantSnapshot();
  const noise: CollectionError = {
    probe: 'dscl_users',
    kind: 'unrecognised_output',
    unrelated: true,
    message: 'stderr line 1 unrecognised: objc[14061]: Class SSPurchase is implemented in both ...',
  };
  const partial: CollectionError = {
    probe: 'dscl_users',
    kind: 'unrecognised_output',
    message: 'stdout line 4 unrecognised: %%%',
  };
  s.errors.push(noise);
  assert.deepEqual(listErrors(s, 'dscl_users'), []);
  s.errors.push(partial);
  assert.deepEqual(listErrors(s, 'dscl_users'), [partial]);
});
