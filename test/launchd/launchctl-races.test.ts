// launchd busy after a bootout, as it is on real Macs: `bootout` answers 36 (Operation now in
// progress) while the job goes away in the background, and `bootstrap` answers 5 (Input/output
// error) or 37 (Operation already in progress) for several seconds after. Every script waits until
// `launchctl print` no longer finds the job (about 30 s at most), retries bootstrap on 5 and 37 for
// about 30 s, and then reports launchctl's answer; the package's postinstall logs a load that still
// fails and succeeds (RunAtLoad loads it at the next startup). The fake sleep returns at once and
// records each wait, so the bounds are counted, not timed.
import assert from 'node:assert/strict';
import { lstat } from 'node:fs/promises';
import { describe, test } from 'node:test';
import {
  EXE,
  PLIST,
  POSTINSTALL,
  PREINSTALL,
  RELEASE,
  UNINSTALLER,
  type ScratchMac,
  addPkgScripts,
  cannotRunScripts,
  layPayload,
  scratchMacs,
} from './scratch-mac.ts';
import { BOOTOUT, BOOTSTRAP, ENABLE, PRINT, launchctlCalls, sleeps } from './launchd-calls.ts';

const fresh = scratchMacs();
const install = (mac: ScratchMac) => mac.run(`${RELEASE}/install.sh`, []);
const installerArgs = ['/Users/Shared/tokenwatch-agent.pkg', '/', '/'];
const times = <T>(n: number, item: T): T[] => Array.from({ length: n }, () => item);
const ONE_SECOND_EACH = (n: number) => times(n, 1);

/** A Mac with the agent installed and running, and the package's scripts in Installer's place. */
async function runningMac(): Promise<{ mac: ScratchMac; before: number }> {
  const mac = await fresh();
  const installed = await install(mac);
  assert.equal(installed.code, 0, installed.stderr);
  await addPkgScripts(mac);
  return { mac, before: (await launchctlCalls(mac)).length };
}

const callsSince = async (mac: ScratchMac, before: number) => (await launchctlCalls(mac)).slice(before);

describe('launchctl busy: install.sh', { skip: cannotRunScripts }, () => {
  test('bootout answers 36: it waits until launchctl print no longer finds the job, then loads', async () => {
    const { mac, before } = await runningMac();
    await mac.bootoutAnswers([36]);
    await mac.lingers(3);
    const result = await install(mac);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await callsSince(mac, before), [BOOTOUT, ...times(4, PRINT), ENABLE, BOOTSTRAP]);
    assert.deepEqual(await sleeps(mac), ONE_SECOND_EACH(3));
    assert.equal(await mac.isLoaded(), true);
  });

  test('a job that takes a while to go after bootout 0 is waited for too (bootstrap would answer 37)', async () => {
    const { mac, before } = await runningMac();
    await mac.lingers(2);
    const result = await install(mac);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await callsSince(mac, before), [BOOTOUT, ...times(3, PRINT), ENABLE, BOOTSTRAP]);
  });

  test('bootstrap answers 37, 37, 5, 5: retried once a second until it loads', async () => {
    const mac = await fresh();
    await mac.bootstrapAnswers([37, 37, 5, 5]);
    const result = await install(mac);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await launchctlCalls(mac), [BOOTOUT, ENABLE, ...times(5, BOOTSTRAP)]);
    assert.deepEqual(await sleeps(mac), ONE_SECOND_EACH(4));
    assert.equal(await mac.isLoaded(), true);
  });

  test('bootstrap that never succeeds: 30 tries over about 30 s, then the reason and how to load it by hand', async () => {
    const mac = await fresh();
    await mac.bootstrapAlways(5);
    const result = await install(mac);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /launchctl bootstrap system \/Library\/LaunchDaemons\/com\.tokenwatch\.agent\.plist failed \(5\) after 30 tries: Bootstrap failed: 5: Input\/output error\. The files are installed and launchd loads the agent at the next startup; to load it now: sudo launchctl bootstrap system/,
    );
    assert.deepEqual(await launchctlCalls(mac), [BOOTOUT, ENABLE, ...times(30, BOOTSTRAP)]);
    assert.deepEqual(await sleeps(mac), ONE_SECOND_EACH(29));
    assert.ok((await lstat(mac.path(EXE))).isFile(), 'the files stay installed');
  });

  test('a job that never goes away: 30 prints, then it tries to load anyway and reports launchd’s answer', async () => {
    const { mac, before } = await runningMac();
    await mac.lingers(1000);
    const result = await install(mac);
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /system\/com\.tokenwatch\.agent is still loaded 30 s after launchctl bootout \(launchctl print answered 0\); loading the new one anyway/,
    );
    assert.match(
      result.stderr,
      /failed \(37\) after 30 tries: Bootstrap failed: 37: Operation already in progress/,
    );
    assert.deepEqual(await callsSince(mac, before), [
      BOOTOUT,
      ...times(30, PRINT),
      ENABLE,
      ...times(30, BOOTSTRAP),
    ]);
    assert.deepEqual(await sleeps(mac), ONE_SECOND_EACH(58));
  });

  test('a bootstrap error other than 5 or 37 is not retried', async () => {
    const mac = await fresh();
    await mac.bootstrapAnswers([78]);
    const result = await install(mac);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /failed \(78\) after 1 tries: Bootstrap failed: 78/);
    assert.deepEqual(await sleeps(mac), []);
  });
});

