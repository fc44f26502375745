// System suite: deploy/systemd checked by systemd's own tools (Debian package systemd) and the collector's
// system calls recorded by strace (Debian package strace):
// - systemd-analyze verify finds nothing in the units (it exits 0 on unknown keys and unparsable values,
//   so its output must be empty too), with the low-port drop-in as well;
// - systemd-analyze security --offline rates the exposure (printed) within a bound;
// - systemd-sysusers and systemd-tmpfiles make the user and the directories in a scratch root;
// - every system call the collector and the backup make, run as an unprivileged user through a workload
//   (enroll, upload, check-in, admin reads, exemptions, metrics, backup, SIGTERM), is one the units'
//   SystemCallFilter allows: the filter cannot be tried here without systemd as PID 1, the calls can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { snapshotFor } from '../helpers/collector.ts';
import {
  INSTALL,
  ROOT,
  SYSTEMD_DIR,
  SYSTEMD_PATH,
  collectorEnvironment,
  execStart,
  expandSpecifiers,
  listening,
  readUnit,
  runService,
  values,
} from './unit-file.ts';

const run = promisify(execFile);
const INSTALL_SYSTEMD = 'apt-get install -y systemd';
const UNITS = ['tokenwatch.service', 'tokenwatch-backup.service', 'tokenwatch-backup.timer'];

