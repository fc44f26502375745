// The uploader against a real HTTP receiver that scripts the collector's answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { openCache } from '../../../agent/cache/open.ts';
import { enqueue, outboxSummary, dueItems } from '../../../agent/cache/outbox.ts';
import { recordSnapshot } from '../../../agent/cache/snapshots.ts';
import { readState } from '../../../agent/cache/state.ts';
import { createClient } from '../../../agent/upload/client.ts';
import { drainOutbox, MISCONFIGURATION_STATE } from '../../../agent/upload/uploader.ts';
import type { TokenStore } from '../../../agent/upload/uploader.ts';
import { snapshotDigest } from '../../../agent/snapshot/index.ts';
import { compliantSnapshot } from '../../collector/rules/compliant-snapshot.ts';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: Record<string, unknown>;
}
type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

async function receiver(script: (req: Seen, n: number) => Answer) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      };
      seen.push(s);
      const a = script(s, seen.length);
      res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) });
      res.end(JSON.stringify(a.body ?? {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function setup(now: Date) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-upload-'));
  const db = openCache({ stateDir });
  const snapshot = compliantSnapshot();
  const digest = snapshotDigest(snapshot);
  recordSnapshot(db, snapshot, digest, { maxSnapshots: 10, maxBytes: 1e7 });
  enqueue(db, { kind: 'snapshot', itemId: snapshot.id, digest, body: JSON.stringify(snapshot) }, now, 10);
  let token: string | null = null;
  const writes: string[] = [];
  const tokens: TokenStore = {
    read: () => token,
    write: (t) => {
      token = t;
      writes.push(t);
    },
  };
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => logLines.push(s) });
  return {
    db,
    snapshot,
    digest,
    tokens,
    writes,
    log,
    logLines,
    getToken: () => token,
    setToken: (t: string) => {
      token = t;
    },
  };
}

function deps(
  s: ReturnType<typeof setup>,
  url: string,
  now: Date,
  extra: Partial<Parameters<typeof drainOutbox>[0]> = {},
) {
  return {
    db: s.db,
    client: createClient({
      serverUrl: url,
      pins: [],
      allowInsecureHttp: false,
      requestTimeoutMs: 5000,
      userAgent: 'test',
      now: () => now,
    }),
    tokens: s.tokens,
    enrollSecret: 'enroll-secret-value',
    now: () => now,
    random: () => 0.5,
    log: s.log,
    signal: AbortSignal.timeout(60_000),
    maxQueuedSnapshots: 10,
    ...extra,
  };
}

const NOW = new Date('2026-03-02T12:00:00.000Z');
const TOKEN = 'device-token-0123456789abcdef0123456789abcdef';

test('enrolls first, then sends the queued snapshot with the device token only in Authorization', async () => {
  const r = await receiver((req) =>
    req.url === '/api/v1/enroll'
      ? { status: 201, body: { deviceToken: TOKEN } }
      : { status: 201, body: { id: req.body['id'] } },
  );
  const s = setup(NOW);
  try {
    const report = await drainOutbox(deps(s, r.url, NOW));
    assert.deepEqual(report, { sent: 1, rejected: 0, enrolled: true, stopped: null });
    assert.equal(r.seen[0]?.url, '/api/v1/enroll');
    assert.deepEqual(r.seen[0]?.body, {
      enrollSecret: 'enroll-secret-value',
      serial: s.snapshot.device.serial,
      hardwareUuid: s.snapshot.device.hardwareUuid,
    });
    assert.equal(r.seen[1]?.url, '/api/v1/snapshots');
    assert.equal(r.seen[1]?.auth, `Bearer ${TOKEN}`);
    assert.equal(r.seen[1]?.body['id'], s.snapshot.id);
    assert.equal(outboxSummary(s.db).snapshots, 0);
    assert.deepEqual(s.writes, [TOKEN]);
    assert.ok(!s.logLines.join('').includes(TOKEN), 'the device token is never logged');
    assert.ok(!s.logLines.join('').includes('enroll-secret-value'), 'the enroll secret is never logged');
  } finally {
    await r.close();
  }
});

