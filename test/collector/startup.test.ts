// `tokenwatch serve` failing to start, as the real process does it: one line on stderr that says what to
// do, never a stack trace, and the exit status docs/operations.md lists (1: may work later, so systemd
// restarts it; 2: the settings must change first). The other commands open an existing database only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { selfSigned } from '../helpers/certificates.ts';
import { openSqliteStore } from '../../collector/store/sqlite/index.ts';
import { latestSchemaVersion } from '../../collector/store/sqlite/open.ts';
import { EXIT } from '../../collector/startup.ts';

const BIN = new URL('../../bin/tokenwatch.js', import.meta.url).pathname;
const ENV = {
  ...process.env,
  TOKENWATCH_ADMIN_TOKEN: 'adm-secret-123-for-the-startup-test-0123456789',
  TOKENWATCH_ENROLL_SECRET: 'enr-secret-456',
  TOKENWATCH_LOG_LEVEL: 'info',
};

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-startup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A command that must end by itself: its status, stdout and stderr. */
function tokenwatch(args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: ENV,
    encoding: 'utf8',
    timeout: 60_000,
    ...options,
  });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Exactly one line on stderr, nothing that looks like a stack, nothing on stdout but the log. */
function oneLine(r: { stderr: string; stdout: string }, expected: string): void {
  assert.equal(r.stderr, `${expected}\n`);
  assert.doesNotMatch(r.stdout + r.stderr, /^\s+at /m);
}

test('the port in use: one line naming the address and what to do, exit 1 (systemd restarts it)', async (t) => {
  const dir = scratch(t);
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => holder.close());
  const port = (holder.address() as { port: number }).port;
  const r = tokenwatch(['serve', '--db', join(dir, 'c.db'), '--port', String(port)]);
  oneLine(
    r,
    `tokenwatch serve: cannot listen on 127.0.0.1:${port}: the port is in use by another process (another tokenwatch serve?); stop it, or set --port (TOKENWATCH_PORT)`,
  );
  assert.equal(r.status, EXIT.failed);
});

test('an address that is not this machine’s: one line, exit 2', (t) => {
  const dir = scratch(t);
  // 192.0.2.0/24 is TEST-NET-1: never assigned to a machine.
  const r = tokenwatch(['serve', '--db', join(dir, 'c.db'), '--host', '192.0.2.77', '--port', '0']);
  oneLine(
    r,
    'tokenwatch serve: cannot listen on 192.0.2.77:0: 192.0.2.77 is not an address of this machine; set --host (TOKENWATCH_HOST) to one of its addresses, or 0.0.0.0 for all',
  );
  assert.equal(r.status, EXIT.configuration);
});

test('a database directory that does not exist: one line, exit 2, nothing created', (t) => {
  const dir = scratch(t);
  const db = join(dir, 'missing', 'collector.db');
  const r = tokenwatch(['serve', '--db', db, '--port', '0']);
  oneLine(
    r,
    `tokenwatch serve: the database directory ${join(dir, 'missing')} does not exist: create it (the systemd unit's StateDirectory= does) or point --db into an existing directory`,
  );
  assert.equal(r.status, EXIT.configuration);
  assert.deepEqual(readdirSync(dir), []);
});

test('a database directory the collector cannot write: one line naming the user, exit 2', (t) => {
  const dir = scratch(t);
  const ro = join(dir, 'ro');
  mkdirSync(ro);
  chmodSync(dir, 0o755);
  chmodSync(ro, 0o555);
  // root writes everywhere: run as nobody (65534) then, which may read the checkout but not write there.
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? 65534 : (process.getuid?.() ?? 0);
  const r = tokenwatch(
    ['serve', '--db', join(ro, 'collector.db'), '--port', '0'],
    asRoot ? { uid: 65534, gid: 65534 } : {},
  );
  oneLine(
    r,
    `tokenwatch serve: the database directory ${ro} is not writable by uid ${uid}: the collector writes the database and its -wal and -shm files there; run as the directory's owner or fix its permissions`,
  );
  assert.equal(r.status, EXIT.configuration);
  assert.deepEqual(readdirSync(ro), []);
});

