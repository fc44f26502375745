// The agent as a real process (from the sources, or the single executable named by
// TOKENWATCH_AGENT_BIN) against simulated Macs: fake system roots whose commands check their arguments
// and print outputs recorded on real Macs (SYNTHETIC where no real sample of a state exists).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parsePlist } from 'plist';
import { checkSnapshot } from '../../agent/snapshot/index.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import { COMMAND_TABLE } from '../../agent/probes/index.ts';
import { listMacs, readCalls } from '../helpers/sysroot.ts';
import { runAgent, simulatedMac } from '../helpers/agent-process.ts';
import type { SimulatedMac } from '../helpers/agent-process.ts';

async function collectJson(mac: SimulatedMac, extra: string[] = []): Promise<Snapshot> {
  const r = await runAgent(['collect', '--json', ...mac.flags, ...extra]);
  assert.equal(r.code, 0, `collect on ${mac.name} exited ${r.code}: ${r.stderr}`);
  const snapshot = JSON.parse(r.stdout) as Snapshot;
  assert.deepEqual(checkSnapshot(snapshot), [], `${mac.name}: the snapshot matches the contract`);
  return snapshot;
}

const user = (s: Snapshot, name: string) => {
  const u = s.users.find((x) => x.name === name);
  assert.ok(u, `user ${name} in ${s.users.map((x) => x.name).join(', ')}`);
  return u;
};

const macs = listMacs();

test('there are simulated Macs to run against', () => {
  for (const name of [
    'applesilicon-compliant',
    'applesilicon-not-escrowed',
    'applesilicon-user-without-token',
    'intel-catalina',
    'filevault-off',
    'filevault-encrypting',
    'not-enrolled',
    'broken',
  ]) {
    assert.ok(macs.includes(name), `test/fixtures/macs/${name} exists`);
  }
});

for (const name of macs) {
  test(`${name}: collect --json prints one valid snapshot; only table commands ran, each with expected arguments`, async () => {
    const mac = simulatedMac(name);
    const s = await collectJson(mac);
    const calls = readCalls(mac.root);
    assert.ok(calls.length >= 10, `${calls.length} calls`);
    for (const call of calls) {
      const exe = call.split(' ')[0] ?? '';
      assert.ok(
        COMMAND_TABLE.some((p) => p.command === exe),
        `ran ${exe}, which is not in the command table`,
      );
    }
    // A fake that saw unexpected arguments exits 64 with "unexpected arguments": never expected here.
    for (const e of s.errors)
      assert.doesNotMatch(e.message, /unexpected arguments/, `${e.probe}: ${e.message}`);
    // Secrets never land in the snapshot: no AuthenticationAuthority hash lists, no Bootstrap Token material.
    assert.doesNotMatch(JSON.stringify(s), /HASHLIST|ShadowHash|SALTED-SHA512|Kerberosv5/);
  });
}

test('applesilicon-compliant (escrowed YES is SYNTHETIC): every fact established, no errors', async () => {
  const s = await collectJson(simulatedMac('applesilicon-compliant'));
  assert.deepEqual(s.errors, []);
  assert.equal(s.device.appleSilicon, true);
  assert.equal(s.bootstrapToken.supportedOnServer, true);
  assert.equal(s.bootstrapToken.escrowed, true);
  assert.equal(s.fileVault.state, 'on');
  assert.equal(s.mdm.enrolled, true);
  assert.ok(s.users.length > 0);
  for (const u of s.users) assert.equal(u.secureToken, true, `${u.name} holds a token`);
  assert.ok(
    s.users.some((u) => u.volumeOwner === true),
    'a local user is a volume owner',
  );
  assert.ok(s.cryptoUsers.some((c) => c.kind === 'mdm_bootstrap_token'));
});

