// launchd/install.sh, run as shipped on a scratch Mac (see scratch-mac.ts): the files, their owners
// and modes, the launchctl calls and their order, idempotency, the executable's architecture
// against the Mac's, the sources it takes (its own folder, a folder, a tarball, an https URL) and
// Jamf Pro's positional parameters, and its refusals.
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { releaseTarball, sha256 } from '../../scripts/build/release.ts';
import { UNIVERSAL } from '../../scripts/build/targets.ts';
import {
  EXE,
  LABEL,
  LAUNCHD_DIR,
  LOG_DIR,
  NEWSYSLOG,
  PLIST,
  RELEASE,
  STATE_DIR,
  UNINSTALLER,
  type HostArch,
  type ScratchMac,
  cannotRunScripts,
  fakeMachO,
  fakeUniversal,
  modeOf,
  scratchMacs,
} from './scratch-mac.ts';
import { BOOTOUT, BOOTSTRAP, ENABLE, PRINT, launchctlCalls, sleeps, tree } from './launchd-calls.ts';

const fresh = scratchMacs();
const install = (mac: ScratchMac, args: string[] = []) => mac.run(`${RELEASE}/install.sh`, args);

/** A release tarball as the build makes it (scripts/build/release.ts), with a fake universal executable. */
function tarball(executable: Buffer = fakeUniversal()): { name: string; data: Buffer } {
  return releaseTarball({
    target: UNIVERSAL,
    version: '9.9.9',
    executable,
    launchdDir: LAUNCHD_DIR,
    notices: 'N\n',
    mtime: 0,
  });
}

