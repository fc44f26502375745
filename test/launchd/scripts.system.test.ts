// System suite: ShellCheck (Debian package shellcheck) over every script in launchd/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAUNCHD_DIR } from './scratch-mac.ts';
import { INSTALL_SHELLCHECK, SCRIPTS, capture } from './script-files.ts';

test('ShellCheck finds nothing in the launchd scripts', async () => {
  const result = await capture(
    'shellcheck',
    ['--shell=bash', '--severity=style', ...SCRIPTS],
    LAUNCHD_DIR,
    INSTALL_SHELLCHECK,
  );
  assert.equal(result.code, 0, result.stdout + result.stderr);
});
