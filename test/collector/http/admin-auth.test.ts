// Guessing the admin token: 20 failed admin authentications a minute per client address, then 429 with
// Retry-After (the right token too, from that address) until the minute is over; other addresses are not
// slowed; every failure is counted in /metrics. A weak admin token stops the collector from starting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestCollector, ADMIN_TOKEN } from '../../helpers/collector.ts';
import type { TestCollector } from '../../helpers/collector.ts';
import { startCollector } from '../../../collector/main.ts';
import { loadConfig } from '../../../collector/config.ts';

let c: TestCollector;
before(async () => {
  c = await startTestCollector();
});
after(() => c.stop());

/** GET an admin route from a chosen loopback address (the server listens on 127.0.0.1). */
function getFrom(
  localAddress: string,
  token: string,
): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  const u = new URL(`${c.url}/api/v1/summary`);
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        localAddress,
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }),
        );
      },
    );
    req.on('error', reject);
  });
}
const failures = async () =>
  Number(
    /^tokenwatch_admin_auth_failures_total (\d+)$/m.exec((await c.request('GET', '/metrics')).text)?.[1],
  );

test('failed admin authentications are limited per client address, answered 429 with Retry-After, and counted', async (t) => {
  const before = await failures();
  for (let i = 0; i < 20; i++) {
    const r = await getFrom('127.0.0.1', `wrong-guess-${i}`.padEnd(40, 'x'));
    assert.equal(r.status, 401, r.body);
  }
  const limited = await getFrom('127.0.0.1', 'one-more-guess'.padEnd(40, 'x'));
  assert.equal(limited.status, 429);
  assert.deepEqual(JSON.parse(limited.body), {
    error: 'rate_limited',
    message: 'too many failed admin authentications from this address',
  });
  const wait = Number(limited.retryAfter);
  assert.ok(wait > 0 && wait <= 60, `Retry-After ${limited.retryAfter}`);
  // The right token waits too, from that address; another address is not slowed.
  assert.equal((await getFrom('127.0.0.1', ADMIN_TOKEN)).status, 429);
  assert.equal((await getFrom('127.0.0.2', ADMIN_TOKEN)).status, 200);
  assert.equal((await getFrom('127.0.0.2', 'wrong'.padEnd(40, 'y'))).status, 401);
  const counted = (await failures()) - before;
  t.diagnostic(
    `tokenwatch_admin_auth_failures_total +${counted} after 21 wrong tokens (the 21st refused as 429 before checking)`,
  );
  assert.equal(counted, 21, 'the 20 wrong tokens from .1 and the one from .2; a 429 checks no token');
  // After the window, the address may try again.
  c.advanceMonotonic(wait * 1000);
  assert.equal((await getFrom('127.0.0.1', ADMIN_TOKEN)).status, 200);
});

test('a weak admin token stops the collector from starting, with one clear line', async () => {
  for (const [token, message] of [
    [
      'short-token',
      /^adminToken \(TOKENWATCH_ADMIN_TOKEN\) is 11 characters long: it must have at least 32; make one with: openssl rand -base64 32$/,
    ],
    [
      'a'.repeat(40),
      /^adminToken \(TOKENWATCH_ADMIN_TOKEN\) uses only 1 different characters: it must use at least 8/,
    ],
    ['with spaces '.repeat(4), /must be printable ASCII without spaces/],
  ] as const) {
    const { config } = loadConfig({
      env: {},
      flags: {
        db: ':memory:',
        host: '127.0.0.1',
        port: '0',
        adminToken: token,
        enrollSecret: 'enroll-secret',
      },
    });
    await assert.rejects(startCollector(config), { name: 'ConfigError', message });
  }
});