describe('install.sh', { skip: cannotRunScripts }, () => {
  test('installs from the release layout: the files with their owners and modes, then loads the daemon', async () => {
    const mac = await fresh();
    const result = await install(mac);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /installed \/usr\/local\/tokenwatch\/bin\/tokenwatch-agent \(x86_64 arm64\)/);
    assert.match(result.stdout, /sudo launchctl print system\/com\.tokenwatch\.agent/);
    assert.match(result.stdout, /remove with: sudo \/usr\/local\/tokenwatch\/bin\/uninstall\.sh/);

    const exe = mac.path(EXE);
    assert.deepEqual(await readFile(exe), fakeUniversal());
    assert.equal(await modeOf(exe), 0o755);
    assert.equal(await mac.ownerOf(exe), 'root:wheel');
    for (const dir of ['/usr/local/tokenwatch', '/usr/local/tokenwatch/bin', '/usr/local/bin']) {
      assert.equal(await modeOf(mac.path(dir)), 0o755, dir);
      assert.equal(await mac.ownerOf(mac.path(dir)), 'root:wheel', dir);
    }
    assert.equal(await readlink(mac.path('/usr/local/bin/tokenwatch-agent')), EXE);

    const uninstaller = mac.path(UNINSTALLER);
    assert.deepEqual(await readFile(uninstaller), await readFile(join(LAUNCHD_DIR, 'uninstall.sh')));
    assert.equal(await modeOf(uninstaller), 0o755);
    assert.equal(await mac.ownerOf(uninstaller), 'root:wheel');

    for (const [path, source] of [
      [PLIST, `${LABEL}.plist`],
      [NEWSYSLOG, `newsyslog.d/${LABEL}.conf`],
    ] as const) {
      assert.deepEqual(await readFile(mac.path(path)), await readFile(join(LAUNCHD_DIR, source)), path);
      assert.equal(await modeOf(mac.path(path)), 0o644, path);
      assert.equal(await mac.ownerOf(mac.path(path)), 'root:wheel', path);
    }
    assert.equal(await modeOf(mac.path(LOG_DIR)), 0o755);
    assert.equal(await mac.ownerOf(mac.path(LOG_DIR)), 'root:admin');
    for (const name of ['agent.log', 'launchd.log']) {
      const log = mac.path(`${LOG_DIR}/${name}`);
      assert.equal((await stat(log)).size, 0, name);
      assert.equal(await modeOf(log), 0o640, name);
      assert.equal(await mac.ownerOf(log), 'root:admin', name);
    }
    await assert.rejects(stat(mac.path(STATE_DIR)), { code: 'ENOENT' }, 'the state directory is the agent’s');

    // first install: nothing to boot out (113), so nothing to wait for
    assert.deepEqual(await launchctlCalls(mac), [BOOTOUT, ENABLE, BOOTSTRAP]);
    assert.equal(await mac.isLoaded(), true);
    const xattr = (await mac.calls()).filter((call) => call[0] === 'xattr');
    assert.deepEqual(xattr, [['xattr', '-d', 'com.apple.quarantine', EXE]]);
    assert.deepEqual(
      (await tree(mac)).filter((line) => line.includes('.tmp.') || /^\/private\/tmp\/\S/.test(line)),
      [],
      'no temporary file or work folder left behind',
    );
  });

  test('is idempotent: a second run gives the same tree, keeps the logs, and reloads the daemon once launchd has let the old one go', async () => {
    const mac = await fresh();
    assert.equal((await install(mac)).code, 0);
    await writeFile(mac.path(`${LOG_DIR}/agent.log`), '{"msg":"earlier run"}\n');
    const before = await tree(mac);
    const callsBefore = (await launchctlCalls(mac)).length;
    const second = await install(mac);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(await tree(mac), before);
    assert.deepEqual((await launchctlCalls(mac)).slice(callsBefore), [BOOTOUT, PRINT, ENABLE, BOOTSTRAP]);
    assert.match(second.stdout, /stopped the running com\.tokenwatch\.agent/);
    assert.equal(await mac.isLoaded(), true);
  });

  test('replaces the executable by rename, so a running agent keeps its old file', async () => {
    const mac = await fresh();
    assert.equal((await install(mac)).code, 0);
    const oldInode = (await stat(mac.path(EXE))).ino;
    const newer = Buffer.concat([fakeUniversal(), Buffer.from('version 2')]);
    await writeFile(join(mac.release, 'tokenwatch-agent'), newer);
    const result = await install(mac);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readFile(mac.path(EXE)), newer);
    assert.notEqual((await stat(mac.path(EXE))).ino, oldInode);
    assert.equal(await modeOf(mac.path(EXE)), 0o755);
  });

  test('undoes an earlier `launchctl disable` before it bootstraps', async () => {
    const mac = await fresh();
    await mac.markDisabled();
    const result = await install(mac);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await launchctlCalls(mac), [BOOTOUT, ENABLE, BOOTSTRAP]);
    assert.equal(await mac.isLoaded(), true);
  });

  test('stops with the reason when the quarantine flag cannot be cleared (no flag is fine)', async () => {
    const mac = await fresh();
    await writeFile(join(mac.state, 'xattr-denied'), '');
    const result = await install(mac);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^install\.sh: could not clear the quarantine flag of \/usr\/local\/tokenwatch\/bin\/tokenwatch-agent: xattr: \[Errno 1\] Operation not permitted/,
    );
    assert.deepEqual(await launchctlCalls(mac), [], 'nothing loaded');
  });

  test('a failure part-way leaves the running agent loaded, the old plist in place and no temporary file', async () => {
    const mac = await fresh();
    assert.equal((await install(mac)).code, 0);
    const plistBefore = await readFile(mac.path(PLIST));
    const callsBefore = (await mac.calls()).length;
    await writeFile(
      join(mac.release, `${LABEL}.plist`),
      Buffer.concat([plistBefore, Buffer.from('<!-- v2 -->\n')]),
    );
    // chown fails on the new plist's temporary copy
    await writeFile(join(mac.state, 'chown-fails-on'), `${LABEL}.plist.tmp.`);
    const result = await install(mac);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Operation not permitted/);
    assert.deepEqual(await readFile(mac.path(PLIST)), plistBefore);
    assert.deepEqual(
      (await tree(mac)).filter((line) => line.includes('.tmp.') || /^\/private\/tmp\/\S/.test(line)),
      [],
    );
    const later = (await mac.calls()).slice(callsBefore);
    assert.deepEqual(
      later.filter((call) => call[0] === 'launchctl'),
      [],
      'launchd is not touched',
    );
    assert.equal(await mac.isLoaded(), true);
  });

  test('takes the files from --exe, --plist and --newsyslog (a checkout rather than a tarball)', async () => {
    const mac = await fresh();
    await cp(LAUNCHD_DIR, mac.path('/Users/Shared/checkout/launchd'), { recursive: true });
    await mkdir(mac.path('/Users/Shared/checkout/dist'));
    await writeFile(
      mac.path('/Users/Shared/checkout/dist/tokenwatch-agent-darwin-arm64'),
      fakeMachO('arm64'),
      {
        mode: 0o755,
      },
    );
    const result = await mac.run('/Users/Shared/checkout/launchd/install.sh', [
      '--exe',
      '/Users/Shared/checkout/dist/tokenwatch-agent-darwin-arm64',
      '--plist',
      `/Users/Shared/checkout/launchd/${LABEL}.plist`,
      '--newsyslog',
      `/Users/Shared/checkout/launchd/newsyslog.d/${LABEL}.conf`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readFile(mac.path(EXE)), fakeMachO('arm64'));
    assert.deepEqual(
      await readFile(mac.path(UNINSTALLER)),
      await readFile(join(LAUNCHD_DIR, 'uninstall.sh')),
    );
    assert.deepEqual(await launchctlCalls(mac), [BOOTOUT, ENABLE, BOOTSTRAP]);
  });
});

