// `tokenwatch-agent run` typed by a person: one line per outcome on stdout (collected; queued; enrolled;
// sent, or why not and what to do: no ServerURL, the collector down, a refused enroll secret, https://
// against a plain-HTTP collector, a key that does not match PinSHA256), as the real process prints it with
// --report, and as main() prints it when stdout is a terminal. A launchd run (stdout a file) prints nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../collector/config.ts';
import { createLogger } from '../../collector/log.ts';
import { startCollector } from '../../collector/main.ts';
import type { RunningCollector } from '../../collector/main.ts';
import { main } from '../../agent/main.ts';
import { cleanEnv, runAgent, simulatedMac } from '../helpers/agent-process.ts';
import { freePort } from '../helpers/free-port.ts';
import { selfSigned } from '../helpers/certificates.ts';

const SECRET = 'enroll-secret-for-the-run-report-test-0123456789';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-run-report-'));
let plain: RunningCollector;

async function collector(extra: Record<string, string> = {}): Promise<RunningCollector> {
  const { config } = loadConfig({
    env: {},
    flags: {
      db: path.join(fs.mkdtempSync(path.join(dir, 'db-')), 'c.db'),
      host: '127.0.0.1',
      port: '0',
      adminToken: 'admin-token-for-the-run-report-test-0123456789',
      enrollSecret: SECRET,
      logLevel: 'silent',
      ...extra,
    },
  });
  return startCollector(config, { logger: createLogger('silent') });
}

before(async () => {
  plain = await collector();
});
after(async () => {
  await plain.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = (flags: string[], secret = SECRET) =>
  runAgent(['run', '--report', ...flags], { env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: secret }) });

const lines = (stdout: string) => stdout.split('\n').filter((l) => l !== '');

test('enrolled and sent, then a check-in: one line each', async () => {
  const mac = simulatedMac('applesilicon-compliant');
  const r = await run([...mac.flags, '--server-url', plain.url]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), [
    'collected: every probe answered; changed since the last collection',
    'queued: the snapshot',
    `enrolled: ${plain.url} issued this Mac's device token`,
    `sent: 1 item to ${plain.url}`,
  ]);
  const again = await run([...mac.flags, '--server-url', plain.url, '--min-interval', '0']);
  assert.deepEqual(lines(again.stdout), [
    'collected: every probe answered; unchanged since the last collection',
    'queued: a check-in (nothing changed; it tells the collector this Mac is alive)',
    `sent: 1 item to ${plain.url}`,
  ]);
  const quiet = await run([...mac.flags, '--server-url', plain.url]);
  assert.deepEqual(lines(quiet.stdout), [
    'collected: every probe answered; unchanged since the last collection',
    'not queued: nothing changed and the collector heard from this Mac within MinIntervalSeconds (900 s)',
    'sent: nothing was waiting',
  ]);
});

test('why nothing was sent: no ServerURL; the collector down; a wrong enroll secret; the queue in backoff', async () => {
  const none = simulatedMac('applesilicon-compliant');
  const r = await run(none.flags);
  assert.deepEqual(lines(r.stdout).slice(1), [
    'queued: the snapshot',
    'not sent: no ServerURL configured: the snapshot stays in the local cache; 1 snapshot queued',
  ]);

  const down = simulatedMac('applesilicon-compliant');
  const url = `http://127.0.0.1:${await freePort()}`;
  const d = await run([...down.flags, '--server-url', url]);
  assert.equal(
    lines(d.stdout).at(-1),
    `not sent: collector unreachable: ${url}: connection refused: nothing listens on that port (the collector is down, or ServerURL names the wrong port); 1 snapshot queued`,
  );
  const backoff = await run([...down.flags, '--server-url', url, '--min-interval', '0']);
  assert.match(
    lines(backoff.stdout).at(-1) ?? '',
    /^not sent: the queue waits for its next attempt at \d{4}-\d\d-\d\dT[\d:.]+Z after earlier failures \(--retry-now sends it now\); 1 snapshot and 1 check-in queued$/,
  );

  const wrong = simulatedMac('not-enrolled');
  const w = await run([...wrong.flags, '--server-url', plain.url], 'not-the-secret');
  assert.match(
    lines(w.stdout).at(-1) ?? '',
    /^not sent: enrollment refused \(HTTP 401 [a-z_]+: .*\): EnrollSecret is not the collector's enroll secret; set the collector's \(its TOKENWATCH_ENROLL_SECRET\) in the profile or the preferences; snapshots stay queued until then; 1 snapshot queued$/,
  );
});

test('https:// against a plain-HTTP collector is said in words, not an OpenSSL code; a key that does not match the pin is "not trusted"', async () => {
  const mac = simulatedMac('applesilicon-compliant');
  const httpsUrl = plain.url.replace('http://', 'https://');
  const r = await run([...mac.flags, '--server-url', httpsUrl]);
  const last = lines(r.stdout).at(-1) ?? '';
  assert.equal(
    last,
    `not sent: collector unreachable: ${httpsUrl} does not answer TLS: ServerURL says https://, but the server there speaks plain HTTP (or another protocol); serve TLS on the collector (tlsCert and tlsKey) or point ServerURL at the TLS proxy's port; 1 snapshot queued`,
  );
  assert.doesNotMatch(r.stdout, /SSL routines|0A00010B|ERR_SSL/);

  const cert = await selfSigned();
  fs.writeFileSync(path.join(dir, 'cert.pem'), cert.cert);
  fs.writeFileSync(path.join(dir, 'key.pem'), cert.key);
  const tls = await collector({ tlsCert: path.join(dir, 'cert.pem'), tlsKey: path.join(dir, 'key.pem') });
  try {
    const pinned = simulatedMac('applesilicon-compliant');
    const p = await run([...pinned.flags, '--server-url', tls.url, '--pin-sha256', 'ab'.repeat(32)]);
    assert.match(
      lines(p.stdout).at(-1) ?? '',
      /^not sent: collector not trusted: .*PinSHA256.*; 1 snapshot queued$/,
    );
    const unpinned = simulatedMac('applesilicon-compliant');
    const u = await run([...unpinned.flags, '--server-url', tls.url]);
    assert.match(
      lines(u.stdout).at(-1) ?? '',
      /^not sent: collector not trusted: https:\/\/127\.0\.0\.1:\d+'s certificate is not trusted by this Mac \(self[- ]signed certificate\): set PinSHA256 to the collector's key pin \(tokenwatch pin --cert FILE on the collector\)/,
    );
  } finally {
    await tls.close();
  }
});

test('quiet unless a person is watching: nothing on stdout without a terminal or --report; the same lines when stdout is a terminal', async () => {
  const mac = simulatedMac('applesilicon-compliant');
  const launchd = await runAgent(['run', ...mac.flags], { env: cleanEnv() });
  assert.equal(launchd.code, 0, launchd.stderr);
  assert.equal(launchd.stdout, '');
  let out = '';
  const code = await main({
    argv: ['run', ...mac.flags],
    env: cleanEnv(),
    stdoutIsTTY: true,
    stdout: (s) => (out += s),
    stderr: () => undefined,
  });
  assert.equal(code, 0);
  assert.deepEqual(lines(out), [
    'collected: every probe answered; unchanged since the last collection',
    'queued: a check-in (nothing changed; it tells the collector this Mac is alive)',
    'not sent: no ServerURL configured: the snapshot stays in the local cache; 1 snapshot and 1 check-in queued',
  ]);
});
