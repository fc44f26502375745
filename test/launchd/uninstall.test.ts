// launchd/uninstall.sh, run as shipped on a scratch Mac: from the release and from where install.sh
// and the .pkg put it (/usr/local/tokenwatch/bin/uninstall.sh, which removes itself), with --purge
// or Jamf Pro's parameters, the .pkg receipt forgotten, and its refusals.
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import {
  EXE,
  LABEL,
  LOG_DIR,
  NEWSYSLOG,
  PLIST,
  RELEASE,
  STATE_DIR,
  UNINSTALLER,
  type ScratchMac,
  cannotRunScripts,
  scratchMacs,
} from './scratch-mac.ts';
import { BOOTOUT, PRINT, launchctlCalls, tree } from './launchd-calls.ts';

const fresh = scratchMacs();

/** An installed Mac whose agent has run: a state directory with a token, and log lines. */
async function installedMac(): Promise<ScratchMac> {
  const mac = await fresh();
  const installed = await mac.run(`${RELEASE}/install.sh`, []);
  assert.equal(installed.code, 0, installed.stderr);
  await mkdir(mac.path(STATE_DIR), { recursive: true, mode: 0o700 });
  await writeFile(mac.path(`${STATE_DIR}/device-token`), 'secret', { mode: 0o600 });
  await writeFile(mac.path(`${LOG_DIR}/agent.log`), '{"msg":"ran"}\n');
  return mac;
}

const REMOVED = [PLIST, NEWSYSLOG, '/usr/local/tokenwatch', '/usr/local/bin/tokenwatch-agent'];

describe('uninstall.sh', { skip: cannotRunScripts }, () => {
  test('the installed copy unloads the daemon, removes the files and itself, forgets the receipt, keeps state and logs', async () => {
    const mac = await installedMac();
    await mac.markReceipt();
    const callsBefore = (await mac.calls()).length;
    const result = await mac.run(UNINSTALLER, []);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /stopped and unloaded com\.tokenwatch\.agent/);
    assert.match(
      result.stdout,
      /kept "\/Library\/Application Support\/tokenwatch" and \/Library\/Logs\/tokenwatch/,
    );
    assert.deepEqual((await mac.calls()).slice(callsBefore), [
      ['launchctl', ...BOOTOUT],
      ['launchctl', ...PRINT],
      ['pkgutil', '--forget', LABEL],
    ]);
    assert.equal(await mac.isLoaded(), false);
    assert.equal(await mac.hasReceipt(), false);
    for (const path of [...REMOVED, UNINSTALLER]) {
      await assert.rejects(lstat(mac.path(path)), { code: 'ENOENT' }, path);
    }
    assert.equal(await readFile(mac.path(`${STATE_DIR}/device-token`), 'utf8'), 'secret');
    assert.equal(await readFile(mac.path(`${LOG_DIR}/agent.log`), 'utf8'), '{"msg":"ran"}\n');
    for (const dir of ['/usr/local/bin', '/Library/LaunchDaemons', '/etc/newsyslog.d']) {
      assert.ok((await stat(mac.path(dir))).isDirectory(), `${dir} stays`);
    }
  });

  test('the copy in the release does the same (no receipt is fine)', async () => {
    const mac = await installedMac();
    const result = await mac.run(`${RELEASE}/uninstall.sh`, []);
    assert.equal(result.code, 0, result.stderr);
    for (const path of REMOVED) await assert.rejects(lstat(mac.path(path)), { code: 'ENOENT' }, path);
  });

  test('is idempotent: a second run finds nothing loaded and succeeds', async () => {
    const mac = await installedMac();
    assert.equal((await mac.run(UNINSTALLER, [])).code, 0);
    const before = (await launchctlCalls(mac)).length;
    const again = await mac.run(`${RELEASE}/uninstall.sh`, []);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /com\.tokenwatch\.agent was not loaded/);
    assert.deepEqual((await launchctlCalls(mac)).slice(before), [BOOTOUT]);
  });

  test('--purge also removes the state directory and the logs', async () => {
    const mac = await installedMac();
    const result = await mac.run(UNINSTALLER, ['--purge']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /removed the agent, its state and its logs/);
    for (const path of [...REMOVED, STATE_DIR, LOG_DIR]) {
      await assert.rejects(lstat(mac.path(path)), { code: 'ENOENT' }, path);
    }
  });

  test('as a Jamf Pro script: $1 "/", $2, $3, and parameter 4 "purge"', async () => {
    const kept = await installedMac();
    const plain = await kept.run(UNINSTALLER, ['/', 'MAC-0042', 'jappleseed', '', '']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(await readFile(kept.path(`${STATE_DIR}/device-token`), 'utf8'), 'secret');

    const purged = await installedMac();
    const result = await purged.run(UNINSTALLER, ['/', 'MAC-0042', 'jappleseed', 'purge']);
    assert.equal(result.code, 0, result.stderr);
    await assert.rejects(lstat(purged.path(STATE_DIR)), { code: 'ENOENT' });

    const odd = await installedMac();
    const refused = await odd.run(UNINSTALLER, ['/', 'MAC-0042', 'jappleseed', 'yes']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /parameter 4 is "purge" or empty \(got: yes\)/);
    assert.ok((await stat(odd.path(EXE))).isFile(), 'nothing removed');
  });

  test('stops with the reason when pkgutil fails other than for a missing receipt', async () => {
    const mac = await installedMac();
    await writeFile(`${mac.state}/pkgutil-fails`, '');
    const result = await mac.run(UNINSTALLER, ['--purge']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^uninstall\.sh: pkgutil --forget com\.tokenwatch\.agent failed: Error forgetting package: Operation not permitted/,
    );
    assert.equal(await readFile(mac.path(`${STATE_DIR}/device-token`), 'utf8'), 'secret');
  });

  test('leaves a /usr/local/bin/tokenwatch-agent that is not its own symlink', async () => {
    const mac = await installedMac();
    const link = mac.path('/usr/local/bin/tokenwatch-agent');
    await rm(link);
    await symlink('/opt/other/tokenwatch-agent', link);
    assert.equal((await mac.run(UNINSTALLER, [])).code, 0);
    assert.equal(await readlink(link), '/opt/other/tokenwatch-agent');
  });

  test('refuses to run without root, before touching anything', async () => {
    const mac = await installedMac();
    const before = await tree(mac);
    const callsBefore = await mac.calls();
    const result = await mac.run(UNINSTALLER, ['--purge'], { user: 'nobody' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^uninstall\.sh: must be run as root, for example: sudo /);
    assert.deepEqual(await mac.calls(), callsBefore);
    assert.deepEqual(await tree(mac), before);
  });

  test('refuses a launchctl bootout failure other than "not loaded" or "in progress", removing nothing', async () => {
    const mac = await installedMac();
    await mac.bootoutAnswers([1]);
    const result = await mac.run(UNINSTALLER, []);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /launchctl bootout system\/com\.tokenwatch\.agent failed \(1\): Boot-out failed: 1: Operation not permitted/,
    );
    assert.ok((await stat(mac.path(EXE))).isFile());
    assert.ok((await stat(mac.path(PLIST))).isFile());
  });
});
