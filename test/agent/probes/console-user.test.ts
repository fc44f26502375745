// No real capture of `stat -f %Su /dev/console` is in the corpus: these inputs are SYNTHETIC (the
// format is a bare user name, stat(1)'s %Su).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConsoleUser } from '../../../agent/probes/console-user.ts';
import { E, out } from './samples.ts';

test('console user: SYNTHETIC a logged-in user', () => {
  assert.deepEqual(parseConsoleUser(out('alice\n')), { value: { user: 'alice' }, errors: [] });
});

for (const nobody of ['root', '_mbsetupuser', 'loginwindow']) {
  test(`console user: SYNTHETIC ${nobody} means nobody logged in (null, no error)`, () => {
    assert.deepEqual(parseConsoleUser(out(`${nobody}\n`)), { value: { user: null }, errors: [] });
  });
}

test('console user: SYNTHETIC failures: stat error, empty, extra lines', () => {
  assert.deepEqual(parseConsoleUser(out('', 'stat: /dev/console: stat: No such file or directory\n', 1)), {
    value: null,
    errors: [
      E.unrecognised('stderr line 1 unrecognised: stat: /dev/console: stat: No such file or directory'),
      E.exit('exit code 1'),
    ],
  });
  assert.deepEqual(parseConsoleUser(out('')), { value: null, errors: [E.missing('no output')] });
  assert.deepEqual(parseConsoleUser(out('alice\nbob\n')), {
    value: null,
    errors: [E.unrecognised('stdout line 2 unrecognised: bob')],
  });
});
