// The real agent process uploading to a real collector (real HTTP, real SQLite file): enrollment,
// snapshots, check-ins when nothing changed, and the outbox across a collector that is down and
// comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/free-port.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../collector/config.ts';
import { createLogger } from '../../collector/log.ts';
import { startCollector } from '../../collector/main.ts';
import type { RunningCollector } from '../../collector/main.ts';
import { cleanEnv, runAgent, simulatedMac } from '../helpers/agent-process.ts';
import type { SimulatedMac } from '../helpers/agent-process.ts';

const ADMIN = 'admin-token-for-the-upload-test-0123456789';
const SECRET = 'enroll-secret-for-the-upload-test-0123456789';

async function collector(db: string, port: number): Promise<RunningCollector> {
  const { config } = loadConfig({
    env: {},
    flags: {
      db,
      host: '127.0.0.1',
      port: String(port),
      adminToken: ADMIN,
      enrollSecret: SECRET,
      logLevel: 'silent',
    },
  });
  return startCollector(config, { logger: createLogger('silent') });
}

async function admin(
  c: RunningCollector,
  p: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL(p, c.url), { headers: { authorization: `Bearer ${ADMIN}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function status(mac: SimulatedMac) {
  const r = await runAgent(['status', '--json', ...mac.flags]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as {
    outbox: {
      snapshots: number;
      checkins: number;
      rejected: number;
      lastError: string | null;
      nextAttemptAt: string | null;
    };
    enrolled: boolean;
    lastUpload: { at: string } | null;
  };
}

const agentRun = (mac: SimulatedMac, url: string, extra: string[] = []) =>
  runAgent(['run', ...mac.flags, '--server-url', url, ...extra], {
    env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: SECRET }),
  });

test('a collector that is down: run exits 0 with the snapshot queued; it goes out when the collector is back', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const mac = simulatedMac('applesilicon-user-without-token');

  const offline = await agentRun(mac, url);
  assert.equal(offline.code, 0, 'queued is success');
  let st = await status(mac);
  assert.equal(st.outbox.snapshots, 1);
  assert.match(st.outbox.lastError ?? '', /unreachable|ECONNREFUSED/);
  assert.equal(st.enrolled, false);

  const c = await collector(path.join(dir, 'collector.db'), port);
  try {
    // Backoff is honoured: the next scheduled run does not hammer the collector...
    const early = await agentRun(mac, url);
    assert.equal(early.code, 0);
    st = await status(mac);
    assert.equal(st.outbox.snapshots, 1, 'still waiting for its backoff');
    assert.ok(Date.parse(st.outbox.nextAttemptAt ?? '') > Date.now());
    // ...and an admin can send the queue now.
    const now = await agentRun(mac, url, ['--retry-now']);
    assert.equal(now.code, 0, now.stderr);
    st = await status(mac);
    assert.equal(st.outbox.snapshots + st.outbox.checkins, 0, JSON.stringify(st.outbox));
    assert.equal(st.enrolled, true);
    const token = fs.readFileSync(path.join(mac.stateDir, 'device-token'), 'utf8');
    assert.equal(fs.statSync(path.join(mac.stateDir, 'device-token')).mode & 0o777, 0o600);
    assert.ok(
      !fs
        .readFileSync(path.join(mac.root, 'Library/Logs/tokenwatch/agent.log'), 'utf8')
        .includes(token.trim()),
    );

    const devices = await admin(c, '/api/v1/devices');
    assert.equal(devices.status, 200);
    const list = devices.body['devices'] as {
      serial: string;
      status: string;
      findings: { rule: string; user: string | null }[];
    }[];
    assert.equal(list.length, 1);
    assert.equal(list[0]?.serial, 'D5XQV1FMA3');
    assert.equal(list[0]?.status, 'noncompliant');
    const users = list[0]?.findings
      .filter((f) => f.rule === 'user-without-securetoken')
      .map((f) => f.user)
      .sort();
    assert.deepEqual(users, ['bob', 'jdoe']);
  } finally {
    await c.close();
  }
});

test('unchanged state sends a check-in (after MinIntervalSeconds), not a new snapshot; history grows with changes only', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-e2e-'));
  const c = await collector(path.join(dir, 'collector.db'), 0);
  const mac = simulatedMac('applesilicon-compliant');
  try {
    const first = await agentRun(mac, c.url);
    assert.equal(first.code, 0, first.stderr);
    const before = await admin(c, '/api/v1/devices/D5XQV1FMA1');
    assert.equal(before.status, 200);
    const lastSeen1 = before.body['lastSeen'] as string;
    await new Promise((r) => setTimeout(r, 20));
    const second = await agentRun(mac, c.url, ['--min-interval', '0']);
    assert.equal(second.code, 0, second.stderr);
    const after = await admin(c, '/api/v1/devices/D5XQV1FMA1');
    const history = after.body['history'] as unknown[];
    assert.equal(history.length, 1, 'an unchanged snapshot is not a new history entry');
    assert.ok((after.body['lastSeen'] as string) > lastSeen1, 'the check-in moved lastSeen');
    assert.equal(after.body['status'], 'compliant');
    // Within MinIntervalSeconds an unchanged run only collects.
    const third = await agentRun(mac, c.url, ['--min-interval', '3600']);
    assert.equal(third.code, 0);
    const st = await status(mac);
    assert.equal(st.outbox.snapshots + st.outbox.checkins, 0);
  } finally {
    await c.close();
  }
});

test('a wrong enroll secret is refused; the snapshot stays queued with the reason', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-e2e-'));
  const c = await collector(path.join(dir, 'collector.db'), 0);
  const mac = simulatedMac('not-enrolled');
  try {
    const r = await runAgent(['run', ...mac.flags, '--server-url', c.url], {
      env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: 'not-the-secret' }),
    });
    assert.equal(r.code, 0);
    const st = await status(mac);
    assert.equal(st.outbox.snapshots, 1);
    assert.match(
      st.outbox.lastError ?? '',
      /^enrollment refused \(HTTP 40[13] [a-z_]+: .*\): EnrollSecret is not the collector's enroll secret; set the collector's/,
    );
    const devices = await admin(c, '/api/v1/devices');
    assert.deepEqual(devices.body['devices'], []);
  } finally {
    await c.close();
  }
});