test('applesilicon-not-escrowed: supported on server, escrowed NO (real sample)', async () => {
  const s = await collectJson(simulatedMac('applesilicon-not-escrowed'));
  assert.equal(s.bootstrapToken.supportedOnServer, true);
  assert.equal(s.bootstrapToken.escrowed, false);
  assert.ok(!s.notApplicable.includes('bootstrapToken.escrowed'));
});

test('applesilicon-user-without-token: a user without a token and a mobile account', async () => {
  const s = await collectJson(simulatedMac('applesilicon-user-without-token'));
  assert.ok(
    s.users.some((u) => u.secureToken === false),
    'someone has no token',
  );
  assert.ok(
    s.users.some((u) => u.mobile === true),
    'a mobile account',
  );
});

test('intel-catalina: Intel, no volume owners (not applicable, not "no"), Bootstrap Token unsupported', async () => {
  const s = await collectJson(simulatedMac('intel-catalina'));
  assert.equal(s.device.appleSilicon, false);
  assert.ok(s.notApplicable.includes('bootstrapToken.escrowed'));
  assert.equal(s.bootstrapToken.supportedOnServer, false);
  assert.equal(s.bootstrapToken.escrowed, null);
  for (const u of s.users) assert.equal(u.volumeOwner, null);
  for (const c of s.cryptoUsers) assert.equal(c.volumeOwner, null);
  assert.ok(
    s.notApplicable.some((p) => /volumeOwner/.test(p)),
    s.notApplicable.join(', '),
  );
});

test('filevault-off and filevault-encrypting (SYNTHETIC progress line, exit 2 is a state, not an error)', async () => {
  const off = await collectJson(simulatedMac('filevault-off'));
  assert.equal(off.fileVault.state, 'off');
  const enc = await collectJson(simulatedMac('filevault-encrypting'));
  assert.equal(enc.fileVault.state, 'encrypting');
  assert.ok(!enc.errors.some((e) => e.probe === 'fdesetup_status'), JSON.stringify(enc.errors));
});

test('not-enrolled: MDM enrollment NO, not unknown', async () => {
  const s = await collectJson(simulatedMac('not-enrolled'));
  assert.equal(s.mdm.enrolled, false);
});

test('broken: failing, garbled and hanging commands become errors; the budget kills the hang; the agent exits 0', async () => {
  const mac = simulatedMac('broken');
  const started = performance.now();
  const r = await runAgent(['collect', '--json', ...mac.flags, '--collect-timeout', '3']);
  const ms = performance.now() - started;
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Snapshot;
  assert.deepEqual(checkSnapshot(s), []);
  assert.ok(s.errors.length >= 3, JSON.stringify(s.errors));
  assert.ok(ms < 15_000, `the collection took ${Math.round(ms)} ms despite a hanging command`);
  assert.ok(
    s.errors.some((e) => /timed out|budget/i.test(e.message)),
    'a hang is recorded as timed out',
  );
  // Unknown is never "no": whatever a broken probe should have said is null, not false.
  for (const e of s.errors) assert.ok(e.probe.length > 0 && e.kind.length > 0 && e.message.length > 0);
});