test('a file that is not a tokenwatch database: not SQLite, another program’s, a newer release’s; one line each, exit 2, untouched', (t) => {
  const dir = scratch(t);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'these are not the droids\n'.repeat(100));
  const other = join(dir, 'other.db');
  const o = new Database(other);
  o.exec('CREATE TABLE moz_places (id INTEGER); CREATE TABLE moz_bookmarks (id INTEGER)');
  o.close();
  const newer = join(dir, 'newer.db');
  const n = new Database(newer);
  n.exec('CREATE TABLE devices (id INTEGER)');
  n.pragma(`user_version = ${latestSchemaVersion() + 1}`);
  n.close();
  const cases: [string, string][] = [
    [text, `${text} is not a SQLite database, so not a tokenwatch one: check --db`],
    [
      other,
      `${other} is a SQLite database but not a tokenwatch one (no tokenwatch schema version; its tables: moz_bookmarks, moz_places): check --db`,
    ],
    [
      newer,
      `${newer} has schema version ${latestSchemaVersion() + 1}, newer than this release of tokenwatch knows (${latestSchemaVersion()}): a newer release migrated it; run that release, or restore the backup taken before the upgrade (docs/operations.md, Upgrades and rollback)`,
    ],
  ];
  for (const [db, line] of cases) {
    const r = tokenwatch(['serve', '--db', db, '--port', '0']);
    oneLine(r, `tokenwatch serve: ${line}`);
    assert.equal(r.status, EXIT.configuration);
  }
  const check = new Database(other, { readonly: true });
  assert.equal(check.pragma('user_version', { simple: true }), 0);
  assert.deepEqual(
    (check.prepare(`SELECT name FROM sqlite_master ORDER BY name`).all() as { name: string }[]).map(
      (r) => r.name,
    ),
    ['moz_bookmarks', 'moz_places'],
  );
  check.close();
});

