// launchd/install.sh and uninstall.sh, run for real against a scratch root with fake launchctl,
// chown, xattr and pkgutil (see scratch-mac.ts): the files, their owners and modes, the launchctl
// calls and their order, idempotency, --purge, and the refusal to run without root.
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  EXE,
  LABEL,
  LAUNCHD_DIR,
  LOG_DIR,
  NEWSYSLOG,
  NOBODY,
  PLIST,
  STATE_DIR,
  type ScratchMac,
  fakeMachO,
  modeOf,
  run,
  scratchMacs,
} from './scratch-mac.ts';

const asRoot = process.getuid?.() === 0;
const needsRoot = asRoot
  ? false
  : 'needs root: the scripts refuse to run otherwise (CI runs the tests as root)';

const fresh = scratchMacs();

const install = (mac: ScratchMac, args: string[] = []) => run(join(mac.release, 'install.sh'), args, mac.env);
const uninstall = (mac: ScratchMac, args: string[] = []) =>
  run(join(mac.release, 'uninstall.sh'), args, mac.env);

async function launchctlCalls(mac: ScratchMac): Promise<string[][]> {
  return (await mac.calls()).filter((call) => call[0] === 'launchctl').map((call) => call.slice(1));
}

const BOOTOUT = ['bootout', `system/${LABEL}`];
const ENABLE = ['enable', `system/${LABEL}`];
const BOOTSTRAP = ['bootstrap', 'system', `$ROOT${PLIST}`];

/** Every path under the scratch root with its type, mode, owner (per the fake chown) and content. */
async function tree(mac: ScratchMac): Promise<string[]> {
  const lines: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const rel = path.slice(mac.root.length);
      const info = await lstat(path);
      if (info.isSymbolicLink()) {
        lines.push(`${rel} -> ${await readlink(path)}`);
      } else if (info.isDirectory()) {
        lines.push(`${rel}/ ${(info.mode & 0o7777).toString(8)} ${await mac.ownerOf(path)}`);
        await walk(path);
      } else {
        const body = (await readFile(path)).toString('base64');
        lines.push(`${rel} ${(info.mode & 0o7777).toString(8)} ${await mac.ownerOf(path)} ${body}`);
      }
    }
  }
  await walk(mac.root);
  return lines;
}