describe('install.sh: the executable against the Mac it is installed on', { skip: cannotRunScripts }, () => {
  const cases: { exe: string; file: () => Buffer; host: HostArch; ok: boolean; says?: RegExp }[] = [
    { exe: 'universal', file: () => fakeUniversal(), host: 'arm64', ok: true },
    { exe: 'universal', file: () => fakeUniversal(), host: 'x86_64', ok: true },
    { exe: 'arm64', file: () => fakeMachO('arm64'), host: 'arm64', ok: true },
    { exe: 'x86_64', file: () => fakeMachO('x86_64'), host: 'x86_64', ok: true },
    {
      exe: 'arm64',
      file: () => fakeMachO('arm64'),
      host: 'x86_64',
      ok: false,
      says: /is built for arm64 \(Apple silicon\) only, and this Mac is x86_64 \(Intel\): launchd could not start it\. Use the darwin-universal release/,
    },
    {
      exe: 'x86_64',
      file: () => fakeMachO('x86_64'),
      host: 'arm64',
      ok: false,
      says: /is built for x86_64 \(Intel\) only, and this Mac is arm64 \(Apple silicon\): launchd could not start it\..*Rosetta 2/,
    },
    {
      exe: 'universal without arm64',
      file: () => fakeUniversal(['x86_64']),
      host: 'arm64',
      ok: false,
      says: /is built for x86_64 \(Intel\) only, and this Mac is arm64 \(Apple silicon\)/,
    },
  ];
  for (const { exe, file, host, ok, says } of cases) {
    test(`${exe} executable on an ${host} Mac: ${ok ? 'installed' : 'refused, naming both, before touching anything'}`, async () => {
      const mac = await fresh();
      await mac.setHost(host);
      await writeFile(join(mac.release, 'tokenwatch-agent'), file());
      const before = await tree(mac);
      const result = await install(mac);
      if (ok) {
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(await readFile(mac.path(EXE)), file());
        assert.equal(await mac.isLoaded(), true);
        return;
      }
      assert.equal(result.code, 1);
      assert.match(result.stderr, says ?? /never/);
      assert.deepEqual(await tree(mac), before);
      assert.deepEqual(
        (await mac.calls()).filter((call) => call[0] !== 'sysctl'),
        [],
      );
    });
  }

  test('asks sysctl hw.optional.arm64, which says Apple silicon even under Rosetta (uname -m would not)', async () => {
    const mac = await fresh();
    assert.equal((await install(mac)).code, 0);
    assert.deepEqual(
      (await mac.calls()).filter((call) => call[0] === 'sysctl'),
      [['sysctl', '-in', 'hw.optional.arm64']],
    );
  });

  for (const [what, bytes, first] of [
    ['the linux build (ELF)', Buffer.from('\x7fELF\x02\x01\x01\x00', 'latin1'), '7f454c46'],
    [
      'a Java class file (the universal magic, then a version)',
      Buffer.from('cafebabe00000034000a0a00', 'hex'),
      'cafebabe',
    ],
    ['a file too short for a header', Buffer.from('cffa', 'hex'), 'cffa'],
  ] as const) {
    test(`refuses ${what} as not a macOS executable`, async () => {
      const mac = await fresh();
      await writeFile(join(mac.release, 'tokenwatch-agent'), bytes);
      const result = await install(mac);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`is not a macOS executable \\(first bytes: ${first}\\)`));
      assert.deepEqual(await launchctlCalls(mac), []);
    });
  }
});