test('TLS: a missing certificate file, half a configuration, a key of another certificate; one line each, exit 2, before any database is made', async (t) => {
  const dir = scratch(t);
  const a = await selfSigned();
  const b = await selfSigned();
  writeFileSync(join(dir, 'cert.pem'), a.cert);
  writeFileSync(join(dir, 'key.pem'), a.key);
  writeFileSync(join(dir, 'other-key.pem'), b.key);
  const db = join(dir, 'c.db');
  const cases: [string[], string][] = [
    [
      ['--tls-cert', join(dir, 'fullchain.pem'), '--tls-key', join(dir, 'key.pem')],
      `the TLS certificate file ${join(dir, 'fullchain.pem')} (tlsCert, TOKENWATCH_TLS_CERT) does not exist: correct the path, or set neither tlsCert nor tlsKey for plain HTTP`,
    ],
    [
      ['--tls-cert', join(dir, 'cert.pem')],
      'tlsCert is set but tlsKey is not: HTTPS needs both (TOKENWATCH_TLS_CERT and TOKENWATCH_TLS_KEY); set neither for plain HTTP',
    ],
    [
      ['--tls-key', join(dir, 'key.pem')],
      'tlsKey is set but tlsCert is not: HTTPS needs both (TOKENWATCH_TLS_CERT and TOKENWATCH_TLS_KEY); set neither for plain HTTP',
    ],
    [
      ['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'other-key.pem')],
      `the key in ${join(dir, 'other-key.pem')} (tlsKey) does not belong to the certificate in ${join(dir, 'cert.pem')} (tlsCert): give the key the certificate was issued for`,
    ],
    [
      ['--tls-cert', join(dir, 'key.pem'), '--tls-key', join(dir, 'key.pem')],
      `${join(dir, 'key.pem')} (tlsCert) holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the certificate file, with its chain`,
    ],
  ];
  for (const [flags, line] of cases) {
    const r = tokenwatch(['serve', '--db', db, '--port', '0', ...flags]);
    oneLine(r, `tokenwatch serve: ${line}`);
    assert.equal(r.status, EXIT.configuration);
  }
  assert.equal(existsSync(db), false);
});

/** Start serve, read its log until it listens, stop it: its log lines (JSON) and its exit status. */
async function serveLog(args: string[]): Promise<{ log: Record<string, unknown>[]; status: number | null }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening: ${out} ${err}`)), 60_000);
    child.stdout.on('data', () => {
      if (out.includes('"msg":"collector listening"')) {
        clearTimeout(timer);
        setTimeout(resolve, 100);
      }
    });
    child.on('exit', () => reject(new Error(`exited: ${out} ${err}`)));
  });
  child.kill('SIGTERM');
  const status = await exited;
  assert.equal(err, '', 'nothing on stderr when it is not a terminal: the log has it');
  const log = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, status };
}

const warnings = (log: Record<string, unknown>[]) =>
  log.filter((l) => l['level'] === 40).map((l) => l['msg'] as string);

test('plain HTTP on an address other than loopback logs that tokens travel in clear; --insecure-http acknowledges it; loopback says nothing', async (t) => {
  const dir = scratch(t);
  const db = join(dir, 'c.db');
  writeFileSync(db, '');
  // An empty file is a new database to serve, not a created one: only the plain-HTTP warning remains.
  const open = await serveLog(['--db', db, '--host', '0.0.0.0', '--port', '0']);
  assert.equal(open.status, 0);
  assert.deepEqual(warnings(open.log), [
    "listening on plain HTTP on 0.0.0.0: agents' device tokens, the enroll secret and the admin token cross the network in clear; serve TLS (tlsCert and tlsKey), or listen on 127.0.0.1 behind a TLS proxy, or acknowledge it with --insecure-http (TOKENWATCH_INSECURE_HTTP=true)",
  ]);
  const acknowledged = await serveLog(['--db', db, '--host', '0.0.0.0', '--port', '0', '--insecure-http']);
  assert.deepEqual(warnings(acknowledged.log), []);
  const loopback = await serveLog(['--db', db, '--host', '127.0.0.1', '--port', '0']);
  assert.deepEqual(warnings(loopback.log), []);
});

test('serve creates a missing database in an existing directory and says so in the log; the next start does not', async (t) => {
  const dir = scratch(t);
  const db = join(dir, 'collector.db');
  const first = await serveLog(['--db', db, '--port', '0']);
  assert.deepEqual(warnings(first.log), [
    `created a new, empty database ${db}: right on the first start; if the collector had a database before, stop it and correct --db (TOKENWATCH_DB), then remove ${db}`,
  ]);
  const again = await serveLog(['--db', db, '--port', '0']);
  assert.deepEqual(warnings(again.log), []);
});

test('every other command opens an existing tokenwatch database only: a mistyped --db is one line, exit 2, and no file appears', (t) => {
  const dir = scratch(t);
  const typo = join(dir, 'colector.db');
  const commands: [string, string[]][] = [
    ['exempt', ['exempt', 'add', '--db', typo, '--serial', 'C02X', '--reason', 'loaner', '--by', 'ana']],
    ['exempt', ['exempt', 'list', '--db', typo]],
    ['conflicts', ['conflicts', 'list', '--db', typo]],
    ['prune', ['prune', '--db', typo]],
  ];
  for (const [name, args] of commands) {
    const r = tokenwatch(args);
    oneLine(
      r,
      `tokenwatch ${name}: the database ${typo} does not exist: give the collector's database file (only tokenwatch serve creates one)`,
    );
    assert.equal(r.status, EXIT.configuration);
  }
  // An empty file (touch) is no database either, and stays empty.
  writeFileSync(typo, '');
  const r = tokenwatch(['exempt', 'list', '--db', typo]);
  oneLine(
    r,
    `tokenwatch exempt: ${typo} is an empty database, not the collector's (no tokenwatch schema): check --db`,
  );
  assert.deepEqual(readdirSync(dir), ['colector.db']);
});

test('an existing database is opened as before: exempt add writes into it', async (t) => {
  const dir = scratch(t);
  const db = join(dir, 'collector.db');
  await openSqliteStore(db).close();
  const r = tokenwatch([
    'exempt',
    'add',
    '--db',
    db,
    '--serial',
    'C02X',
    '--reason',
    'loaner',
    '--by',
    'ana',
    '--pre-enrolled',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /[0-9a-f-]{36}/);
});

test('tokenwatch --version prints the release; an unknown command says so before the usage', () => {
  const v = tokenwatch(['--version']);
  assert.equal(v.status, 0);
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(v.stdout, `${pkg.version}\n`);
  const u = tokenwatch(['exempts', 'list']);
  assert.equal(u.status, EXIT.configuration);
  assert.match(u.stderr, /^tokenwatch: unknown command "exempts"\n\nusage:\n {2}tokenwatch serve /);
  const h = tokenwatch(['--help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /^usage:\n/);
});

test('a reader that stops early (tokenwatch openapi | head) ends the command quietly, exit 0, no stack', async () => {
  const child = spawn(process.execPath, [BIN, 'openapi'], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(err, '');
  assert.equal(status, 0);
});