describe('install.sh', { skip: needsRoot }, () => {
  let mac: ScratchMac;
  let first: Awaited<ReturnType<typeof install>>;
  before(async () => {
    mac = await fresh();
    first = await install(mac);
  });

  test('succeeds from the release layout and says how to check', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, '');
    assert.match(first.stdout, /sudo launchctl print system\/com\.tokenwatch\.agent/);
  });

  test('installs the executable root:wheel 0755 under /usr/local/tokenwatch, linked from /usr/local/bin', async () => {
    const exe = join(mac.root, EXE);
    assert.deepEqual(await readFile(exe), fakeMachO());
    assert.equal(await modeOf(exe), 0o755);
    assert.equal(await mac.ownerOf(exe), 'root:wheel');
    for (const dir of ['/usr/local/tokenwatch', '/usr/local/tokenwatch/bin']) {
      assert.equal(await modeOf(join(mac.root, dir)), 0o755, dir);
      assert.equal(await mac.ownerOf(join(mac.root, dir)), 'root:wheel', dir);
    }
    const link = join(mac.root, '/usr/local/bin/tokenwatch-agent');
    assert.ok((await lstat(link)).isSymbolicLink());
    // absolute and unprefixed: it is read on the Mac, where the scratch root is `/`
    assert.equal(await readlink(link), EXE);
  });

  test('installs the LaunchDaemon plist and the newsyslog file byte for byte, root:wheel 0644', async () => {
    const plist = join(mac.root, PLIST);
    assert.deepEqual(await readFile(plist), await readFile(join(LAUNCHD_DIR, `${LABEL}.plist`)));
    assert.equal(await modeOf(plist), 0o644);
    assert.equal(await mac.ownerOf(plist), 'root:wheel');
    const conf = join(mac.root, NEWSYSLOG);
    assert.deepEqual(await readFile(conf), await readFile(join(LAUNCHD_DIR, 'newsyslog.d', `${LABEL}.conf`)));
    assert.equal(await modeOf(conf), 0o644);
    assert.equal(await mac.ownerOf(conf), 'root:wheel');
  });

  test('creates the log directory and both logs root:admin 0640, and leaves the state directory to the agent', async () => {
    const dir = join(mac.root, LOG_DIR);
    assert.equal(await modeOf(dir), 0o755);
    assert.equal(await mac.ownerOf(dir), 'root:admin');
    for (const name of ['agent.log', 'launchd.log']) {
      const log = join(dir, name);
      assert.equal((await stat(log)).size, 0, name);
      assert.equal(await modeOf(log), 0o640, name);
      assert.equal(await mac.ownerOf(log), 'root:admin', name);
    }
    await assert.rejects(stat(join(mac.root, STATE_DIR)), { code: 'ENOENT' });
  });

  test('leaves no temporary files behind', async () => {
    const all = await tree(mac);
    assert.deepEqual(
      all.filter((line) => line.includes('.tmp.')),
      [],
    );
  });

  test('boots out (not loaded is fine), enables, then bootstraps the system-domain daemon', async () => {
    assert.deepEqual(await launchctlCalls(mac), [BOOTOUT, ENABLE, BOOTSTRAP]);
    assert.equal(await mac.isLoaded(), true);
  });

  test('clears the quarantine flag on the installed executable', async () => {
    const xattr = (await mac.calls()).filter((call) => call[0] === 'xattr');
    assert.deepEqual(xattr, [['xattr', '-d', 'com.apple.quarantine', `$ROOT${EXE}`]]);
  });

  test('is idempotent: a second run gives the same tree, keeps the logs, and reloads the daemon', async () => {
    await writeFile(join(mac.root, LOG_DIR, 'agent.log'), '{"msg":"earlier run"}\n');
    const before = await tree(mac);
    const callsBefore = (await launchctlCalls(mac)).length;
    const second = await install(mac);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(await tree(mac), before);
    assert.deepEqual((await launchctlCalls(mac)).slice(callsBefore), [BOOTOUT, ENABLE, BOOTSTRAP]);
    assert.match(second.stdout, /stopped the running com\.tokenwatch\.agent/);
    assert.equal(await mac.isLoaded(), true);
  });
});

describe('install.sh upgrades', { skip: needsRoot }, () => {
  test('replaces the executable by rename, so a running agent keeps its old file', async () => {
    const mac = await fresh();
    assert.equal((await install(mac)).code, 0);
    const oldInode = (await stat(join(mac.root, EXE))).ino;
    const newer = Buffer.concat([fakeMachO(), Buffer.from('version 2')]);
    await writeFile(join(mac.release, 'tokenwatch-agent'), newer);
    const result = await install(mac);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readFile(join(mac.root, EXE)), newer);
    assert.notEqual((await stat(join(mac.root, EXE))).ino, oldInode);
    assert.equal(await modeOf(join(mac.root, EXE)), 0o755);
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

  test('retries a bootstrap that fails with 5 while launchd tears the old service down', async () => {
    const mac = await fresh();
    await mac.markLoaded();
    await mac.failNextBootstrap();
    const result = await install(mac);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await launchctlCalls(mac), [BOOTOUT, ENABLE, BOOTSTRAP, BOOTSTRAP]);
    assert.equal(await mac.isLoaded(), true);
  });

  test('a failure part-way leaves the running agent loaded, the old plist in place and no temporary file', async () => {
    const mac = await fresh();
    assert.equal((await install(mac)).code, 0);
    const plistBefore = await readFile(join(mac.root, PLIST));
    const callsBefore = (await mac.calls()).length;
    await writeFile(
      join(mac.release, `${LABEL}.plist`),
      Buffer.concat([plistBefore, Buffer.from('<!-- v2 -->\n')]),
    );
    // a chown that fails on the new plist's temporary copy, and works as the fake chown otherwise
    const failing = join(mac.base, 'bin', 'chown-fails-on-plist');
    await writeFile(
      failing,
      `#!/bin/bash\ncase "$2" in *${LABEL}.plist.tmp.*) echo "chown: $2: Operation not permitted" >&2; exit 1 ;; esac\nexec '${mac.env.CHOWN}' "$@"\n`,
      { mode: 0o755 },
    );
    const result = await run(join(mac.release, 'install.sh'), [], { ...mac.env, CHOWN: failing });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Operation not permitted/);
    assert.deepEqual(await readFile(join(mac.root, PLIST)), plistBefore);
    assert.deepEqual(
      (await tree(mac)).filter((line) => line.includes('.tmp.')),
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
    const exe = join(mac.base, 'tokenwatch-agent-darwin');
    await writeFile(exe, fakeMachO(), { mode: 0o755 });
    const result = await run(
      join(LAUNCHD_DIR, 'install.sh'),
      [
        '--exe',
        exe,
        '--plist',
        join(LAUNCHD_DIR, `${LABEL}.plist`),
        '--newsyslog',
        join(LAUNCHD_DIR, 'newsyslog.d', `${LABEL}.conf`),
      ],
      mac.env,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readFile(join(mac.root, EXE)), fakeMachO());
    assert.deepEqual(await launchctlCalls(mac), [BOOTOUT, ENABLE, BOOTSTRAP]);
  });
});

