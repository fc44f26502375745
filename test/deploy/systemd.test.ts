// deploy/systemd read as systemd would: the collector's unit runs the pinned Node from the install as its
// own user, keeps the database in its StateDirectory, takes secrets from a root-only EnvironmentFile and
// carries the hardening docs/operations.md promises; the backup service, timer, sysusers and tmpfiles
// agree on the user and the directories; and the units' command lines, run here with the install mapped
// onto this checkout and the example environment, serve and back up for real.
// (systemd-analyze verify and security run in the system suite: systemd.system.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SETTINGS } from '../../collector/config.ts';
import { EXIT } from '../../collector/startup.ts';
import { startTestCollector, snapshotFor } from '../helpers/collector.ts';
import {
  INSTALL,
  SYSTEMD_DIR,
  SYSTEMD_PATH,
  collectorEnvironment,
  listening,
  execStart,
  expandSpecifiers,
  parseEnvironmentFile,
  readUnit,
  runService,
  value,
  values,
} from './unit-file.ts';
import type { Unit } from './unit-file.ts';

const collector = readUnit('tokenwatch.service');
const backup = readUnit('tokenwatch-backup.service');
const timer = readUnit('tokenwatch-backup.timer');
const envExample = fs.readFileSync(path.join(SYSTEMD_DIR, 'tokenwatch.env.example'), 'utf8');

/** Hardening both services carry, with the value each must have. */
const HARDENING: Record<string, string> = {
  NoNewPrivileges: 'yes',
  CapabilityBoundingSet: '',
  AmbientCapabilities: '',
  ProtectSystem: 'strict',
  ProtectHome: 'yes',
  PrivateTmp: 'yes',
  PrivateDevices: 'yes',
  PrivateUsers: 'yes',
  PrivateMounts: 'yes',
  ProtectHostname: 'yes',
  ProtectClock: 'yes',
  ProtectKernelTunables: 'yes',
  ProtectKernelModules: 'yes',
  ProtectKernelLogs: 'yes',
  ProtectControlGroups: 'yes',
  ProtectProc: 'invisible',
  ProcSubset: 'pid',
  RestrictNamespaces: 'yes',
  RestrictRealtime: 'yes',
  RestrictSUIDSGID: 'yes',
  LockPersonality: 'yes',
  RemoveIPC: 'yes',
  SystemCallArchitectures: 'native',
  SystemCallErrorNumber: 'EPERM',
  UMask: '0077',
  // V8 makes the pages it compiled executable; with `yes` Node.js aborts (docs/operations.md shows it).
  MemoryDenyWriteExecute: 'no',
};

function hardeningOf(unit: Unit): Record<string, string | undefined> {
  return Object.fromEntries(Object.keys(HARDENING).map((k) => [k, value(unit, 'Service', k)]));
}

function seconds(span: string): number {
  const m = /^(\d+)(s|min)?$/.exec(span);
  assert.ok(m, `a time span in s or min: ${span}`);
  return Number(m[1]) * (m[2] === 'min' ? 60 : 1);
}

test('the collector runs the pinned Node of the install as its own user, its database in StateDirectory', () => {
  assert.equal(value(collector, 'Service', 'User'), 'tokenwatch');
  assert.equal(value(collector, 'Service', 'Group'), 'tokenwatch');
  assert.equal(value(collector, 'Service', 'StateDirectory'), 'tokenwatch');
  assert.equal(value(collector, 'Service', 'StateDirectoryMode'), '0700');
  assert.deepEqual(values(collector, 'Service', 'Environment'), ['TOKENWATCH_DB=%S/tokenwatch/collector.db']);
  // No leading '-': a missing secrets file stops the start instead of starting without secrets.
  assert.deepEqual(values(collector, 'Service', 'EnvironmentFile'), ['/etc/tokenwatch/tokenwatch.env']);
  const argv = (value(collector, 'Service', 'ExecStart') ?? '').split(/\s+/);
  assert.deepEqual(argv, [`${INSTALL}/node_modules/.bin/node`, `${INSTALL}/bin/tokenwatch.js`, 'serve']);
  // The install is this tree after `npm ci --omit=dev`: both paths exist here.
  for (const p of execStart(collector).slice(0, 2)) assert.ok(fs.existsSync(p), p);
  assert.equal(value(collector, 'Service', 'Type'), 'exec');
  assert.equal(value(collector, 'Service', 'Restart'), 'on-failure');
  // A start refused for its settings (exit status EXIT.configuration) fails the same way when restarted.
  assert.equal(value(collector, 'Service', 'RestartPreventExitStatus'), String(EXIT.configuration));
  // SIGTERM answers what is in flight, which the request timeout bounds, then closes the database.
  const stop = seconds(value(collector, 'Service', 'TimeoutStopSec') ?? '');
  assert.ok(stop >= 2 * SETTINGS.requestTimeoutSeconds.default, `TimeoutStopSec ${stop} s`);
  // Every connection is a file descriptor: the cap, then the database's, the sockets' and the log's.
  const files = Number(value(collector, 'Service', 'LimitNOFILE'));
  assert.ok(files >= SETTINGS.maxConnections.default + 256, `LimitNOFILE ${files}`);
  assert.equal(value(collector, 'Install', 'WantedBy'), 'multi-user.target');
});

