// The shell scripts in launchd/: executable in git (a tarball or pkg keeps the mode it is given) and bash
// with `set -euo pipefail`. ShellCheck reads them in the system suite (scripts.system.test.ts).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LAUNCHD_DIR } from './scratch-mac.ts';
import { SCRIPTS, capture } from './script-files.ts';

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