describe('launchctl busy: the package', { skip: cannotRunScripts }, () => {
  test('preinstall: bootout 36 is waited out, and the upgrade goes on', async () => {
    const { mac, before } = await runningMac();
    await mac.bootoutAnswers([36]);
    await mac.lingers(2);
    const result = await mac.run(PREINSTALL, installerArgs);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /preinstall: stopped the running com\.tokenwatch\.agent/);
    assert.deepEqual(await callsSince(mac, before), [BOOTOUT, ...times(3, PRINT)]);
  });

  test('preinstall: a job still there after 30 s is logged, and the install goes on (postinstall retries)', async () => {
    const { mac } = await runningMac();
    await mac.lingers(1000);
    const result = await mac.run(PREINSTALL, installerArgs);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /preinstall: system\/com\.tokenwatch\.agent is still loaded 30 s after launchctl bootout .*; installing anyway/,
    );
  });

  test('preinstall: launchctl refusing the bootout fails the package before any file is replaced', async () => {
    const { mac } = await runningMac();
    await mac.bootoutAnswers([1]);
    const result = await mac.run(PREINSTALL, installerArgs);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^preinstall: launchctl bootout system\/com\.tokenwatch\.agent failed \(1\)/);
  });

  test('postinstall: bootstrap answering 37 then 5 is retried until it loads', async () => {
    const mac = await fresh();
    await addPkgScripts(mac);
    await layPayload(mac);
    await mac.bootstrapAnswers([37, 5, 37]);
    const result = await mac.run(POSTINSTALL, installerArgs);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /postinstall: loaded com\.tokenwatch\.agent/);
    assert.deepEqual(await launchctlCalls(mac), [ENABLE, ...times(4, BOOTSTRAP)]);
    assert.equal(await mac.isLoaded(), true);
  });

  test('postinstall: a load that never succeeds is logged with launchctl’s answer, and the package succeeds', async () => {
    const mac = await fresh();
    await addPkgScripts(mac);
    await layPayload(mac);
    await mac.bootstrapAlways(5);
    const result = await mac.run(POSTINSTALL, installerArgs);
    assert.equal(result.code, 0, 'RunAtLoad covers the next startup');
    assert.match(
      result.stderr,
      new RegExp(
        `^postinstall: com\\.tokenwatch\\.agent is installed but not loaded: launchctl bootstrap system ${PLIST.replace(/\./g, '\\.')} failed \\(5\\) after 30 tries: Bootstrap failed: 5: Input/output error\\. launchd loads it at the next startup`,
      ),
    );
    assert.deepEqual(await sleeps(mac), ONE_SECOND_EACH(29));
    assert.equal(await mac.isLoaded(), false);
  });
});

describe('launchctl busy: uninstall.sh', { skip: cannotRunScripts }, () => {
  test('bootout 36: it waits until the job is gone, then removes the files', async () => {
    const { mac, before } = await runningMac();
    await mac.bootoutAnswers([36]);
    await mac.lingers(2);
    const result = await mac.run(UNINSTALLER, []);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await callsSince(mac, before), [BOOTOUT, ...times(3, PRINT)]);
    await assert.rejects(lstat(mac.path(EXE)), { code: 'ENOENT' });
  });

  test('a job still there after 30 s: it says so and removes the files anyway', async () => {
    const { mac } = await runningMac();
    await mac.lingers(1000);
    const result = await mac.run(UNINSTALLER, []);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /still loaded 30 s after launchctl bootout .*; removing its files anyway/);
    await assert.rejects(lstat(mac.path(PLIST)), { code: 'ENOENT' });
  });
});
