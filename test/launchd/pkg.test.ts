// launchd/pkg/: the .pkg's preinstall and postinstall run against a scratch root with the fake
// launchctl and chown, and build-pkg.sh, which refuses anywhere but macOS, run with fake macOS tools
// (uname, pkgbuild, productbuild, productsign first on PATH) to check the payload it stages.
import assert from 'node:assert/strict';
import { copyFile, lstat, mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  EXE,
  LABEL,
  LAUNCHD_DIR,
  LOG_DIR,
  PLIST,
  type ScratchMac,
  fakeMachO,
  modeOf,
  run,
  scratchMacs,
} from './scratch-mac.ts';

const PKG_DIR = join(LAUNCHD_DIR, 'pkg');
const PREINSTALL = join(PKG_DIR, 'scripts', 'preinstall');
const POSTINSTALL = join(PKG_DIR, 'scripts', 'postinstall');
const BUILD_PKG = join(PKG_DIR, 'build-pkg.sh');

const fresh = scratchMacs();

/** What Installer leaves before postinstall runs: the payload, owned root:wheel. */
async function layPayload(mac: ScratchMac): Promise<void> {
  const files: [string, Buffer, number][] = [
    [EXE, fakeMachO(), 0o755],
    [PLIST, await readFile(join(LAUNCHD_DIR, `${LABEL}.plist`)), 0o644],
  ];
  for (const [path, body, mode] of files) {
    await mkdir(join(mac.root, path, '..'), { recursive: true });
    await writeFile(join(mac.root, path), body, { mode });
    const chown = await run(mac.env.CHOWN ?? '', ['root:wheel', join(mac.root, path)], mac.env);
    assert.equal(chown.code, 0, chown.stderr);
  }
}

// Installer's arguments: $1 package path, $2 install location, $3 target volume.
const installerArgs = (volume: string) => ['/tmp/tokenwatch-agent.pkg', '/', volume];

async function launchctlCalls(mac: ScratchMac): Promise<string[][]> {
  return (await mac.calls()).filter((call) => call[0] === 'launchctl').map((call) => call.slice(1));
}

describe('pkg scripts', () => {
  test('preinstall unloads a loaded agent, and a first install (not loaded) is fine', async () => {
    const mac = await fresh();
    const first = await run(PREINSTALL, installerArgs('/'), mac.env);
    assert.equal(first.code, 0, first.stderr);
    await mac.markLoaded();
    const upgrade = await run(PREINSTALL, installerArgs('/'), mac.env);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.equal(await mac.isLoaded(), false);
    assert.deepEqual(await launchctlCalls(mac), [
      ['bootout', `system/${LABEL}`],
      ['bootout', `system/${LABEL}`],
    ]);
  });

  test('preinstall onto another volume leaves launchd alone', async () => {
    const mac = await fresh();
    const result = await run(PREINSTALL, installerArgs('/Volumes/Other'), mac.env);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await mac.calls(), []);
  });

  test('postinstall links the executable, creates the logs and loads the daemon', async () => {
    const mac = await fresh();
    await layPayload(mac);
    const result = await run(POSTINSTALL, installerArgs('/'), mac.env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readlink(join(mac.root, '/usr/local/bin/tokenwatch-agent')), EXE);
    assert.equal(await modeOf(join(mac.root, '/usr/local/bin')), 0o755);
    assert.equal(await mac.ownerOf(join(mac.root, LOG_DIR)), 'root:admin');
    for (const name of ['agent.log', 'launchd.log']) {
      assert.equal(await modeOf(join(mac.root, LOG_DIR, name)), 0o640, name);
      assert.equal(await mac.ownerOf(join(mac.root, LOG_DIR, name)), 'root:admin', name);
    }
    assert.deepEqual(await launchctlCalls(mac), [
      ['enable', `system/${LABEL}`],
      ['bootstrap', 'system', `$ROOT${PLIST}`],
    ]);
    assert.equal(await mac.isLoaded(), true);
  });

  test('an upgrade (preinstall, payload, postinstall, twice) reloads the daemon each time', async () => {
    const mac = await fresh();
    for (let round = 0; round < 2; round += 1) {
      assert.equal((await run(PREINSTALL, installerArgs('/'), mac.env)).code, 0);
      await layPayload(mac);
      const post = await run(POSTINSTALL, installerArgs('/'), mac.env);
      assert.equal(post.code, 0, post.stderr);
    }
    const cycle = [
      ['bootout', `system/${LABEL}`],
      ['enable', `system/${LABEL}`],
      ['bootstrap', 'system', `$ROOT${PLIST}`],
    ];
    assert.deepEqual(await launchctlCalls(mac), [...cycle, ...cycle]);
    assert.equal(await mac.isLoaded(), true);
  });

  test('postinstall onto another volume prepares its files there and loads nothing', async () => {
    const mac = await fresh();
    await layPayload(mac);
    const env = { ...mac.env, TOKENWATCH_ROOT: '' };
    const result = await run(POSTINSTALL, installerArgs(`${mac.root}/`), env);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await lstat(join(mac.root, '/usr/local/bin/tokenwatch-agent'))).isSymbolicLink());
    assert.ok((await stat(join(mac.root, LOG_DIR, 'agent.log'))).isFile());
    assert.deepEqual(await launchctlCalls(mac), []);
  });
});

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
echo "component $6 $8" >"\${13}"`,
    productbuild: `${record}
