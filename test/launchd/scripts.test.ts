// The shell scripts in launchd/: executable in git (a tarball or pkg keeps the mode it is given),
// bash with `set -euo pipefail`; those that run as root on a Mac carry no test hook (they set their
// own PATH and read no environment variable); and the functions several scripts carry (they must
// each stand alone: install.sh is pasted into Jamf, the pkg scripts run from Installer's sandbox)
// are the same text everywhere. ShellCheck reads them in the system suite (scripts.system.test.ts).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LAUNCHD_DIR } from './scratch-mac.ts';
import { SCRIPTS, capture } from './script-files.ts';

/** What runs as root on Macs (build-pkg.sh runs on a packager's Mac, as that user). */
const ROOT_SCRIPTS = ['install.sh', 'uninstall.sh', 'pkg/scripts/preinstall', 'pkg/scripts/postinstall'];

/** Which function each script must carry, so a copy cannot silently go missing. */
const SHARED: Record<string, string[]> = {
  unload_agent: ['install.sh', 'uninstall.sh', 'pkg/scripts/preinstall'],
  load_agent: ['install.sh', 'pkg/scripts/postinstall'],
  cpu_name: ['install.sh', 'pkg/build-pkg.sh'],
  macho_archs: ['install.sh', 'pkg/build-pkg.sh'],
};

const read = (script: string) => readFile(join(LAUNCHD_DIR, script), 'utf8');

/** The functions of a script: name -> its text from `name() {` to the closing `}` at column 0. */
function functions(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^([a-z_]+)\(\) \{\n[\s\S]*?^\}$/gm)].map((m) => [m[1] ?? '', m[0]]));
}

/** Variable names a script reads, and names it assigns (plain, `local`, `for`). */
function variables(text: string): { read: Set<string>; assigned: Set<string> } {
  const code = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n');
  const read = new Set([...code.matchAll(/\$\{?#?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? ''));
  const assigned = new Set<string>();
  for (const m of code.matchAll(/(?:^|[\s;({])([A-Za-z_][A-Za-z0-9_]*)=/g)) assigned.add(m[1] ?? '');
  for (const m of code.matchAll(/\blocal ([^\n;]+)/g))
    for (const word of (m[1] ?? '').split(/\s+/)) assigned.add(word.split('=')[0] ?? '');
  for (const m of code.matchAll(/\bfor \(?\(?([A-Za-z_][A-Za-z0-9_]*)/g)) assigned.add(m[1] ?? '');
  return { read, assigned };
}

for (const script of SCRIPTS) {
  test(`${script}: bash, strict mode, executable in git`, async () => {
    const text = await read(script);
    assert.ok(text.startsWith('#!/bin/bash\n'), 'a #!/bin/bash shebang (macOS ships /bin/bash)');
    assert.match(text, /^set -euo pipefail$/m);
    const staged = await capture('git', ['ls-files', '--stage', '--', script], LAUNCHD_DIR);
    assert.equal(staged.code, 0, staged.stderr);
    assert.match(staged.stdout, /^100755 /, `${script} is committed with mode 100755`);
  });
}

for (const script of ROOT_SCRIPTS) {
  test(`${script}: no test hook: it sets its own PATH of Apple's directories and reads no environment variable`, async () => {
    const text = await read(script);
    assert.match(text, /^PATH=\/usr\/bin:\/bin:\/usr\/sbin:\/sbin\nexport PATH$/m);
    const { read: names, assigned } = variables(text);
    const fromEnvironment = [...names].filter((name) => !assigned.has(name)).sort();
    assert.deepEqual(
      fromEnvironment,
      [],
      `${script} reads ${fromEnvironment.join(', ')} from its environment`,
    );
    assert.doesNotMatch(text, /TOKENWATCH_ROOT|LAUNCHCTL=|CHOWN=|XATTR=|PKGUTIL=/);
  });
}

test('the variable reader sees what a test hook looks like', () => {
  const { read: names, assigned } = variables(
    'ROOT="${TOKENWATCH_ROOT:-}"\nLAUNCHCTL="${LAUNCHCTL:-/bin/launchctl}"\n"$LAUNCHCTL" bootout\n',
  );
  assert.deepEqual(
    [...names].filter((name) => !assigned.has(name)),
    ['TOKENWATCH_ROOT'],
  );
  const ok = variables('f() {\n  local out rc=0\n  for ((i = 0; i < 2; i++)); do out=$rc$i; done\n}\n');
  assert.deepEqual(
    [...ok.read].filter((name) => !ok.assigned.has(name)),
    [],
  );
});

test('functions several scripts carry are the same text in each', async () => {
  const texts = new Map(
    await Promise.all(SCRIPTS.map(async (script) => [script, functions(await read(script))] as const)),
  );
  for (const [name, carriers] of Object.entries(SHARED)) {
    const copies = carriers.map((script) => texts.get(script)?.get(name));
    for (const [i, copy] of copies.entries()) assert.ok(copy, `${carriers[i]} defines ${name}`);
    for (const copy of copies)
      assert.equal(copy, copies[0], `${name} differs between ${carriers.join(', ')}`);
  }
});
