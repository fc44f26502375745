// launchd/pkg/: the .pkg's preinstall and postinstall run as shipped on a scratch Mac (what Installer
// does: preinstall, payload, postinstall), the distribution productbuild reads, and build-pkg.sh,
// which refuses anywhere but macOS, run with fake macOS tools (uname, pkgbuild, productbuild,
// productsign first on PATH) to check the payload, scripts and distribution it hands them.
import assert from 'node:assert/strict';
import { copyFile, lstat, mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  EXE,
  LABEL,
  LAUNCHD_DIR,
  LOG_DIR,
  POSTINSTALL,
  PREINSTALL,
  UNINSTALLER,
  type RunResult,
  type ScratchMac,
  addPkgScripts,
  cannotRunScripts,
  fakeMachO,
  fakeUniversal,
  layPayload,
  modeOf,
  scratchMacs,
} from './scratch-mac.ts';
import { BOOTOUT, BOOTSTRAP, ENABLE, PRINT, launchctlCalls } from './launchd-calls.ts';

const PKG_DIR = join(LAUNCHD_DIR, 'pkg');
const BUILD_PKG = join(PKG_DIR, 'build-pkg.sh');
const DISTRIBUTION = join(PKG_DIR, 'distribution.xml');

const fresh = scratchMacs();
// Installer's arguments: $1 package path, $2 install location, $3 target volume.
const installerArgs = (volume: string) => ['/Users/Shared/tokenwatch-agent.pkg', '/', volume];

async function pkgMac(): Promise<ScratchMac> {
  const mac = await fresh();
  await addPkgScripts(mac);
  return mac;
}