test('status, ea and the cache after collections; a repeat is not a change', async () => {
  const mac = simulatedMac('applesilicon-user-without-token');
  const before = await runAgent(['ea', 'users-without-securetoken', ...mac.flags]);
  assert.equal(before.code, 0);
  assert.equal(before.stdout, '<result>Not collected</result>\n');
  const s = await collectJson(mac);
  await collectJson(mac);
  const ea = await runAgent(['ea', 'users-without-securetoken', ...mac.flags]);
  assert.equal(ea.code, 0);
  const without = s.users.filter((u) => u.secureToken === false && !u.excluded).map((u) => u.name);
  assert.ok(without.length > 0);
  assert.equal(ea.stdout, `<result>${without.join(', ')}</result>\n`);
  const fv = await runAgent(['ea', 'filevault', ...mac.flags]);
  assert.match(fv.stdout, /^<result>(On|Off|Encrypting|Decrypting|Unknown)<\/result>\n$/);
  const last = await runAgent(['ea', 'last-collection', ...mac.flags]);
  assert.match(last.stdout, /^<result>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<\/result>\n$/);
  const unknown = await runAgent(['ea', 'no-such-attribute', ...mac.flags]);
  assert.equal(unknown.code, 2);
  const status = await runAgent(['status', '--json', ...mac.flags]);
  const view = JSON.parse(status.stdout) as {
    snapshots: { changes: number };
    latest: { id: string };
    notRunning: boolean;
  };
  assert.equal(view.snapshots.changes, 1, 'two identical collections are one change');
  assert.equal(view.notRunning, false);
  // The EA summary the collection wrote: root's (the agent's) file, 0644 in the 0700 state directory, a
  // property list another parser reads with the values `ea` prints.
  const summaryFile = path.join(mac.stateDir, 'summary.plist');
  assert.equal(fs.statSync(summaryFile).mode & 0o777, 0o644);
  assert.equal(fs.statSync(summaryFile).uid, process.getuid?.());
  const summary = parsePlist(fs.readFileSync(summaryFile, 'utf8')) as Record<string, unknown>;
  assert.equal(`<result>${String(summary['users-without-securetoken'])}</result>\n`, ea.stdout);
  assert.equal(`<result>${String(summary['last-collection'])}</result>\n`, last.stdout);
  const collectedAt = summary['CollectedAt'];
  assert.ok(collectedAt instanceof Date, 'CollectedAt is a plist date');
  assert.equal(summary['StaleAfterEpoch'], collectedAt.getTime() / 1000 + 2 * 3600);
  // Two intervals later (the file as an old collection left it): every value but the date reads Stale.
  const old = new Date(Date.now() - 2 * 3600_000 - 5000).toISOString().replace(/\.\d+Z$/, 'Z');
  const aged = new Date(Date.now() - 5000).toISOString().replace(/\.\d+Z$/, 'Z');
  fs.writeFileSync(
    summaryFile,
    fs
      .readFileSync(summaryFile, 'utf8')
      .replace(/<key>CollectedAt<\/key>\n\t<date>[^<]+</, `<key>CollectedAt</key>\n\t<date>${old}<`)
      .replace(/<key>StaleAfter<\/key>\n\t<date>[^<]+</, `<key>StaleAfter</key>\n\t<date>${aged}<`),
  );
  const stale = await runAgent(['ea', 'users-without-securetoken', ...mac.flags]);
  assert.equal(stale.stdout, '<result>Stale</result>\n');
  const staleDate = await runAgent(['ea', 'last-collection', ...mac.flags]);
  assert.equal(staleDate.stdout, last.stdout, 'last-collection keeps its date');
  assert.equal(fs.statSync(mac.stateDir).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(mac.stateDir, 'cache.sqlite')).mode & 0o777, 0o600);
});

test('ExcludeUsers from a managed preferences plist marks the user excluded (a profile wins over flags)', async () => {
  const mac = simulatedMac('applesilicon-user-without-token');
  const first = await collectJson(mac);
  const target = first.users.find((u) => u.secureToken === false);
  assert.ok(target);
  const managed = path.join(mac.root, 'Library/Managed Preferences/com.tokenwatch.agent.plist');
  fs.mkdirSync(path.dirname(managed), { recursive: true });
  fs.writeFileSync(
    managed,
    `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>ExcludeUsers</key><array><string>${target.name}</string></array></dict></plist>
`,
  );
  const s = await collectJson(mac, ['--exclude-user', 'somebody-else']);
  assert.equal(user(s, target.name).excluded, true);
  const cfg = await runAgent(['config', ...mac.flags, '--exclude-user', 'somebody-else']);
  assert.match(cfg.stdout, /ExcludeUsers\s+\S.*MANAGED/);
});

