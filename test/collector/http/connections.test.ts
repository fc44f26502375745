// Slow and idle clients cannot exhaust the collector: a body trickled one byte a second is cut off at the
// request timeout with 408, silent connections at the headers timeout, idle kept-alive ones at the keep-alive
// timeout, and no more than maxConnections are ever open (the rest are closed at once, counted); /healthz
// answers beside connections under the cap and again as soon as the silent ones are gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestCollector } from '../../helpers/collector.ts';
import type { TestCollector } from '../../helpers/collector.ts';
import { loadConfig } from '../../../collector/config.ts';

const REQUEST_S = 3;
const HEADERS_S = 2;
const KEEPALIVE_S = 1;
const CAP = 20;
/** Node checks the deadlines every max(250 ms, a tenth of the shorter timeout); plus scheduling slack. */
const LATE_MS = 250 + 1000;

let c: TestCollector;
before(async () => {
  c = await startTestCollector({
    requestTimeoutSeconds: String(REQUEST_S),
    headersTimeoutSeconds: String(HEADERS_S),
    keepAliveTimeoutSeconds: String(KEEPALIVE_S),
    maxConnections: String(CAP),
  });
});
after(() => c.stop());

interface Raw {
  socket: net.Socket;
  received: () => string;
  closed: Promise<number>;
}
/**
 * A raw TCP client; `closed` resolves with the milliseconds from connect to close, and rejects when the
 * server has not closed it within 10 s (without the limits it never would).
 */
function connect(): Promise<Raw> {
  const u = new URL(c.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname);
    let data = '';
    const t0 = performance.now();
    const closed = new Promise<number>((r, fail) => {
      const never = setTimeout(() => {
        fail(new Error('the server kept the connection open for 10 s'));
        socket.destroy();
      }, 10_000);
      socket.on('close', () => {
        clearTimeout(never);
        r(performance.now() - t0);
      });
    });
    socket.on('data', (d) => (data += d.toString()));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}
const metric = async (name: string): Promise<number> =>
  Number(new RegExp(`^${name} (\\d+)$`, 'm').exec((await c.request('GET', '/metrics')).text)?.[1] ?? NaN);

test('a body sent one byte a second (no credentials needed) is closed at the request timeout with 408 request_timeout', async (t) => {
  const raw = await connect();
  raw.socket.write(
    'POST /api/v1/enroll HTTP/1.1\r\nHost: collector\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n',
  );
  const trickle = setInterval(() => raw.socket.writable && raw.socket.write('{'), 1000);
  const ms = await raw.closed;
  clearInterval(trickle);
  t.diagnostic(`slow body closed after ${Math.round(ms)} ms (requestTimeoutSeconds ${REQUEST_S})`);
  assert.ok(ms >= REQUEST_S * 1000 - 50 && ms <= REQUEST_S * 1000 + LATE_MS, `${ms} ms`);
  assert.match(raw.received(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(
    raw.received(),
    /\{"error":"request_timeout","message":"the request did not arrive in time: headers within 2 s, all of it within 3 s"\}$/,
  );
});

test('silent connections are closed at the headers timeout; idle kept-alive ones at the keep-alive timeout', async (t) => {
  const silent = await connect();
  const silentMs = await silent.closed;
  t.diagnostic(
    `silent connection closed after ${Math.round(silentMs)} ms (headersTimeoutSeconds ${HEADERS_S})`,
  );
  assert.ok(silentMs >= HEADERS_S * 1000 - 50 && silentMs <= HEADERS_S * 1000 + LATE_MS, `${silentMs} ms`);

  const kept = await connect();
  kept.socket.write('GET /healthz HTTP/1.1\r\nHost: collector\r\nConnection: keep-alive\r\n\r\n');
  while (!kept.received().includes('"status":"ok"')) await sleep(10);
  const answeredAt = performance.now();
  await kept.closed;
  const idleMs = performance.now() - answeredAt;
  t.diagnostic(
    `idle kept-alive connection closed ${Math.round(idleMs)} ms after its answer (keepAliveTimeoutSeconds ${KEEPALIVE_S})`,
  );
  // Node keeps the socket keepAliveTimeoutBuffer (1 s) longer than it tells the client, so the client
  // never reuses a connection the server is closing.
  assert.ok(
    idleMs >= KEEPALIVE_S * 1000 - 50 && idleMs <= KEEPALIVE_S * 1000 + 1000 + LATE_MS,
    `${idleMs} ms`,
  );
});

test(`many idle connections: at most maxConnections (${CAP}) are ever open, the rest are dropped at once; /healthz answers`, async (t) => {
  // Under the cap, /healthz answers beside idle connections.
  const some = await Promise.all(Array.from({ length: CAP / 2 }, connect));
  assert.equal((await c.request('GET', '/healthz')).status, 200);
  for (const r of some) r.socket.destroy();
  await Promise.all(some.map((r) => r.closed));
  await sleep(100);

  const droppedBefore = await metric('tokenwatch_connections_dropped_total');
  await sleep(100); // the metrics request's own connection is released
  const attempts = CAP * 10;
  const conns = await Promise.all(Array.from({ length: attempts }, connect));
  let open = conns.length;
  for (const r of conns) void r.closed.then(() => open--);
  await sleep(500);
  t.diagnostic(
    `${attempts} idle connections opened against maxConnections ${CAP}: ${open} still open after 500 ms`,
  );
  assert.ok(open <= CAP, `${open} open`);
  assert.ok(open >= CAP - 2, `the cap admits ${CAP}, ${open} open`);
  // The silent ones are reaped at the headers timeout; then /healthz answers again.
  const reaped = await Promise.all(conns.map((r) => r.closed));
  t.diagnostic(`all closed within ${Math.round(Math.max(...reaped))} ms`);
  assert.ok(Math.max(...reaped) <= HEADERS_S * 1000 + LATE_MS + 500);
  const health = await c.request('GET', '/healthz');
  assert.equal(health.status, 200);
  const dropped = (await metric('tokenwatch_connections_dropped_total')) - droppedBefore;
  t.diagnostic(`tokenwatch_connections_dropped_total +${dropped}`);
  assert.ok(dropped >= attempts - CAP, `${dropped} dropped`);
});

test('the headers timeout cannot exceed the request timeout (one clear line)', () => {
  assert.throws(
    () => loadConfig({ env: {}, flags: { headersTimeoutSeconds: '60', requestTimeoutSeconds: '30' } }),
    /^ConfigError: headersTimeoutSeconds \(60\) must not exceed requestTimeoutSeconds \(30\)/,
  );
});