describe('pkg scripts', { skip: cannotRunScripts }, () => {
  test('preinstall unloads a loaded agent and waits for it to go; a first install (not loaded) is fine', async () => {
    const mac = await pkgMac();
    const first = await mac.run(PREINSTALL, installerArgs('/'));
    assert.equal(first.code, 0, first.stderr);
    await mac.markLoaded();
    const upgrade = await mac.run(PREINSTALL, installerArgs('/'));
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.equal(await mac.isLoaded(), false);
    assert.deepEqual(await launchctlCalls(mac), [BOOTOUT, BOOTOUT, PRINT]);
  });

  test('preinstall onto another volume leaves launchd alone', async () => {
    const mac = await pkgMac();
    const result = await mac.run(PREINSTALL, installerArgs('/Volumes/Other'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await mac.calls(), []);
  });

  test('postinstall links the executable, creates the logs and loads the daemon', async () => {
    const mac = await pkgMac();
    await layPayload(mac);
    const result = await mac.run(POSTINSTALL, installerArgs('/'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readlink(mac.path('/usr/local/bin/tokenwatch-agent')), EXE);
    assert.equal(await modeOf(mac.path('/usr/local/bin')), 0o755);
    assert.equal(await mac.ownerOf(mac.path('/usr/local/bin')), 'root:wheel');
    assert.equal(await mac.ownerOf(mac.path(LOG_DIR)), 'root:admin');
    for (const name of ['agent.log', 'launchd.log']) {
      assert.equal(await modeOf(mac.path(`${LOG_DIR}/${name}`)), 0o640, name);
      assert.equal(await mac.ownerOf(mac.path(`${LOG_DIR}/${name}`)), 'root:admin', name);
    }
    assert.deepEqual(await launchctlCalls(mac), [ENABLE, BOOTSTRAP]);
    assert.equal(await mac.isLoaded(), true);
  });

  test('an upgrade (preinstall, payload, postinstall, twice) reloads the daemon each time', async () => {
    const mac = await pkgMac();
    for (let round = 0; round < 2; round += 1) {
      const pre = await mac.run(PREINSTALL, installerArgs('/'));
      assert.equal(pre.code, 0, pre.stderr);
      await layPayload(mac);
      const post = await mac.run(POSTINSTALL, installerArgs('/'));
      assert.equal(post.code, 0, post.stderr);
    }
    assert.deepEqual(await launchctlCalls(mac), [
      BOOTOUT,
      ENABLE,
      BOOTSTRAP,
      BOOTOUT,
      PRINT,
      ENABLE,
      BOOTSTRAP,
    ]);
    assert.equal(await mac.isLoaded(), true);
  });

  test('the uninstaller the payload carries removes the package and forgets its receipt', async () => {
    const mac = await pkgMac();
    await layPayload(mac);
    assert.equal((await mac.run(POSTINSTALL, installerArgs('/'))).code, 0);
    await mac.markReceipt();
    const result = await mac.run(UNINSTALLER, []);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await mac.hasReceipt(), false);
    await assert.rejects(lstat(mac.path('/usr/local/tokenwatch')), { code: 'ENOENT' });
  });

  test('postinstall onto another volume prepares its files there and loads nothing', async () => {
    const mac = await pkgMac();
    await mkdir(mac.path('/Volumes/Other'), { recursive: true });
    await layPayload(mac, '/Volumes/Other');
    const result = await mac.run(POSTINSTALL, installerArgs('/Volumes/Other/'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readlink(mac.path('/Volumes/Other/usr/local/bin/tokenwatch-agent')), EXE);
    assert.ok((await stat(mac.path(`/Volumes/Other${LOG_DIR}/agent.log`))).isFile());
    assert.deepEqual(await launchctlCalls(mac), []);
    await assert.rejects(lstat(mac.path('/usr/local/bin/tokenwatch-agent')), { code: 'ENOENT' });
  });
});

/** Opening and closing tags balance (comments and the XML declaration aside): a well-formedness
 * check of the structure, which the assertions on each element then read. */
function assertBalanced(xml: string): void {
  const stack: string[] = [];
  const body = xml.replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  for (const [, closing, name, selfClosing] of body.matchAll(/<(\/?)([A-Za-z][\w-]*)[^>]*?(\/?)>/g)) {
    if (selfClosing === '/') continue;
    if (closing === '/') assert.equal(stack.pop(), name, `</${name}> closes what was opened`);
    else stack.push(name ?? '');
  }
  assert.deepEqual(stack, [], 'every element is closed');
}

describe('pkg/distribution.xml', () => {
  test('declares the title, both host architectures, macOS 11.0 or later, and the component package', async () => {
    const xml = await readFile(DISTRIBUTION, 'utf8');
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n'));
    assertBalanced(xml);
    assert.match(xml, /^<installer-gui-script minSpecVersion="2">$/m);
    assert.match(xml, /<title>tokenwatch agent<\/title>/);
    assert.match(
      xml,
      /<options customize="never" require-scripts="false" hostArchitectures="arm64,x86_64"\/>/,
    );
    assert.match(
      xml,
      /<volume-check>\s*<allowed-os-versions>\s*<os-version min="11\.0"\/>\s*<\/allowed-os-versions>\s*<\/volume-check>/,
    );
    const refs = [...xml.matchAll(/<pkg-ref id="([^"]+)"([^>]*)>([^<]*)<\/pkg-ref>/g)];
    assert.equal(refs.length, 1, 'one component package');
    const [, id, attributes, file] = refs[0] ?? [];
    assert.equal(id, LABEL);
    assert.match(attributes ?? '', /version="@VERSION@"/);
    const script = await readFile(BUILD_PKG, 'utf8');
    assert.match(
      script,
      new RegExp(`^COMPONENT=${(file ?? '').replace(/\./g, '\\.')}$`, 'm'),
      'build-pkg.sh writes the file it names',
    );
    assert.match(
      xml,
      new RegExp(`<choice id="${LABEL}" visible="false">\\s*<pkg-ref id="${LABEL}"/>\\s*</choice>`),
    );
  });
});

/** Run a host script directly (its shebang), without a shell. */
function run(file: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Fake macOS packaging tools: each checks its arguments and records what it was given. */
async function fakeMacTools(mac: ScratchMac): Promise<string> {
  const bin = join(mac.base, 'macos-bin');
  await mkdir(bin);
  const record = `printf '%s\\n' "$(basename "$0") $*" >>'${mac.state}/pkg-calls.log'`;
  const tools: Record<string, string> = {
    uname: `[ "$*" = -s ] || { echo "fake uname: only -s" >&2; exit 64; }\necho Darwin`,
    pkgbuild: `${record}
[ $# -eq 13 ] && [ "$1" = --root ] && [ "$3" = --scripts ] && [ "$5" = --identifier ] && [ "$7" = --version ] \\
  && [ "$9" = --install-location ] && [ "\${10}" = / ] && [ "\${11}" = --ownership ] && [ "\${12}" = recommended ] \\
  || { echo "fake pkgbuild: unexpected arguments: $*" >&2; exit 64; }
(cd "$2" && find . -mindepth 1 -printf '%y %m %p\\n' | sort -k3) >'${mac.state}/payload.txt'
(cd "$4" && find . -mindepth 1 -printf '%y %m %p\\n' | sort -k3) >'${mac.state}/scripts.txt'
cp "$4/postinstall" '${mac.state}/postinstall.copy'
cp "$2/usr/local/tokenwatch/bin/tokenwatch-agent" '${mac.state}/exe.copy'
cp "$2/usr/local/tokenwatch/bin/uninstall.sh" '${mac.state}/uninstall.copy'
echo "component $6 $8" >"\${13}"`,
    productbuild: `${record}
[ $# -eq 5 ] && [ "$1" = --distribution ] && [ -f "$2" ] && [ "$3" = --package-path ] && [ -d "$4" ] \\
  || { echo "fake productbuild: unexpected arguments: $*" >&2; exit 64; }
cp "$2" '${mac.state}/distribution.copy'
ref=$(sed -n 's:.*<pkg-ref id="[^"]*"[^>]*>\\([^<]*\\)</pkg-ref>.*:\\1:p' "$2")
[ -f "$4/$ref" ] || { echo "productbuild: $ref not found in $4" >&2; exit 1; }
{ echo product; cat "$4/$ref"; } >"$5"`,
    productsign: `${record}
[ $# -eq 5 ] && [ "$1" = --sign ] && [ "$3" = --timestamp ] && [ -f "$4" ] || { echo "fake productsign: unexpected arguments: $*" >&2; exit 64; }
{ echo "signed by $2"; cat "$4"; } >"$5"`,
  };
  for (const [name, body] of Object.entries(tools)) {
    await writeFile(join(bin, name), `#!/bin/bash\nset -u\n${body}\n`, { mode: 0o755 });
  }
  return bin;
}

/** The universal tarball's layout: pkg/ beside the executable, the plist, newsyslog.d/ and uninstall.sh. */
async function releaseWithPkg(mac: ScratchMac, executable: Buffer = fakeUniversal()): Promise<string> {
  await mkdir(join(mac.release, 'pkg', 'scripts'), { recursive: true });
  for (const rel of ['build-pkg.sh', 'distribution.xml', 'scripts/preinstall', 'scripts/postinstall']) {
    await copyFile(join(PKG_DIR, rel), join(mac.release, 'pkg', rel));
  }
  await writeFile(join(mac.release, 'tokenwatch-agent'), executable);
  return join(mac.release, 'pkg', 'build-pkg.sh');
}

describe('build-pkg.sh', () => {
  test(
    'refuses plainly on anything but macOS',
    { skip: process.platform === 'darwin' ? 'this is macOS' : false },
    async () => {
      const result = await run(BUILD_PKG, ['--version', '1.0.0'], { PATH: '/usr/bin:/bin' });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^build-pkg\.sh: needs macOS \(pkgbuild, productbuild, productsign\); this is Linux\./,
      );
    },
  );

  test('stages the payload with its install modes, adds the scripts and the distribution with the version, and builds an unsigned product', async () => {
    const mac = await fresh();
    const bin = await fakeMacTools(mac);
    const script = await releaseWithPkg(mac);
    const out = join(mac.base, 'tokenwatch.pkg');
    const env = { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: mac.base };
    const result = await run(script, ['--version', '1.2.3', '--out', out], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /wrote .*tokenwatch\.pkg \(x86_64 arm64\), UNSIGNED/);
    assert.match(
      result.stdout,
      /not notarized: notarization needs the executable signed with Developer ID first/,
    );
    assert.doesNotMatch(result.stdout + result.stderr, /notarytool|stapler/, 'claims no notarization step');
    assert.equal(await readFile(out, 'utf8'), `product\ncomponent ${LABEL} 1.2.3\n`);
    assert.deepEqual((await readFile(join(mac.state, 'payload.txt'), 'utf8')).trim().split('\n'), [
      'd 755 ./Library',
      'd 755 ./Library/LaunchDaemons',
      `f 644 ./Library/LaunchDaemons/${LABEL}.plist`,
      'd 755 ./private',
      'd 755 ./private/etc',
      'd 755 ./private/etc/newsyslog.d',
      `f 644 ./private/etc/newsyslog.d/${LABEL}.conf`,
      'd 755 ./usr',
      'd 755 ./usr/local',
      'd 755 ./usr/local/tokenwatch',
      'd 755 ./usr/local/tokenwatch/bin',
      'f 755 ./usr/local/tokenwatch/bin/tokenwatch-agent',
      'f 755 ./usr/local/tokenwatch/bin/uninstall.sh',
    ]);
    assert.deepEqual((await readFile(join(mac.state, 'scripts.txt'), 'utf8')).trim().split('\n'), [
      'f 755 ./postinstall',
      'f 755 ./preinstall',
    ]);
    assert.deepEqual(
      await readFile(join(mac.state, 'postinstall.copy')),
      await readFile(join(PKG_DIR, 'scripts', 'postinstall')),
    );
    assert.deepEqual(await readFile(join(mac.state, 'exe.copy')), fakeUniversal());
    assert.deepEqual(
      await readFile(join(mac.state, 'uninstall.copy')),
      await readFile(join(LAUNCHD_DIR, 'uninstall.sh')),
    );
    const distribution = await readFile(join(mac.state, 'distribution.copy'), 'utf8');
    assert.equal(distribution, (await readFile(DISTRIBUTION, 'utf8')).replaceAll('@VERSION@', '1.2.3'));
    assert.ok(!distribution.includes('@VERSION@'));
    // the work directory is removed
    assert.deepEqual(
      (await readdir(mac.base)).filter((name) => name.startsWith('tokenwatch-pkg.')),
      [],
    );
  });

  test('signs the product with productsign when TOKENWATCH_PKG_SIGNING_IDENTITY is set', async () => {
    const mac = await fresh();
    const bin = await fakeMacTools(mac);
    const script = await releaseWithPkg(mac);
    const out = join(mac.base, 'signed.pkg');
    const identity = 'Developer ID Installer: Example Org (ABCDE12345)';
    const env = { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: mac.base, TOKENWATCH_PKG_SIGNING_IDENTITY: identity };
    const result = await run(script, ['--version', '1.2.3', '--out', out], env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(out, 'utf8'), `signed by ${identity}\nproduct\ncomponent ${LABEL} 1.2.3\n`);
    const calls = (await readFile(join(mac.state, 'pkg-calls.log'), 'utf8')).trim().split('\n');
    assert.deepEqual(
      calls.map((call) => call.split(' ')[0]),
      ['pkgbuild', 'productbuild', 'productsign'],
    );
  });

  for (const [what, executable] of [
    ['an arm64-only executable', fakeMachO('arm64')],
    ['an x86_64-only executable', fakeMachO('x86_64')],
    ['a universal file without x86_64', fakeUniversal(['arm64'])],
  ] as const) {
    test(`refuses ${what}: the one package is for every Mac`, async () => {
      const mac = await fresh();
      const bin = await fakeMacTools(mac);
      const script = await releaseWithPkg(mac, executable);
      const result = await run(script, ['--version', '1.2.3'], {
        PATH: `${bin}:/usr/bin:/bin`,
        TMPDIR: mac.base,
      });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /needs the universal executable \(arm64 and x86_64\): use tokenwatch-agent-<version>-darwin-universal/,
      );
      await assert.rejects(
        stat(join(mac.state, 'pkg-calls.log')),
        { code: 'ENOENT' },
        'no packaging tool ran',
      );
    });
  }

  test('requires --version, and refuses one that is not a plain version', async () => {
    const mac = await fresh();
    const bin = await fakeMacTools(mac);
    const script = await releaseWithPkg(mac);
    const env = { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: mac.base };
    const none = await run(script, [], env);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /--version is required/);
    const odd = await run(script, ['--version', '1.0; rm -rf /'], env);
    assert.equal(odd.code, 1);
    assert.match(odd.stderr, /--version may hold only letters, digits, dots and dashes/);
  });
});
