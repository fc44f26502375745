import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noVolumeOwner as rule } from '../../../collector/rules/no-volume-owner.ts';
import { ALICE_GUID, BOB_GUID, crypto, outcomesOf } from './compliant-snapshot.ts';

test('pass: Apple silicon with local volume owners', () => {
  assert.deepEqual(outcomesOf(rule), [['pass', null, 'volume owned by alice and bob']]);
});

test('pass: the crypto user (matched by GeneratedUID, any case) says Volume Owner: Yes', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      for (const u of s.users) u.volumeOwner = null;
      s.cryptoUsers = [crypto(ALICE_GUID.toLowerCase(), 'Local Open Directory User', 'local_user', true)];
    }),
    [['pass', null, 'volume owned by alice']],
  );
});

test('fail: Apple silicon, no local user is a volume owner (an unmatched crypto user does not count)', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      for (const u of s.users) u.volumeOwner = false;
      s.cryptoUsers = [
        crypto(ALICE_GUID, 'Local Open Directory User', 'local_user', false),
        crypto(BOB_GUID, 'Local Open Directory User', 'local_user', false),
        crypto('FFFFEEEE-DDDD-CCCC-BBBB-AAAA000000C9', 'Local Open Directory User', 'local_user', true),
      ];
    }),
    [['fail', null, 'none of alice and bob is a volume owner']],
  );
});

test('not_applicable: Intel', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.device.appleSilicon = false;
      for (const u of s.users) u.volumeOwner = null;
      s.notApplicable.push('users.volumeOwner', 'cryptoUsers.volumeOwner');
    }),
    [['not_applicable', null, 'an Intel Mac has no volume owners']],
  );
});

test('unknown: architecture unknown', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      s.device.appleSilicon = null;
      s.errors.push({
        probe: 'system_profiler',
        kind: 'unrecognised_output',
        message: 'stdout is not valid JSON: Unexpected end of JSON input',
      });
    }),
    [
      [
        'unknown',
        null,
        'whether the Mac has Apple silicon is unknown (agent reported system_profiler: "stdout is not valid JSON: Unexpected end of JSON input")',
      ],
    ],
  );
});

test('unknown: diskutil failed and no owner is known', () => {
  assert.deepEqual(
    outcomesOf(rule, (s) => {
      for (const u of s.users) u.volumeOwner = null;
      s.cryptoUsers = [];
      s.errors.push({ probe: 'diskutil_cryptousers', kind: 'exit', message: 'exit code 1' });
    }),
    [
      [
        'unknown',
        null,
        'no local user is known to be a volume owner, and it is unknown for alice and bob (agent reported diskutil_cryptousers: "exit code 1")',
      ],
    ],
  );
});
