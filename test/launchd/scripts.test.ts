// The shell scripts in launchd/: executable in git (a tarball or pkg keeps the mode it is given),
// bash with `set -euo pipefail`, and clean under ShellCheck (Debian package shellcheck).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LAUNCHD_DIR } from './scratch-mac.ts';

const SCRIPTS = [
  'install.sh',
  'uninstall.sh',
  'pkg/build-pkg.sh',
  'pkg/scripts/preinstall',
  'pkg/scripts/postinstall',
];
const INSTALL_SHELLCHECK = 'shellcheck (Debian package shellcheck) is required: apt-get install shellcheck';

function capture(
  file: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(file === 'shellcheck' ? INSTALL_SHELLCHECK : `${file} not found`));
        return;
      }
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

for (const script of SCRIPTS) {
  test(`${script}: bash, strict mode, executable in git`, async () => {
    const text = await readFile(join(LAUNCHD_DIR, script), 'utf8');
    assert.ok(text.startsWith('#!/bin/bash\n'), 'a #!/bin/bash shebang (macOS ships /bin/bash)');
    assert.match(text, /^set -euo pipefail$/m);
    const staged = await capture('git', ['ls-files', '--stage', '--', script], LAUNCHD_DIR);
    assert.equal(staged.code, 0, staged.stderr);
    assert.match(staged.stdout, /^100755 /, `${script} is committed with mode 100755`);
  });
}

test('ShellCheck finds nothing in the launchd scripts', async () => {
  const result = await capture('shellcheck', ['--shell=bash', '--severity=style', ...SCRIPTS], LAUNCHD_DIR);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});