test('429 with Retry-After postpones the whole queue by at least that long and stops', async () => {
  const r = await receiver((req) =>
    req.url === '/api/v1/enroll'
      ? { status: 201, body: { deviceToken: TOKEN } }
      : {
          status: 429,
          body: { error: 'rate_limited', message: 'slow down' },
          headers: { 'retry-after': '7200' },
        },
  );
  const s = setup(NOW);
  try {
    const report = await drainOutbox(deps(s, r.url, NOW));
    assert.equal(report.sent, 0);
    assert.match(report.stopped ?? '', /429 rate_limited/);
    const summary = outboxSummary(s.db);
    assert.equal(summary.snapshots, 1, 'the snapshot stays queued');
    assert.ok(Date.parse(summary.nextAttemptAt ?? '') >= NOW.getTime() + 7200_000);
    assert.equal(dueItems(s.db, new Date(NOW.getTime() + 3600_000)).length, 0);
    assert.match(
      readState<{ error: string }>(s.db, 'lastUploadError')?.error ?? '',
      /collector busy/,
      'status shows why',
    );
  } finally {
    await r.close();
  }
});

test('a 5xx backs off exponentially with jitter; the item keeps its place', async () => {
  const r = await receiver((req) =>
    req.url === '/api/v1/enroll'
      ? { status: 201, body: { deviceToken: TOKEN } }
      : { status: 500, body: { error: 'internal' } },
  );
  const s = setup(NOW);
  try {
    await drainOutbox(deps(s, r.url, NOW));
    const first = Date.parse(outboxSummary(s.db).nextAttemptAt ?? '') - NOW.getTime();
    const later = new Date(NOW.getTime() + first);
    await drainOutbox(deps(s, r.url, later));
    const second = Date.parse(outboxSummary(s.db).nextAttemptAt ?? '') - later.getTime();
    assert.ok(first >= 30_000 && first <= 60_000, `first delay ${first}`);
    assert.ok(second > first, `second delay ${second} grows past ${first}`);
    assert.equal(outboxSummary(s.db).snapshots, 1);
    assert.match(
      readState<{ error: string }>(s.db, 'lastUploadError')?.error ?? '',
      /collector error: HTTP 500/,
      'status shows why',
    );
  } finally {
    await r.close();
  }
});

test('an unreachable collector leaves everything queued and records why', async () => {
  const r = await receiver(() => ({ status: 200 }));
  await r.close();
  const s = setup(NOW);
  const report = await drainOutbox(deps(s, r.url, NOW));
  assert.match(report.stopped ?? '', /unreachable/);
  const summary = outboxSummary(s.db);
  assert.equal(summary.snapshots, 1);
  assert.match(summary.lastError ?? '', /unreachable/);
});

test('401 re-enrolls once, presenting the current token (the collector rotates it), and resends', async () => {
  let enrolls = 0;
  const r = await receiver((req) => {
    if (req.url === '/api/v1/enroll') {
      enrolls++;
      return { status: 201, body: { deviceToken: `${TOKEN}-${enrolls}` } };
    }
    return req.auth === `Bearer ${TOKEN}-2`
      ? { status: 201 }
      : { status: 401, body: { error: 'unauthorized' } };
  });
  const s = setup(NOW);
  try {
    const report = await drainOutbox(deps(s, r.url, NOW));
    assert.equal(report.sent, 1);
    assert.equal(enrolls, 2);
    assert.equal(s.getToken(), `${TOKEN}-2`);
    const reenroll = r.seen.filter((x) => x.url === '/api/v1/enroll')[1];
    assert.equal(reenroll?.auth, `Bearer ${TOKEN}-1`, 'the old token is presented for rotation');
  } finally {
    await r.close();
  }
});

