// `tokenwatch alerts test CHANNEL` and `tokenwatch alerts list` as an admin runs them: real processes
// against a real receiver (the test event verified with the standardwebhooks package) and the database a
// collector delivered from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startReceiver } from '../../helpers/receiver.ts';
import { alertRig, delivered, macWith, newSecret, verified } from './alert-setup.ts';

const BIN = new URL('../../../bin/tokenwatch.js', import.meta.url).pathname;
const run = promisify(execFile);

async function tokenwatch(args: string[], env: Record<string, string>) {
  try {
    const r = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

test('alerts test sends a signed test event and prints the answer; a 410 or a refusal exits 1 saying so', async () => {
  const receiver = await startReceiver(() => ({ status: 200, body: 'thanks' }));
  const secret = newSecret();
  const env = { TOKENWATCH_WEBHOOK_URL: receiver.url, TOKENWATCH_WEBHOOK_SECRET: secret };
  try {
    const ok = await tokenwatch(['alerts', 'test', 'webhook'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^webhook \(webhook\): HTTP 200 in \d+ ms, delivered\nanswer: thanks\n$/);
    const [body] = verified(secret, receiver.received);
    assert.equal(body.type, 'test');
    assert.equal(body.data.channel, 'webhook');

    receiver.behave(() => ({ status: 410, body: 'no such hook\u001b[31m' }));
    const gone = await tokenwatch(['alerts', 'test', 'webhook'], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stdout, /HTTP 410/);
    assert.match(gone.stdout, /answer: no such hook\\x1b\[31m/, 'escaped, never raw');
    assert.match(gone.stdout, /endpoint is gone \(410\)/);

    const missing = await tokenwatch(['alerts', 'test', 'nope'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no channel nope \(channels: webhook\)/);
    const badSecret = await tokenwatch(['alerts', 'test', 'webhook'], {
      ...env,
      TOKENWATCH_WEBHOOK_SECRET: 'hunter2',
    });
    assert.equal(badSecret.code, 2);
    assert.match(badSecret.stderr, /is not a Standard Webhooks secret/);
    assert.ok(!badSecret.stderr.includes('hunter2'), 'the secret is not printed');
  } finally {
    await receiver.close();
  }
});

test('alerts list shows each channel, its last delivery and failures, what waits and what is dead', async () => {
  const { c, receiver, secret, stop } = await alertRig(
    { alerts: JSON.stringify({ channels: [], maxAttempts: 1 }) },
    { behave: (_r, n) => (n === 1 ? { status: 200 } : { status: 500, body: 'oops' }) },
  );
  try {
    await macWith(c, false);
    await delivered(c);
    await macWith(c, false);
    await delivered(c);
    const env = {
      TOKENWATCH_WEBHOOK_URL: receiver.url,
      TOKENWATCH_WEBHOOK_SECRET: secret,
      TOKENWATCH_ALERTS: JSON.stringify({ channels: [], maxAttempts: 1 }),
    };
    const r = await tokenwatch(['alerts', 'list', '--db', c.dbPath], env);
    assert.equal(r.code, 0, r.stderr);
    const now = c.clock.now().toISOString();
    assert.equal(
      r.stdout,
      [
        'webhook (webhook): active',
        '  routing: severity info+, rules all, immediate',
        `  last delivery: ${now}`,
        `  last failure:  ${now}: HTTP 500: oops`,
        '  deliveries:    1 delivered, 0 pending, 1 dead',
        '',
      ].join('\n'),
    );
    const json = await tokenwatch(['alerts', 'list', '--db', c.dbPath, '--json'], env);
    assert.equal(JSON.parse(json.stdout)[0].dead, 1);
    const noDb = await tokenwatch(['alerts', 'list'], env);
    assert.equal(noDb.code, 2);
  } finally {
    await stop();
  }
});

test('tokenwatch serve with a broken alert channel stops at once with one line naming it, the secret unprinted', async () => {
  const r = await tokenwatch(['serve', '--db', ':memory:', '--port', '0'], {
    TOKENWATCH_ADMIN_TOKEN: 'admin-token-for-the-alerts-command-test-0123',
    TOKENWATCH_ENROLL_SECRET: 'enroll',
    TOKENWATCH_ALERTS: JSON.stringify({
      channels: [
        { name: 'it', type: 'webhook', url: 'https://hooks.example.com/x', secret: 'hunter2hunter2' },
      ],
    }),
  });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(
    r.stderr,
    /^tokenwatch serve: alerts\.channels\[0\] \(webhook "it"\): secret\[0\] is not a Standard Webhooks secret/,
  );
  assert.ok(!r.stderr.includes('hunter2'));
});