describe('install.sh refuses', () => {
  test('to run without root, before touching anything', async () => {
    const mac = await fresh();
    const user = asRoot ? { uid: NOBODY, gid: NOBODY } : undefined;
    const result = await run(join(mac.release, 'install.sh'), [], mac.env, user);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^install\.sh: must be run as root, for example: sudo /);
    assert.deepEqual(await mac.calls(), []);
    assert.deepEqual(await readdir(mac.root), []);
  });

  test(
    'an executable that is not a Mach-O (the linux build), before touching anything',
    { skip: needsRoot },
    async () => {
      const mac = await fresh();
      await writeFile(
        join(mac.release, 'tokenwatch-agent'),
        Buffer.from('\x7fELF\x02\x01\x01\x00', 'latin1'),
      );
      const result = await install(mac);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /is not a macOS executable \(first bytes: 7f454c46\)/);
      assert.deepEqual(await mac.calls(), []);
      assert.deepEqual(await readdir(mac.root), []);
    },
  );

  test('a missing executable, naming the path and the flag', { skip: needsRoot }, async () => {
    const mac = await fresh();
    await rm(join(mac.release, 'tokenwatch-agent'));
    const result = await install(mac);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /executable not found: .*tokenwatch-agent \(pass --exe PATH\)/);
    assert.deepEqual(await mac.calls(), []);
  });

  test('an unknown argument, with the usage', async () => {
    const mac = await fresh();
    const result = await install(mac, ['--frobnicate']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /usage: sudo /);
    assert.match(result.stderr, /unknown argument: --frobnicate/);
  });

  test(
    'a launchctl bootout failure other than "not loaded", without loading anything',
    { skip: needsRoot },
    async () => {
      const mac = await fresh();
      // a launchctl that fails every bootout with 1 (Operation not permitted)
      const env = { ...mac.env, LAUNCHCTL: join(mac.base, 'bin', 'launchctl-eperm') };
      await writeFile(
        env.LAUNCHCTL,
        `#!/bin/bash\nprintf 'launchctl-eperm\\t%s\\n' "$*" >>'${mac.state}/calls.log'\necho "Boot-out failed: 1: Operation not permitted" >&2\nexit 1\n`,
        { mode: 0o755 },
      );
      const result = await run(join(mac.release, 'install.sh'), [], env);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /launchctl bootout system\/com\.tokenwatch\.agent failed \(1\): Boot-out failed: 1: Operation not permitted/,
      );
      const calls = (await mac.calls()).filter((call) => call[0] === 'launchctl-eperm');
      assert.deepEqual(calls, [['launchctl-eperm', `bootout system/${LABEL}`]]);
    },
  );
});