test('401, then 409 on re-enrollment: the token is kept, the queue waits, and the reason says an admin must act', async () => {
  const r = await receiver((req) =>
    req.url === '/api/v1/enroll'
      ? { status: 409, body: { error: 'device_enrolled', message: 'device has an active token' } }
      : { status: 401, body: { error: 'unauthorized' } },
  );
  const s = setup(NOW);
  s.setToken(TOKEN);
  try {
    const report = await drainOutbox(deps(s, r.url, NOW));
    assert.equal(report.sent, 0);
    assert.match(report.stopped ?? '', /the token is kept; an admin must revoke the device/);
    assert.equal(s.getToken(), TOKEN, 'the token survives a refused re-enrollment');
    assert.deepEqual(s.writes, []);
    assert.equal(outboxSummary(s.db).snapshots, 1);
    assert.match(readState<{ error: string }>(s.db, 'lastUploadError')?.error ?? '', /an admin must revoke/);
    // The next run tries the same token again (a 401 from a collector restored from a backup heals).
    const again = await drainOutbox(deps(s, r.url, NOW, { ignoreBackoff: true }));
    assert.equal(again.sent, 0);
    assert.equal(r.seen.filter((x) => x.url === '/api/v1/snapshots').at(-1)?.auth, `Bearer ${TOKEN}`);
  } finally {
    await r.close();
  }
});