[ $# -eq 3 ] && [ "$1" = --package ] && [ -f "$2" ] || { echo "fake productbuild: unexpected arguments: $*" >&2; exit 64; }
{ echo product; cat "$2"; } >"$3"`,
    productsign: `${record}
[ $# -eq 5 ] && [ "$1" = --sign ] && [ "$3" = --timestamp ] && [ -f "$4" ] || { echo "fake productsign: unexpected arguments: $*" >&2; exit 64; }
{ echo "signed by $2"; cat "$4"; } >"$5"`,
  };
  for (const [name, body] of Object.entries(tools)) {
    await writeFile(join(bin, name), `#!/bin/bash\nset -u\n${body}\n`, { mode: 0o755 });
  }
  return bin;
}

/** The tarball's layout: pkg/ beside the executable, the plist and newsyslog.d/. */
async function releaseWithPkg(mac: ScratchMac): Promise<string> {
  await mkdir(join(mac.release, 'pkg', 'scripts'), { recursive: true });
  await copyFile(BUILD_PKG, join(mac.release, 'pkg', 'build-pkg.sh'));
  await copyFile(PREINSTALL, join(mac.release, 'pkg', 'scripts', 'preinstall'));
  await copyFile(POSTINSTALL, join(mac.release, 'pkg', 'scripts', 'postinstall'));
  return join(mac.release, 'pkg', 'build-pkg.sh');
}

describe('build-pkg.sh', () => {
  test(
    'refuses plainly on anything but macOS',
    { skip: process.platform === 'darwin' ? 'this is macOS' : false },
    async () => {
      const mac = await fresh();
      const result = await run(BUILD_PKG, ['--version', '1.0.0'], { PATH: '/usr/bin:/bin' });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^build-pkg\.sh: needs macOS \(pkgbuild, productbuild, productsign\); this is Linux\./,
      );
      assert.deepEqual(await readdir(mac.root), []);
    },
  );

  test('stages the payload with its install modes, adds the scripts, and builds an unsigned product', async () => {
    const mac = await fresh();
    const bin = await fakeMacTools(mac);
    const script = await releaseWithPkg(mac);
    const out = join(mac.base, 'tokenwatch.pkg');
    const env = { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: mac.base };
    const result = await run(script, ['--version', '1.2.3', '--out', out], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /UNSIGNED/);
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
    ]);
    assert.deepEqual((await readFile(join(mac.state, 'scripts.txt'), 'utf8')).trim().split('\n'), [
      'f 755 ./postinstall',
      'f 755 ./preinstall',
    ]);
    assert.deepEqual(await readFile(join(mac.state, 'postinstall.copy')), await readFile(POSTINSTALL));
    assert.deepEqual(await readFile(join(mac.state, 'exe.copy')), fakeMachO());
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