test('the log file holds no secrets', async () => {
  const mac = simulatedMac('applesilicon-compliant');
  const secret = 'enroll-secret-that-must-not-appear-anywhere';
  const r = await runAgent([
    'run',
    ...mac.flags,
    '--server-url',
    'http://127.0.0.1:9',
    '--enroll-secret',
    secret,
    '--log-level',
    'debug',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const logFile = path.join(mac.root, 'Library/Logs/tokenwatch/agent.log');
  const log = fs.readFileSync(logFile, 'utf8');
  assert.match(log, /collected/);
  assert.ok(!log.includes(secret));
  assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret));
});

test('a bad flag value is a usage error: exit 2, the reason on stderr, nothing collected', async () => {
  const mac = simulatedMac('applesilicon-compliant');
  const r = await runAgent(['collect', ...mac.flags, '--splay', 'abc']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--splay.*"abc" is not a whole number/);
  assert.match(r.stderr, /nothing was run/);
  assert.equal(r.stdout, '');
  assert.deepEqual(readCalls(mac.root), [], 'no command ran');
  assert.equal(fs.existsSync(path.join(mac.stateDir, 'cache.sqlite')), false);
});

test('ea reads only the summary plist: a corrupt cache does not matter to it; a broken summary answers Unknown, exits 0, and says why on stderr', async () => {
  const mac = simulatedMac('applesilicon-compliant');
  await collectJson(mac);
  fs.writeFileSync(path.join(mac.stateDir, 'cache.sqlite'), 'not a database '.repeat(300));
  const fine = await runAgent(['ea', 'filevault', ...mac.flags]);
  assert.equal(fine.stdout, '<result>On</result>\n', fine.stderr);
  fs.writeFileSync(path.join(mac.stateDir, 'summary.plist'), 'half a plist <dict><key>');
  const r = await runAgent(['ea', 'filevault', ...mac.flags]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '<result>Unknown (summary unreadable)</result>\n');
  assert.match(r.stderr, /the EA summary cannot be read/);
  const status = await runAgent(['status', ...mac.flags]);
  assert.equal(status.code, 3, 'status says the cache is unusable with its own exit code');
  assert.match(status.stderr, /corrupt/);
});

test('a state directory others may write to: collect and status refuse it (exit 3, why), config still answers', async () => {
  const mac = simulatedMac('applesilicon-compliant');
  fs.mkdirSync(mac.stateDir, { recursive: true });
  fs.writeFileSync(path.join(mac.stateDir, 'cache.sqlite'), '');
  fs.chmodSync(mac.stateDir, 0o777);
  const collect = await runAgent(['collect', ...mac.flags]);
  assert.equal(collect.code, 3);
  assert.match(collect.stderr, /writable by group or others \(mode 0777\): refusing to use it/);
  const status = await runAgent(['status', ...mac.flags]);
  assert.equal(status.code, 3);
  const config = await runAgent(['config', ...mac.flags]);
  assert.equal(config.code, 0, config.stderr);
  assert.match(config.stdout, /^StateDir +/m);
  assert.match(
    config.stdout,
    /The collector's last answer: unknown, the cache cannot be read: the state directory .* is writable by group or others/,
  );
  assert.equal(fs.statSync(mac.stateDir).mode & 0o777, 0o777, 'left as it was');
});

test('a managed SplaySeconds does not delay a run typed by hand (no --splay); it bounds a scheduled one', async () => {
  const mac = simulatedMac('applesilicon-compliant');
  const managed = path.join(mac.root, 'Library/Managed Preferences/com.tokenwatch.agent.plist');
  fs.mkdirSync(path.dirname(managed), { recursive: true });
  fs.writeFileSync(
    managed,
    '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n\t<key>SplaySeconds</key>\n\t<integer>86400</integer>\n</dict>\n</plist>\n',
  );
  // Before the change, this run waited a random 0..86400 s (the test's own 60 s timeout ends it).
  const byHand = await runAgent(['run', ...mac.flags], { timeoutMs: 60_000 });
  assert.equal(byHand.code, 0, byHand.stderr);
  assert.ok(byHand.ms < 30_000, `took ${Math.round(byHand.ms)} ms`);
  const config = await runAgent(['config', ...mac.flags, '--splay', '300']);
  assert.match(config.stdout, /^SplaySeconds +86400 +MANAGED {2}\(overrides flag: 300\)$/m);
});