async function capture(cmd: string, args: string[], install: string) {
  try {
    const r = await run(cmd, args, { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new Error(`${cmd} is missing: ${install}`);
    return { code: Number(err.code), stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/**
 * The units in a scratch directory as systemd-analyze needs them: verify refuses a unit whose ExecStart
 * does not exist, so the install prefix points at this checkout (the same tree `npm ci --omit=dev` makes).
 */
function scratchUnits(dropIns: string[] = []): string {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'tokenwatch-units-'));
  for (const u of UNITS) {
    const text = fs.readFileSync(path.join(SYSTEMD_DIR, u), 'utf8').replaceAll(INSTALL, ROOT);
    fs.writeFileSync(path.join(dir, u), text);
  }
  for (const d of dropIns) {
    fs.mkdirSync(path.join(dir, 'tokenwatch.service.d'), { recursive: true });
    fs.copyFileSync(path.join(SYSTEMD_DIR, d), path.join(dir, 'tokenwatch.service.d', d));
  }
  return dir;
}

test('systemd-analyze verify finds nothing in the units, with and without the low-port drop-in', async () => {
  for (const dropIns of [[], ['bind-low-port.conf']]) {
    const dir = scratchUnits(dropIns);
    try {
      const r = await capture(
        'systemd-analyze',
        ['verify', ...UNITS.map((u) => path.join(dir, u))],
        INSTALL_SYSTEMD,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout + r.stderr, '', `verify warns (drop-ins: ${dropIns.join(', ') || 'none'})`);
      // What an empty output rules out: a mistyped key is only a warning, exit status 0.
      const typo = path.join(dir, 'tokenwatch.service');
      fs.writeFileSync(typo, fs.readFileSync(typo, 'utf8').replace('ProtectHome=yes', 'ProtectHomes=yes'));
      const warned = await capture('systemd-analyze', ['verify', typo], INSTALL_SYSTEMD);
      assert.equal(warned.code, 0);
      assert.match(warned.stderr, /Unknown key 'ProtectHomes' in section \[Service\]/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

async function exposure(unitPath: string): Promise<{ score: number; verdict: string }> {
  const r = await capture(
    'systemd-analyze',
    ['security', '--offline=true', '--no-pager', unitPath],
    INSTALL_SYSTEMD,
  );
  assert.equal(r.code, 0, r.stderr);
  const m = /Overall exposure level for \S+: (\d+\.\d) (\S+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  return { score: Number(m[1]), verdict: m[2] as string };
}

test('systemd-analyze security rates the services well within bounds', async (t) => {
  const plain = scratchUnits();
  const lowPort = scratchUnits(['bind-low-port.conf']);
  try {
    const collector = await exposure(path.join(plain, 'tokenwatch.service'));
    const withDropIn = await exposure(path.join(lowPort, 'tokenwatch.service'));
    const backup = await exposure(path.join(plain, 'tokenwatch-backup.service'));
    t.diagnostic(`tokenwatch.service ${collector.score} ${collector.verdict}`);
    t.diagnostic(`tokenwatch.service + bind-low-port.conf ${withDropIn.score} ${withDropIn.verdict}`);
    t.diagnostic(`tokenwatch-backup.service ${backup.score} ${backup.verdict}`);
    assert.ok(collector.score <= 1.5, `collector ${collector.score}`);
    assert.ok(withDropIn.score <= 2.0, `collector on a low port ${withDropIn.score}`);
    assert.ok(backup.score <= 1.0, `backup ${backup.score}`);
    assert.ok(withDropIn.score > collector.score, 'the drop-in is counted');
  } finally {
    fs.rmSync(plain, { recursive: true, force: true });
    fs.rmSync(lowPort, { recursive: true, force: true });
  }
});

test('systemd-sysusers and systemd-tmpfiles make the user and the directories in a scratch root', async () => {
  const root = fs.mkdtempSync(path.join(tmpdir(), 'tokenwatch-root-'));
  try {
    fs.mkdirSync(path.join(root, 'etc'));
    const users = await capture(
      'systemd-sysusers',
      [`--root=${root}`, path.join(SYSTEMD_DIR, 'tokenwatch.sysusers')],
      INSTALL_SYSTEMD,
    );
    assert.equal(users.code, 0, users.stderr);
    const passwd = fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8');
    const entry =
      /^tokenwatch:x:(\d+):(\d+):tokenwatch collector:\/var\/lib\/tokenwatch:\/usr\/sbin\/nologin$/m.exec(
        passwd,
      );
    assert.ok(entry, passwd);
    const [uid, gid] = [Number(entry[1]), Number(entry[2])];
    assert.ok(uid > 0 && uid < 1000, `a system user (${uid})`);
    const dirs = await capture(
      'systemd-tmpfiles',
      [`--root=${root}`, '--create', path.join(SYSTEMD_DIR, 'tokenwatch.tmpfiles')],
      INSTALL_SYSTEMD,
    );
    assert.equal(dirs.code, 0, dirs.stderr);
    const st = (p: string) => {
      const s = fs.statSync(path.join(root, p));
      return { mode: (s.mode & 0o777).toString(8), uid: s.uid, gid: s.gid };
    };
    assert.deepEqual(st('etc/tokenwatch'), { mode: '755', uid: 0, gid: 0 });
    assert.deepEqual(st('etc/tokenwatch/tls'), { mode: '750', uid: 0, gid });
    assert.deepEqual(st('var/backups/tokenwatch'), { mode: '700', uid, gid });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

/** The system calls a SystemCallFilter allows: the allow-list minus the `~` deny-lists, groups expanded. */
async function allowedSyscalls(filters: string[]): Promise<Set<string>> {
  const cache = new Map<string, string[]>();
  const expand = async (name: string, seen = new Set<string>()): Promise<string[]> => {
    if (!name.startsWith('@')) return [name];
    if (seen.has(name)) return [];
    seen.add(name);
    let listed = cache.get(name);
    if (!listed) {
      const r = await capture('systemd-analyze', ['syscall-filter', '--no-pager', name], INSTALL_SYSTEMD);
      assert.equal(r.code, 0, r.stderr);
      listed = r.stdout
        .split('\n')
        .slice(1)
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'));
      cache.set(name, listed);
    }
    const out: string[] = [];
    for (const item of listed) out.push(...(await expand(item, seen)));
    return out;
  };
  const allowed = new Set<string>();
  const denied = new Set<string>();
  for (const f of filters) {
    const deny = f.startsWith('~');
    for (const name of (deny ? f.slice(1) : f).split(/\s+/))
      for (const call of await expand(name)) (deny ? denied : allowed).add(call);
  }
  for (const call of denied) allowed.delete(call);
  assert.ok(allowed.has('read') && allowed.has('epoll_wait') && !allowed.has('mount'), 'the groups expanded');
  return allowed;
}

/** System calls in an `strace -f` log, from the exec of Node.js on (strace's own start and -u are not the service's). */
function syscallsOf(log: string): Map<string, number> {
  const lines = log.split('\n');
  const start = lines.findIndex((l) => /execve\("[^"]*node", .* = 0$/.test(l));
  assert.ok(start >= 0, 'the trace shows the exec of node');
  const calls = new Map<string, number>();
  for (const l of lines.slice(start)) {
    const m = /^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)(?:\(| resumed>)/.exec(l);
    if (m) calls.set(m[1] as string, (calls.get(m[1] as string) ?? 0) + 1);
  }
  return calls;
}

function request(
  url: string,
  ca: string,
  method: string,
  p: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = https.request(
      `${url}${p}`,
      {
        method,
        ca,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const INSTALL_STRACE = 'apt-get install -y strace';
/** An unprivileged user to run as when the suite runs as root (as the service runs as tokenwatch). */
const NOBODY = { name: 'nobody', uid: 65534, gid: 65534 };

test("every system call the collector and the backup make is one the units' SystemCallFilter allows", async (t) => {
  const collectorUnit = readUnit('tokenwatch.service');
  const backupUnit = readUnit('tokenwatch-backup.service');
  assert.deepEqual(
    values(backupUnit, 'Service', 'SystemCallFilter'),
    values(collectorUnit, 'Service', 'SystemCallFilter'),
  );
  const allowed = await allowedSyscalls(values(collectorUnit, 'Service', 'SystemCallFilter'));
  assert.equal(spawnSync('strace', ['-V']).error, undefined, `strace is missing: ${INSTALL_STRACE}`);

  const dir = fs.mkdtempSync(path.join(tmpdir(), 'tokenwatch-strace-'));
  fs.chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const strace = (log: string, argv: string[]) => [
    'strace',
    '-f',
    '-qq',
    '-o',
    path.join(dir, log),
    ...(asRoot ? ['-u', NOBODY.name] : []),
    ...argv,
  ];
  let collectorPid = 0;
  try {
    const { env, ca } = await collectorEnvironment(dir);
    if (asRoot)
      for (const p of ['tokenwatch', 'tls', 'tls/privkey.pem'])
        fs.chownSync(path.join(dir, p), NOBODY.uid, NOBODY.gid);
    const svc = runService(strace('collector.trace', execStart(collectorUnit)), env);
    const url = await listening(svc, 60_000);
    collectorPid = (
      JSON.parse(
        svc
          .out()
          .split('\n')
          .find((l) => l.startsWith('{')) ?? '{}',
      ) as { pid: number }
    ).pid;
    assert.ok(collectorPid > 0, svc.out());
    const admin = env['TOKENWATCH_ADMIN_TOKEN'] as string;
    for (let i = 0; i < 5; i++) {
      const serial = `C02STRACE${i}`;
      const hardwareUuid = randomUUID().toUpperCase();
      const e = await request(url, ca, 'POST', '/api/v1/enroll', {
        body: { enrollSecret: env['TOKENWATCH_ENROLL_SECRET'], serial, hardwareUuid },
      });
      assert.equal(e.status, 200, JSON.stringify(e.json));
      const token = (e.json as { deviceToken: string }).deviceToken;
      let digest = '';
      for (const host of ['a', 'b']) {
        const s = snapshotFor(serial, hardwareUuid, (x) => {
          x.device.hostname = host;
        });
        const up = await request(url, ca, 'POST', '/api/v1/snapshots', { token, body: s });
        assert.equal(up.status, 200, JSON.stringify(up.json));
        digest = (up.json as { digest: string }).digest;
      }
      const c = await request(url, ca, 'POST', '/api/v1/checkins', {
        token,
        body: {
          schema: 'tokenwatch.checkin/1',
          id: randomUUID(),
          digest,
          collectedAt: '2026-03-02T12:00:00.000Z',
          consoleUser: null,
        },
      });
      assert.equal(c.status, 200, JSON.stringify(c.json));
    }
    const exemption = await request(url, ca, 'POST', '/api/v1/exemptions', {
      token: admin,
      body: { serial: 'C02STRACE0', reason: 'strace workload', createdBy: 'test' },
    });
    assert.equal(exemption.status, 201, JSON.stringify(exemption.json));
    for (const p of [
      '/api/v1/devices',
      '/api/v1/devices/C02STRACE1',
      '/api/v1/summary',
      '/api/v1/enrollments',
      '/metrics',
      '/healthz',
    ])
      assert.equal((await request(url, ca, 'GET', p, { token: admin })).status, 200, p);

    // The backup unit's command, on the running collector's database, under the same filter.
    fs.mkdirSync(path.join(dir, 'backups'));
    if (asRoot) fs.chownSync(path.join(dir, 'backups'), NOBODY.uid, NOBODY.gid);
    const backupArgv = execStart(backupUnit, (a) =>
      expandSpecifiers(a, dir).replace('/var/backups/tokenwatch', path.join(dir, 'backups')),
    );
    const b = runService(strace('backup.trace', backupArgv), { PATH: SYSTEMD_PATH });
    assert.equal(await b.exited, 0, b.err());
    assert.match(b.out(), /integrity ok/);

    // SIGTERM to the collector itself (strace passes its exit status on; a signal to strace would only detach).
    process.kill(collectorPid, 'SIGTERM');
    assert.equal(await svc.exited, 0, svc.err());
    collectorPid = 0;

    for (const log of ['collector.trace', 'backup.trace']) {
      const calls = syscallsOf(fs.readFileSync(path.join(dir, log), 'utf8'));
      t.diagnostic(`${log}: ${calls.size} different system calls`);
      assert.ok(calls.has('openat') && calls.has('pwrite64'), `${log} recorded the work`);
      const refused = [...calls.keys()].filter((c) => !allowed.has(c));
      assert.deepEqual(refused, [], `${log}: calls the filter refuses (EPERM under systemd)`);
    }
  } finally {
    if (collectorPid > 0) process.kill(collectorPid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