describe(
  'install.sh: where the release comes from, and Jamf Pro parameters',
  { skip: cannotRunScripts },
  () => {
    /** A Mac whose only install.sh is a lone copy (as Jamf runs a pasted script), and a tarball. */
    async function jamfMac(): Promise<{ mac: ScratchMac; script: string; archive: string; digest: string }> {
      const mac = await fresh();
      const script = '/Library/Application Support/JAMF/tmp/install.sh';
      await mkdir(mac.path('/Library/Application Support/JAMF/tmp'), { recursive: true });
      await cp(join(LAUNCHD_DIR, 'install.sh'), mac.path(script));
      const built = tarball();
      const archive = `/Library/Application Support/JAMF/Waiting Room/${built.name}`;
      await mkdir(mac.path('/Library/Application Support/JAMF/Waiting Room'), { recursive: true });
      await writeFile(mac.path(archive), built.data);
      return { mac, script, archive, digest: sha256(built.data) };
    }

    test('takes Jamf’s $1 "/", $2 computer, $3 user, and parameter 4 a tarball with parameter 5 its SHA-256', async () => {
      const { mac, script, archive, digest } = await jamfMac();
      const result = await mac.run(script, [
        '/',
        'MAC-0042',
        'jappleseed',
        archive,
        digest.toUpperCase(),
        '',
        '',
        '',
        '',
        '',
        '',
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /run by Jamf Pro for MAC-0042/);
      assert.deepEqual(await readFile(mac.path(EXE)), fakeUniversal());
      assert.deepEqual(
        await readFile(mac.path(UNINSTALLER)),
        await readFile(join(LAUNCHD_DIR, 'uninstall.sh')),
      );
      assert.equal(await mac.isLoaded(), true);
      assert.deepEqual(await readdir(mac.path('/private/tmp')), [], 'the unpacked release is removed');
    });

    test('parameter 4 an https URL: downloaded with curl (https only), checked against parameter 5, installed', async () => {
      const { mac, script, archive, digest } = await jamfMac();
      const url = 'https://downloads.example.com/tokenwatch/tokenwatch-agent-9.9.9-darwin-universal.tar.gz';
      await mac.serve(url, archive);
      const result = await mac.run(script, ['/', 'MAC-0042', 'jappleseed', url, digest]);
      assert.equal(result.code, 0, result.stderr);
      const curl = (await mac.calls()).filter((call) => call[0] === 'curl');
      assert.equal(curl.length, 1);
      assert.deepEqual(curl[0]?.slice(1, 8), [
        '--fail',
        '--silent',
        '--show-error',
        '--location',
        '--proto',
        '=https',
        '--max-time',
      ]);
      assert.equal(curl[0]?.at(-1), url);
      assert.equal(await mac.isLoaded(), true);
    });

    test('refuses a download without its SHA-256, a wrong SHA-256, a 404 and plain http, before touching anything', async () => {
      const { mac, script, archive, digest } = await jamfMac();
      const url = 'https://downloads.example.com/agent.tar.gz';
      await mac.serve(url, archive);
      const before = await tree(mac);
      const refusals: [string[], RegExp][] = [
        [['/', 'm', 'u', url], /a download needs its SHA-256 \(--sha256, or Jamf parameter 5\)/],
        [
          ['/', 'm', 'u', url, '0'.repeat(64)],
          new RegExp(`SHA-256 mismatch for ${url.replace(/\./g, '\\.')}: expected 0{64}, got ${digest}`),
        ],
        [
          ['/', 'm', 'u', `${url}.missing`, digest],
          /could not download .*: curl: \(22\) The requested URL returned error: 404/,
        ],
        [
          ['/', 'm', 'u', 'http://downloads.example.com/agent.tar.gz', digest],
          /only https:\/\/ downloads are accepted/,
        ],
        [['/', 'm', 'u', archive, 'abc'], /the SHA-256 must be 64 hex digits \(got: abc\)/],
        [
          ['/Volumes/Other', 'm', 'u', archive],
          /installs onto the running system only; the target volume \(parameter 1\) is \/Volumes\/Other/,
        ],
      ];
      for (const [args, says] of refusals) {
        const result = await mac.run(script, args);
        assert.equal(result.code, 1, args.join(' '));
        assert.match(result.stderr, says);
      }
      assert.deepEqual(await tree(mac), before);
      assert.deepEqual(await launchctlCalls(mac), []);
    });

    test('a pasted script with no parameter 4 says where the release must come from', async () => {
      const { mac, script } = await jamfMac();
      const result = await mac.run(script, ['/', 'MAC-0042', 'jappleseed', '', '']);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /executable not found: .*JAMF\/tmp\/tokenwatch-agent \(pass --from SOURCE \(Jamf: parameter 4\) or --exe PATH\)/,
      );
    });

    test('Jamf parameters with install.sh in the unpacked release (Files and Processes): its own folder', async () => {
      const mac = await fresh();
      const result = await install(mac, ['/', 'MAC-0042', 'jappleseed']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await mac.isLoaded(), true);
    });

    test('--from a release folder, and --from a tarball with --sha256, outside Jamf', async () => {
      const { mac, script, archive, digest } = await jamfMac();
      const fromTarball = await mac.run(script, ['--from', archive, '--sha256', digest]);
      assert.equal(fromTarball.code, 0, fromTarball.stderr);
      const other = await fresh();
      await cp(join(LAUNCHD_DIR, 'install.sh'), other.path('/Users/Shared/install.sh'));
      const fromFolder = await other.run('/Users/Shared/install.sh', ['--from', RELEASE]);
      assert.equal(fromFolder.code, 0, fromFolder.stderr);
      assert.deepEqual(await readFile(other.path(EXE)), fakeUniversal());
    });
  },
);