test('a connection lost during re-enrollment keeps the token', async () => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/api/v1/enroll') {
        req.socket.destroy(); // the answer (and any new token) is lost on the way
        return;
      }
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"unauthorized"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const s = setup(NOW);
  s.setToken(TOKEN);
  try {
    const report = await drainOutbox(deps(s, url, NOW));
    assert.match(report.stopped ?? '', /unreachable/);
    assert.equal(s.getToken(), TOKEN);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const misconfigured: { status: number; headers: Record<string, string>; text: RegExp }[] = [
  {
    status: 302,
    headers: { location: 'https://sso.example.com/login' },
    text: /HTTP 302 \(a redirect to https:\/\/sso\.example\.com\/login\)/,
  },
  {
    status: 404,
    headers: {},
    text: /HTTP 404 for POST \/api\/v1\/snapshots: ServerURL does not point at a tokenwatch collector/,
  },
];
for (const answer of misconfigured) {
  test(`a ${answer.status} is a misconfiguration: the snapshot stays queued, not rejected, and the reason says so`, async () => {
    let broken = true;
    const r = await receiver((req) => {
      if (req.url === '/api/v1/enroll') return { status: 201, body: { deviceToken: TOKEN } };
      return broken
        ? { status: answer.status, headers: answer.headers, body: { error: 'x' } }
        : { status: 201 };
    });
    const s = setup(NOW);
    try {
      const report = await drainOutbox(deps(s, r.url, NOW));
      assert.equal(report.rejected, 0);
      assert.match(report.stopped ?? '', /^misconfiguration: /);
      assert.match(report.stopped ?? '', answer.text);
      const summary = outboxSummary(s.db);
      assert.equal(summary.rejected, 0, 'not marked rejected');
      assert.equal(summary.snapshots, 1, 'still queued');
      assert.match(readState<{ error: string }>(s.db, 'lastUploadError')?.error ?? '', /^misconfiguration: /);
      assert.match(readState<{ error: string }>(s.db, MISCONFIGURATION_STATE)?.error ?? '', answer.text);
      broken = false; // the admin fixed ServerURL (or the proxy)
      const fixed = await drainOutbox(deps(s, r.url, NOW, { ignoreBackoff: true }));
      assert.equal(fixed.sent, 1);
      assert.equal(readState(s.db, MISCONFIGURATION_STATE), null, 'a delivery clears it');
    } finally {
      await r.close();
    }
  });
}

test('a redirect answering the enrollment is a misconfiguration too; the enroll secret is not re-sent elsewhere', async () => {
  const r = await receiver(() => ({ status: 301, headers: { location: 'http://127.0.0.1:1/elsewhere' } }));
  const s = setup(NOW);
  try {
    const report = await drainOutbox(deps(s, r.url, NOW));
    assert.match(
      report.stopped ?? '',
      /^misconfiguration: the collector answered HTTP 301 .* to POST \/api\/v1\/enroll/,
    );
    assert.equal(r.seen.length, 1, 'one request, no redirect followed');
    assert.equal(s.getToken(), null);
  } finally {
    await r.close();
  }
});

test('a 400 marks the item rejected (kept, not retried) and the queue goes on', async () => {
  const r = await receiver((req) => {
    if (req.url === '/api/v1/enroll') return { status: 201, body: { deviceToken: TOKEN } };
    return req.body['schema'] === 'tokenwatch.checkin/1'
      ? { status: 200 }
      : { status: 400, body: { error: 'invalid_body', message: '/users/0/uid must be integer' } };
  });
  const s = setup(NOW);
  enqueue(
    s.db,
    {
      kind: 'checkin',
      itemId: 'c1',
      digest: s.digest,
      body: JSON.stringify({ schema: 'tokenwatch.checkin/1', id: s.snapshot.id, digest: s.digest }),
    },
    NOW,
    10,
  );
  try {
    const report = await drainOutbox(deps(s, r.url, NOW));
    assert.equal(report.rejected, 1);
    assert.equal(report.sent, 1);
    const summary = outboxSummary(s.db);
    assert.equal(summary.rejected, 1);
    assert.equal(summary.snapshots, 0);
    assert.match(summary.lastError ?? '', /invalid_body: \/users\/0\/uid must be integer/);
  } finally {
    await r.close();
  }
});

test('409 digest_unknown on a check-in sends the whole current snapshot instead', async () => {
  const r = await receiver((req) => {
    if (req.url === '/api/v1/enroll') return { status: 201, body: { deviceToken: TOKEN } };
    if (req.url === '/api/v1/checkins') return { status: 409, body: { error: 'digest_unknown' } };
    return { status: 201 };
  });
  const s = setup(NOW);
  // Drain the initial snapshot first, then queue only a check-in.
  await drainOutbox(deps(s, r.url, NOW)).catch(() => undefined);
  enqueue(
    s.db,
    {
      kind: 'checkin',
      itemId: 'c2',
      digest: s.digest,
      body: JSON.stringify({ schema: 'tokenwatch.checkin/1' }),
    },
    NOW,
    10,
  );
  try {
    const before = r.seen.length;
    const report = await drainOutbox(deps(s, r.url, NOW));
    const urls = r.seen.slice(before).map((x) => x.url);
    assert.deepEqual(urls, ['/api/v1/checkins', '/api/v1/snapshots']);
    assert.equal(r.seen.at(-1)?.body['id'], s.snapshot.id);
    assert.equal(report.sent, 1);
    assert.equal(outboxSummary(s.db).snapshots + outboxSummary(s.db).checkins, 0);
  } finally {
    await r.close();
  }
});

test('409 on enrollment (another token is active) keeps the queue and says an admin must revoke', async () => {
  const r = await receiver(() => ({
    status: 409,
    body: { error: 'device_already_enrolled', message: 'active token' },
  }));
  const s = setup(NOW);
  try {
    const report = await drainOutbox(deps(s, r.url, NOW));
    assert.match(report.stopped ?? '', /revoke/);
    assert.equal(outboxSummary(s.db).snapshots, 1);
    assert.equal(s.getToken(), null);
  } finally {
    await r.close();
  }
});

test('new check-ins replace queued check-ins; snapshots beyond the bound drop oldest first, never the newest', () => {
  const s = setup(NOW);
  const add = (kind: 'snapshot' | 'checkin', id: string) =>
    enqueue(s.db, { kind, itemId: id, digest: 'd', body: '{}' }, NOW, 3);
  add('checkin', 'c1');
  add('checkin', 'c2');
  assert.equal(outboxSummary(s.db).checkins, 1);
  add('snapshot', 's2');
  assert.equal(outboxSummary(s.db).checkins, 0, 'a change supersedes a queued check-in');
  add('snapshot', 's3');
  add('snapshot', 's4');
  const ids = dueItems(s.db, NOW).map((i) => i.itemId);
  assert.deepEqual(ids, ['s2', 's3', 's4']);
});

test('ignoreBackoff (run --retry-now) sends a postponed queue at once', async () => {
  let fail = true;
  const r = await receiver((req) => {
    if (req.url === '/api/v1/enroll') return { status: 201, body: { deviceToken: TOKEN } };
    return fail
      ? { status: 503, body: { error: 'unavailable' }, headers: { 'retry-after': '86400' } }
      : { status: 201 };
  });
  const s = setup(NOW);
  try {
    await drainOutbox(deps(s, r.url, NOW));
    assert.equal(dueItems(s.db, NOW).length, 0, 'postponed');
    fail = false;
    const plain = await drainOutbox(deps(s, r.url, NOW));
    assert.equal(plain.sent, 0, 'without the flag the backoff holds');
    const now = await drainOutbox(deps(s, r.url, NOW, { ignoreBackoff: true }));
    assert.equal(now.sent, 1);
    assert.equal(outboxSummary(s.db).snapshots, 0);
  } finally {
    await r.close();
  }
});

test('a connection lost after the collector answered in this drain is sent again at once, and stored once', async () => {
  const stored = new Set<string>();
  let dropped = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/api/v1/enroll') {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ deviceToken: TOKEN }));
        return;
      }
      const id = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id);
      stored.add(id); // stored, then (once) the answer is lost on the way back
      if (id === 'second' && dropped === 0) {
        dropped++;
        req.socket.destroy();
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const s = setup(NOW);
  for (const id of ['second', 'third'])
    enqueue(s.db, { kind: 'snapshot', itemId: id, digest: 'd', body: JSON.stringify({ id }) }, NOW, 10);
  try {
    const report = await drainOutbox(deps(s, url, NOW));
    assert.deepEqual(report, { sent: 3, rejected: 0, enrolled: true, stopped: null });
    assert.equal(dropped, 1);
    assert.equal(outboxSummary(s.db).snapshots, 0);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('once the collector answers, the rest of the queue starts its backoff afresh', async () => {
  let answered = 0;
  const r = await receiver((req) => {
    if (req.url === '/api/v1/enroll') return { status: 201, body: { deviceToken: TOKEN } };
    answered++;
    return answered === 1 ? { status: 201 } : { status: 500, body: { error: 'internal' } };
  });
  const s = setup(NOW);
  enqueue(s.db, { kind: 'snapshot', itemId: 'later', digest: 'd', body: '{"id":"later"}' }, NOW, 10);
  // A week of failed attempts on everything queued.
  s.db.prepare('UPDATE outbox SET attempts = 40').run();
  try {
    await drainOutbox(deps(s, r.url, NOW));
    const wait = Date.parse(outboxSummary(s.db).nextAttemptAt ?? '') - NOW.getTime();
    assert.ok(wait <= 60_000, `the next attempt comes after ${wait} ms, not the 6 h cap`);
  } finally {
    await r.close();
  }
});

test('408 (the collector or a proxy timed the request out) is retried with backoff, never a rejection', async () => {
  const r = await receiver((req) =>
    req.url === '/api/v1/enroll'
      ? { status: 201, body: { deviceToken: TOKEN } }
      : {
          status: 408,
          body: { error: 'request_timeout', message: 'the request body did not arrive in time' },
        },
  );
  const s = setup(NOW);
  try {
    const report = await drainOutbox(deps(s, r.url, NOW));
    assert.equal(report.rejected, 0);
    const q = outboxSummary(s.db);
    assert.equal(q.snapshots, 1);
    assert.equal(q.rejected, 0);
    assert.ok(Date.parse(q.nextAttemptAt ?? '') > NOW.getTime(), 'postponed, not given up');
    assert.match(report.stopped ?? '', /HTTP 408/);
  } finally {
    await r.close();
  }
});

test('409 identity_conflict on enrollment: the queue waits and the reason names the conflict commands, not a revocation', async () => {
  const r = await receiver(() => ({
    status: 409,
    body: {
      error: 'identity_conflict',
      message: 'identity conflict 7: serial C02X is enrolled with another hardware UUID',
    },
  }));
  const s = setup(NOW);
  try {
    const report = await drainOutbox(deps(s, r.url, NOW));
    assert.match(report.stopped ?? '', /identity_conflict/);
    assert.match(report.stopped ?? '', /tokenwatch conflicts resolve/);
    assert.doesNotMatch(report.stopped ?? '', /revoke/);
    assert.equal(outboxSummary(s.db).snapshots, 1);
    assert.equal(s.getToken(), null);
  } finally {
    await r.close();
  }
});