describe('uninstall.sh', { skip: needsRoot }, () => {
  /** An installed Mac whose agent has run: a state directory with a token, and log lines. */
  async function installedMac(): Promise<ScratchMac> {
    const mac = await fresh();
    assert.equal((await install(mac)).code, 0);
    await mkdir(join(mac.root, STATE_DIR), { recursive: true, mode: 0o700 });
    await writeFile(join(mac.root, STATE_DIR, 'device-token'), 'secret', { mode: 0o600 });
    await writeFile(join(mac.root, LOG_DIR, 'agent.log'), '{"msg":"ran"}\n');
    return mac;
  }

  const removed = [PLIST, NEWSYSLOG, '/usr/local/tokenwatch', '/usr/local/bin/tokenwatch-agent'];

  test('unloads the daemon and removes its files, keeping state and logs', async () => {
    const mac = await installedMac();
    const callsBefore = (await mac.calls()).length;
    const result = await uninstall(mac);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /kept "\/Library\/Application Support\/tokenwatch" and \/Library\/Logs\/tokenwatch/,
    );
    assert.deepEqual((await mac.calls()).slice(callsBefore), [
      ['launchctl', ...BOOTOUT],
      ['pkgutil', '--forget', LABEL],
    ]);
    assert.equal(await mac.isLoaded(), false);
    for (const path of removed) {
      await assert.rejects(lstat(join(mac.root, path)), { code: 'ENOENT' }, path);
    }
    assert.equal(await readFile(join(mac.root, STATE_DIR, 'device-token'), 'utf8'), 'secret');
    assert.equal(await readFile(join(mac.root, LOG_DIR, 'agent.log'), 'utf8'), '{"msg":"ran"}\n');
    // the system's directories stay
    for (const dir of ['/usr/local/bin', '/Library/LaunchDaemons', '/etc/newsyslog.d']) {
      assert.ok((await stat(join(mac.root, dir))).isDirectory(), dir);
    }
  });

  test('is idempotent: a second run finds nothing loaded and succeeds', async () => {
    const mac = await installedMac();
    assert.equal((await uninstall(mac)).code, 0);
    const before = (await mac.calls()).length;
    const again = await uninstall(mac);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /com\.tokenwatch\.agent was not loaded/);
    assert.deepEqual((await mac.calls()).slice(before)[0], ['launchctl', ...BOOTOUT]);
  });

  test('stops with the reason when pkgutil fails other than for a missing receipt', async () => {
    const mac = await installedMac();
    await writeFile(join(mac.state, 'pkgutil-fails'), '');
    const result = await uninstall(mac, ['--purge']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^uninstall\.sh: pkgutil --forget com\.tokenwatch\.agent failed: Error forgetting package: Operation not permitted/,
    );
    assert.equal(await readFile(join(mac.root, STATE_DIR, 'device-token'), 'utf8'), 'secret');
  });

  test('--purge also removes the state directory and the logs', async () => {
    const mac = await installedMac();
    const result = await uninstall(mac, ['--purge']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /removed the agent, its state and its logs/);
    for (const path of [...removed, STATE_DIR, LOG_DIR]) {
      await assert.rejects(lstat(join(mac.root, path)), { code: 'ENOENT' }, path);
    }
  });

  test('leaves a /usr/local/bin/tokenwatch-agent that is not its own symlink', async () => {
    const mac = await installedMac();
    const link = join(mac.root, '/usr/local/bin/tokenwatch-agent');
    await rm(link);
    await symlink('/opt/other/tokenwatch-agent', link);
    assert.equal((await uninstall(mac)).code, 0);
    assert.equal(await readlink(link), '/opt/other/tokenwatch-agent');
  });

  test('refuses to run without root, before touching anything', async () => {
    const mac = await installedMac();
    const callsBefore = await mac.calls();
    const result = await run(join(mac.release, 'uninstall.sh'), ['--purge'], mac.env, {
      uid: NOBODY,
      gid: NOBODY,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^uninstall\.sh: must be run as root, for example: sudo /);
    assert.deepEqual(await mac.calls(), callsBefore);
    assert.ok((await stat(join(mac.root, EXE))).isFile());
    assert.ok((await stat(join(mac.root, STATE_DIR))).isDirectory());
  });
});