test('the new signals on the real process: files looked at with lstat, admin membership, Platform SSO as the console user', async () => {
  const compliant = simulatedMac('applesilicon-compliant');
  const s = await collectJson(compliant);
  assert.deepEqual(s.errors, []);
  // The stand-in escrow file: its size and the modification time the root gave it.
  assert.deepEqual(s.fileVault.prkEscrowFile, {
    present: true,
    size: fs.statSync(path.join(compliant.root, 'var/db/FileVaultPRK.dat')).size,
    modifiedAt: '2026-04-20T09:30:00.000Z',
  });
  assert.equal(user(s, 'alice').admin, true);
  assert.equal(s.platformSso?.user?.name, 'alice');
  assert.equal(s.platformSso?.user?.registered, true);
  const calls = readCalls(compliant.root);
  assert.ok(
    calls.includes('/bin/launchctl asuser 501 /usr/bin/sudo -u alice /usr/bin/app-sso platform -s'),
    calls.join('\n'),
  );
  assert.ok(calls.includes('/usr/bin/dsmemberutil checkmembership -U alice -G admin'));

  // intel-catalina: grace is an admin only through dsmemberutil (the real nested-group answer); the
  // deferral's record is on disk; macOS 10.15 runs no app-sso.
  const intel = await collectJson(simulatedMac('intel-catalina'));
  assert.deepEqual([user(intel, 'grace').admin, user(intel, 'grace').adminDirect], [true, false]);
  assert.equal(intel.fileVault.deferral?.recordPresent, true);
  assert.equal(intel.platformSso, null);
  assert.ok(intel.notApplicable.includes('platformSso'));
});

test("the fake /bin/launchctl takes only `asuser UID /usr/bin/sudo -u NAME /usr/bin/app-sso platform -s`, for this Mac's console user", async () => {
  const mac = simulatedMac('applesilicon-compliant');
  const launchctl = path.join(mac.root, 'bin/launchctl');
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(launchctl, args, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });
  const ok = await run([
    'asuser',
    '501',
    '/usr/bin/sudo',
    '-u',
    'alice',
    '/usr/bin/app-sso',
    'platform',
    '-s',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^Time: /);
  const refused: [string[], RegExp][] = [
    [['print', 'system/com.tokenwatch.agent'], /expected asuser UID/],
    [
      ['asuser', 'alice', '/usr/bin/sudo', '-u', 'alice', '/usr/bin/app-sso', 'platform', '-s'],
      /UID of asuser is not a number/,
    ],
    [
      ['asuser', '501', '/bin/sh', '-u', 'alice', '/usr/bin/app-sso', 'platform', '-s'],
      /does not run \/usr\/bin\/sudo -u/,
    ],
    [
      ['asuser', '501', '/usr/bin/sudo', '-u', '#0', '/usr/bin/app-sso', 'platform', '-s'],
      /not given a short name/,
    ],
    [
      ['asuser', '501', '/usr/bin/sudo', '-u', 'alice', '/bin/sh', 'platform', '-s'],
      /does not run \/usr\/bin\/app-sso/,
    ],
    // The right form for someone who is not this Mac's console user.
    [
      ['asuser', '502', '/usr/bin/sudo', '-u', 'bob', '/usr/bin/app-sso', 'platform', '-s'],
      /unexpected arguments/,
    ],
  ];
  for (const [args, why] of refused) {
    const r = await run(args);
    assert.equal(r.code, 64, args.join(' '));
    assert.match(r.stderr, why, args.join(' '));
  }
});