describe('install.sh refuses', { skip: cannotRunScripts }, () => {
  test('to run without root, before touching anything', async () => {
    const mac = await fresh();
    const before = await tree(mac);
    const result = await mac.run(`${RELEASE}/install.sh`, [], { user: 'nobody' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^install\.sh: must be run as root, for example: sudo /);
    assert.deepEqual(await mac.calls(), []);
    assert.deepEqual(await tree(mac), before);
  });

  test('a missing executable, naming the path and how to give one', async () => {
    const mac = await fresh();
    await rm(join(mac.release, 'tokenwatch-agent'));
    const result = await install(mac);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /executable not found: \/Users\/Shared\/release\/tokenwatch-agent \(pass --from SOURCE/,
    );
    assert.deepEqual(await mac.calls(), []);
  });

  test('an unknown argument, with the usage', async () => {
    const mac = await fresh();
    const result = await install(mac, ['--frobnicate']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /usage: sudo /);
    assert.match(result.stderr, /unknown argument: --frobnicate/);
  });

  test('a launchctl bootout failure other than "not loaded" or "in progress", without loading anything', async () => {
    const mac = await fresh();
    await mac.bootoutAnswers([1]);
    const result = await install(mac);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /launchctl bootout system\/com\.tokenwatch\.agent failed \(1\): Boot-out failed: 1: Operation not permitted/,
    );
    assert.deepEqual(await launchctlCalls(mac), [BOOTOUT]);
    assert.deepEqual(await sleeps(mac), []);
  });
});

test(
  'the scratch Mac: the host’s /usr is read-only inside it, and a script sees the Mac’s layout',
  { skip: cannotRunScripts },
  async () => {
    const mac = await fresh();
    const result = await mac.run('/bin/bash', [
      '-c',
      'touch /.host/usr/tokenwatch-test 2>&1; echo "uid $(id -u)"; ls -d /bin/launchctl /usr/sbin/chown /usr/bin/xattr /etc /tmp',
    ]);
    assert.match(result.stdout, /Read-only file system/);
    assert.match(result.stdout, /^uid 0$/m);
    assert.match(result.stdout, /\/bin\/launchctl\n\/etc\n\/tmp\n\/usr\/bin\/xattr\n\/usr\/sbin\/chown\n/);
    await assert.rejects(stat('/usr/tokenwatch-test'), { code: 'ENOENT' });
  },
);