test('both services carry the hardening, and only the collector may use the network', () => {
  assert.deepEqual(hardeningOf(collector), HARDENING);
  assert.deepEqual(hardeningOf(backup), HARDENING);
  for (const unit of [collector, backup])
    assert.deepEqual(values(unit, 'Service', 'SystemCallFilter'), [
      '@system-service',
      '~@privileged @resources',
    ]);
  assert.equal(value(collector, 'Service', 'RestrictAddressFamilies'), 'AF_INET AF_INET6 AF_UNIX');
  assert.equal(value(backup, 'Service', 'RestrictAddressFamilies'), 'none');
  assert.equal(value(backup, 'Service', 'PrivateNetwork'), 'yes');
  assert.equal(value(backup, 'Service', 'IPAddressDeny'), 'any');
});

test('the backup service, its timer, sysusers and tmpfiles agree on the user and the directories', () => {
  const sysusers = fs
    .readFileSync(path.join(SYSTEMD_DIR, 'tokenwatch.sysusers'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  assert.deepEqual(
    sysusers.map((l) => l.match(/"[^"]*"|\S+/g)),
    [['u', 'tokenwatch', '-', '"tokenwatch collector"', '/var/lib/tokenwatch', '/usr/sbin/nologin']],
  );
  const tmpfiles = fs
    .readFileSync(path.join(SYSTEMD_DIR, 'tokenwatch.tmpfiles'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split(/\s+/));
  assert.deepEqual(tmpfiles, [
    ['d', '/etc/tokenwatch', '0755', 'root', 'root', '-'],
    ['d', '/etc/tokenwatch/tls', '0750', 'root', 'tokenwatch', '-'],
    ['d', '/var/backups/tokenwatch', '0700', 'tokenwatch', 'tokenwatch', '-'],
  ]);

  assert.equal(value(backup, 'Service', 'User'), value(collector, 'Service', 'User'));
  assert.equal(value(backup, 'Service', 'Type'), 'oneshot');
  const argv = (value(backup, 'Service', 'ExecStart') ?? '').split(/\s+/);
  assert.deepEqual(argv.slice(0, 3), [
    `${INSTALL}/node_modules/.bin/node`,
    `${INSTALL}/bin/tokenwatch.js`,
    'backup',
  ]);
  const flag = (name: string) => argv[argv.indexOf(name) + 1];
  // The database the collector writes, and the directory tmpfiles makes and the sandbox leaves writable.
  assert.equal(`TOKENWATCH_DB=${flag('--db')}`, values(collector, 'Service', 'Environment')[0]);
  assert.equal(flag('--out-dir'), '/var/backups/tokenwatch');
  assert.deepEqual(values(backup, 'Service', 'ReadWritePaths'), ['/var/backups/tokenwatch']);
  assert.match(flag('--keep') ?? '', /^[1-9]\d*$/);
  assert.equal(value(backup, 'Service', 'StateDirectory'), 'tokenwatch');

  assert.match(value(timer, 'Timer', 'OnCalendar') ?? '', /^\*-\*-\* \d\d:\d\d:\d\d$/);
  assert.equal(value(timer, 'Timer', 'Persistent'), 'true');
  assert.equal(value(timer, 'Install', 'WantedBy'), 'timers.target');
});

test('the environment file example names real settings only, and leaves both secrets to be made', () => {
  const { active, commented } = parseEnvironmentFile(envExample);
  const known = new Set(Object.values(SETTINGS).map((s) => s.env));
  for (const name of [...active.keys(), ...commented.keys()])
    assert.ok(known.has(name), `${name} is a setting`);
  assert.equal(active.get('TOKENWATCH_ADMIN_TOKEN'), 'REPLACE-ME');
  assert.equal(active.get('TOKENWATCH_ENROLL_SECRET'), 'REPLACE-ME');
  // The unit sets the database; the example does not move it elsewhere by accident.
  assert.equal(active.has('TOKENWATCH_DB'), false);
  assert.equal(commented.get('TOKENWATCH_TRUST_PROXY'), 'true');
});

test("the collector unit's command and environment, with the example's settings, serve TLS and stop cleanly on SIGTERM", async () => {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'tokenwatch-unit-'));
  const { env, ca } = await collectorEnvironment(dir);
  const svc = runService(execStart(collector), env);
  try {
    const url = await listening(svc);
    const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      https
        .get(`${url}/healthz`, { ca }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
    assert.deepEqual(health, {
      status: 200,
      body: '{"status":"ok","devices":0,"database":{"backend":"sqlite","state":"ready","detail":null}}',
    });
    assert.ok(
      fs.existsSync(path.join(dir, 'tokenwatch/collector.db')),
      'the database is in the state directory',
    );
  } finally {
    svc.child.kill('SIGTERM');
  }
  const stopSec = seconds(value(collector, 'Service', 'TimeoutStopSec') ?? '');
  const code = await Promise.race([
    svc.exited,
    new Promise<string>((resolve) => setTimeout(() => resolve('still running'), stopSec * 1000).unref()),
  ]);
  assert.equal(code, 0, svc.err());
  // Logs are JSON lines on stdout (journald keeps them); the secrets never appear.
  const lines = svc
    .out()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  assert.ok(lines.length > 0);
  for (const l of lines) assert.equal(typeof (JSON.parse(l) as { level: unknown }).level, 'number');
  assert.ok(!svc.out().includes(env['TOKENWATCH_ADMIN_TOKEN'] as string));
  assert.ok(!svc.out().includes(env['TOKENWATCH_ENROLL_SECRET'] as string));
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the backup unit's command backs up the collector's database into its directory while it runs", async () => {
  const c = await startTestCollector();
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'tokenwatch-unit-backup-'));
  try {
    const d = await c.device();
    assert.equal((await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid))).status, 200);
    // The collector's database where the unit expects it (%S/tokenwatch/collector.db), here a link to it.
    fs.mkdirSync(path.join(dir, 'state/tokenwatch'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'backups'));
    const argv = execStart(backup, (a) =>
      expandSpecifiers(a, path.join(dir, 'state')).replace(
        '/var/backups/tokenwatch',
        path.join(dir, 'backups'),
      ),
    );
    const db = argv[argv.indexOf('--db') + 1] as string;
    assert.equal(db, path.join(dir, 'state/tokenwatch/collector.db'));
    fs.symlinkSync(c.dbPath, db);
    const svc = runService(argv, { PATH: SYSTEMD_PATH });
    assert.equal(await svc.exited, 0, svc.err());
    assert.match(svc.out(), /^backed up .+ to .+\/backups\/collector-\d{8}T\d{6}Z\.db: .+integrity ok/);
    assert.equal(fs.readdirSync(path.join(dir, 'backups')).length, 1);
  } finally {
    await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the low-port drop-in grants exactly the bind capability, which needs the host user namespace', () => {
  const dropIn = readUnit('bind-low-port.conf');
  assert.deepEqual([...dropIn.keys()], ['Service']);
  assert.deepEqual(
    (dropIn.get('Service') ?? []).map((e) => `${e.key}=${e.value}`),
    [
      'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
      'PrivateUsers=no',
    ],
  );
});
