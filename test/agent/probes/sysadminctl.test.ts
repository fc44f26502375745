import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSecureTokenStatus } from '../../../agent/probes/sysadminctl.ts';
import { E, assertCoversFolder, out, sample } from './samples.ts';

const F = 'sysadminctl';
const REAL = {
  'disabled-ec2-user-2021-bigsur.txt': { enabled: false, echoedName: 'ec2-user' },
  'disabled-realname-with-spaces-tahoe-26.6.txt': { enabled: false, echoedName: 'Tuist Runner Operator' },
  'enabled-createdviacli-10.13.txt': { enabled: true, echoedName: 'createdviacli' },
  'enabled-ec2-user-2021-bigsur.txt': { enabled: true, echoedName: 'ec2-user' },
  'enabled-ernw-tahoe-26.txt': { enabled: true, echoedName: 'ernw' },
};

test('sysadminctl: every real sample is tested', () => assertCoversFolder(F, Object.keys(REAL)));

for (const [file, expected] of Object.entries(REAL)) {
  test(`sysadminctl: real ${file} on stderr (where sysadminctl writes)`, () => {
    assert.deepEqual(parseSecureTokenStatus(sample(F, file, { stream: 'stderr' })), {
      value: expected,
      errors: [],
    });
  });
  test(`sysadminctl: real ${file} found on stdout too (both streams searched)`, () => {
    assert.deepEqual(parseSecureTokenStatus(sample(F, file)), { value: expected, errors: [] });
  });
}

test('sysadminctl: "Unknown user" is an error, never DISABLED (line shape as documented for 26.6; sample kept back)', () => {
  const r = parseSecureTokenStatus(
    out('', '2026-09-23 09:41:41.003 sysadminctl[1291:12530] Unknown user nosuchuser\n', 0),
  );
  assert.deepEqual(r, { value: null, errors: [E.tool('sysadminctl: Unknown user nosuchuser')] });
});

test('sysadminctl: "### Error:" preamble ignored when a status line follows, an error when none does', () => {
  const pre =
    '2017-12-01 10:00:00.000 sysadminctl[1:2] ### Error:-14090 File:/BuildRoot/Library/DSAuthenticator.m Line:94\n';
  const status = '2017-12-01 10:00:00.100 sysadminctl[1:2] Secure token is ENABLED for user Admin\n';
  assert.deepEqual(parseSecureTokenStatus(out('', pre + status)), {
    value: { enabled: true, echoedName: 'Admin' },
    errors: [],
  });
  const alone = parseSecureTokenStatus(out('', pre));
  assert.equal(alone.value, null);
  assert.equal(alone.errors[0]?.kind, 'tool_error');
  assert.match(
    alone.errors[0]?.message ?? '',
    /^error without a status line: stderr line 1: ### Error:-14090/,
  );
});

test('sysadminctl: garbage, empty output, conflicting lines, non-zero exit', () => {
  assert.deepEqual(parseSecureTokenStatus(out('', 'Secure token is ON for user x\n')), {
    value: null,
    errors: [E.unrecognised('stderr line 1 unrecognised: Secure token is ON for user x')],
  });
  assert.deepEqual(parseSecureTokenStatus(out('', '')), {
    value: null,
    errors: [E.missing('no "Secure token is ..." line')],
  });
  const both = 'Secure token is ENABLED for user a\nSecure token is DISABLED for user a\n';
  assert.deepEqual(parseSecureTokenStatus(out('', both)), {
    value: null,
    errors: [E.conflict('conflicting "Secure token is ..." lines')],
  });
  const failed = parseSecureTokenStatus(out('', 'Secure token is ENABLED for user a\n', 70));
  assert.deepEqual(failed.errors, [E.exit('exit code 70: Secure token is ENABLED for user a')]);
});

test('sysadminctl: an unrecognised NSLog line reads the same on every run (no time stamp or pid in the error)', () => {
  const a = parseSecureTokenStatus(
    out('', '2026-09-23 09:41:41.003 sysadminctl[1291:12530] Something new\n', 0),
  );
  const b = parseSecureTokenStatus(out('', '2026-09-24 10:00:00.000 sysadminctl[999:1] Something new\n', 0));
  assert.deepEqual(a.errors, b.errors);
  assert.match(a.errors.map((e) => e.message).join('\n'), /unrecognised: Something new/);
});

test('sysadminctl: a non-zero exit reads the same on every run too; its first line is not repeated', () => {
  const a = parseSecureTokenStatus(
    out('', '2026-09-23 09:41:41.003 sysadminctl[1291:12530] Something new\n', 1),
  );
  const b = parseSecureTokenStatus(out('', '2026-09-24 10:00:00.000 sysadminctl[999:1] Something new\n', 1));
  assert.deepEqual(a.errors, [
    E.unrecognised('stderr line 1 unrecognised: Something new'),
    E.exit('exit code 1'),
  ]);
  assert.deepEqual(a.errors, b.errors);
  const failed = parseSecureTokenStatus(
    out('', '2026-09-23 09:41:41.003 sysadminctl[1291:12530] Secure token is ENABLED for user a\n', 70),
  );
  assert.deepEqual(failed.errors, [E.exit('exit code 70: Secure token is ENABLED for user a')]);
});
