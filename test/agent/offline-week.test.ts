// Standing test: the collector is down for 7 simulated days while the agent runs hourly and the Mac
// changes every hour. The agent's cycle (cycle.ts) runs in this process with a driven clock against a real
// collector (real HTTP, real SQLite file) that is stopped for the 7 days and started again on the same
// database and port. A proxy in front of the collector loses one answer in seven to a snapshot upload
// after the collector stored it, so deliveries repeat. Every change is delivered at least once and
// stored exactly once; the agent's cache stays within MaxCachedSnapshots; with a bound smaller than the
// outage, the snapshots beyond it are recorded as a gap that `status` shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/free-port.ts';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { runCycle } from '../../agent/cycle.ts';
import { cycleSettings } from '../helpers/cycle-settings.ts';
import type { CycleDeps } from '../../agent/cycle.ts';
import { openCache } from '../../agent/cache/open.ts';
import { outboxSummary } from '../../agent/cache/outbox.ts';
import { snapshotStats } from '../../agent/cache/snapshots.ts';
import { createLogger as agentLogger } from '../../agent/log.ts';
import { createClient } from '../../agent/upload/client.ts';
import { renderStatusNotes } from '../../agent/status-notes.ts';
import { loadConfig } from '../../collector/config.ts';
import { fixedClock } from '../../collector/clock.ts';
import { createLogger } from '../../collector/log.ts';
import { startCollector } from '../../collector/main.ts';
import type { RunningCollector } from '../../collector/main.ts';
import { ADMIN_TOKEN, ENROLL_SECRET } from '../helpers/collector.ts';
import { manifestRunner } from '../helpers/manifest-runner.ts';

const HOUR = 3600_000;
const START = new Date('2026-03-02T00:00:00.000Z');

/**
 * A TCP proxy to the collector that counts snapshot uploads and, for one in `loseEvery`, lets the
 * collector answer but drops the answer: the agent sees a broken connection for an upload that was stored.
 */
async function lossyProxy(upstreamPort: number, loseEvery: number) {
  const counts = { snapshotPosts: 0, lostAnswers: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.once('data', (first: Buffer) => {
      const isSnapshot = first.toString('latin1').startsWith('POST /api/v1/snapshots ');
      if (isSnapshot) counts.snapshotPosts++;
      const lose = isSnapshot && counts.snapshotPosts % loseEvery === 0;
      upstream.write(first);
      client.pipe(upstream);
      if (lose) {
        upstream.once('data', () => {
          counts.lostAnswers++;
          client.destroy();
          upstream.destroy();
        });
      } else {
        upstream.pipe(client);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    counts,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface Scenario {
  maxCachedSnapshots: number;
}

async function offlineWeek({ maxCachedSnapshots }: Scenario) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-offline-week-'));
  const dbPath = path.join(dir, 'collector.db');
  const port = await freePort();
  const clock = fixedClock(START);
  const start = (): Promise<RunningCollector> => {
    const { config } = loadConfig({
      env: {},
      flags: {
        db: dbPath,
        host: '127.0.0.1',
        port: String(port),
        adminToken: ADMIN_TOKEN,
        enrollSecret: ENROLL_SECRET,
        logLevel: 'silent',
      },
    });
    return startCollector(config, { clock, logger: createLogger('silent'), jobs: false });
  };
  const proxy = await lossyProxy(port, 7);

  const stateDir = path.join(dir, 'agent');
  const db = openCache({ stateDir });
  let now = START;
  let hostname = '';
  let token: string | null = null;
  let ids = 0;
  const mac = manifestRunner('applesilicon-compliant');
  const deps: CycleDeps = {
    settings: cycleSettings({ ServerURL: proxy.url, MaxCachedSnapshots: maxCachedSnapshots }),
    db,
    now: () => now,
    run: mac.run,
    stat: mac.stat,
    writeSummary: () => {},
    hostname: () => hostname,
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    agentVersion: '0.1.0',
    log: agentLogger({ level: 'warn', file: null, stream: new Writable({ write: (_c, _e, cb) => cb() }) }),
    client: createClient,
    tokens: { read: () => token, write: (t) => (token = t) },
    random: () => 0.5,
    uploadRefusals: [],
  };

  const changes: { id: string; hour: number }[] = [];
  let maxOutbox = 0;
  let maxCache = 0;
  const hourly = async (hour: number) => {
    now = new Date(START.getTime() + hour * HOUR);
    clock.set(now);
    hostname = `mac-hour-${hour}`; // a change every hour
    const r = await runCycle(deps);
    assert.equal(r.plan, 'snapshot', `hour ${hour}: a change is sent as a snapshot`);
    changes.push({ id: r.snapshot.id, hour });
    maxOutbox = Math.max(maxOutbox, outboxSummary(db).snapshots);
    maxCache = Math.max(maxCache, snapshotStats(db).changes);
  };

  let collector = await start();
  for (let h = 0; h < 24; h++) await hourly(h); // a day online
  await collector.close();
  for (let h = 24; h < 24 + 7 * 24; h++) await hourly(h); // seven days down
  const whileDown = outboxSummary(db);
  collector = await start(); // back, on the same database and port
  for (let h = 24 + 7 * 24; h < 24 + 8 * 24; h++) await hourly(h); // a day online again
  const after = outboxSummary(db);
  await collector.close();
  await proxy.close();
  db.close();

  const stored = new Database(dbPath, { readonly: true });
  let history: { snapshot_id: string; n: number }[];
  try {
    history = stored
      .prepare('SELECT snapshot_id, COUNT(*) AS n FROM snapshot_history GROUP BY snapshot_id')
      .all() as { snapshot_id: string; n: number }[];
  } finally {
    stored.close();
  }
  const storedIds = new Set(history.map((r) => r.snapshot_id));
  return {
    changes,
    history,
    storedIds,
    whileDown,
    after,
    maxOutbox,
    maxCache,
    proxy: proxy.counts,
    notes: renderStatusNotes({ uploadRefusals: [], gap: after.gap, maxCachedSnapshots }),
  };
}

test('collector down 7 days, agent hourly with changes: every change delivered at least once, stored exactly once, cache within its bound', async (t) => {
  const r = await offlineWeek({ maxCachedSnapshots: 720 });
  const delivered = r.changes.filter((c) => r.storedIds.has(c.id)).length;
  t.diagnostic(
    `7 days offline, bound 720: ${r.changes.length} changes, ${delivered} delivered, ${r.history.length} stored (${r.history.filter((h) => h.n > 1).length} stored twice), ${r.proxy.snapshotPosts} snapshot POSTs of which ${r.proxy.lostAnswers} answers lost and redelivered; outbox peaked at ${r.maxOutbox}, cache at ${r.maxCache}; ${r.whileDown.snapshots} queued at the end of the outage`,
  );
  assert.equal(r.changes.length, 9 * 24);
  assert.equal(r.whileDown.snapshots, 7 * 24, 'every change of the outage waited in the outbox');
  assert.equal(delivered, r.changes.length, 'every change delivered');
  assert.ok(
    r.history.every((h) => h.n === 1),
    'each stored exactly once',
  );
  assert.equal(r.history.length, r.changes.length, 'and nothing else stored');
  assert.ok(r.proxy.lostAnswers > 0 && r.proxy.snapshotPosts > r.changes.length, 'some were delivered twice');
  assert.equal(r.after.snapshots + r.after.checkins, 0, 'the outbox drained');
  assert.equal(r.after.gap, null, 'nothing dropped');
  assert.ok(r.maxOutbox <= 720 && r.maxCache <= 720);
  assert.equal(r.notes, '');
});

test('collector down 7 days with MaxCachedSnapshots 48: the oldest beyond the bound are a recorded gap, the rest stored once each', async (t) => {
  const bound = 48;
  const r = await offlineWeek({ maxCachedSnapshots: bound });
  const lost = r.changes.filter((c) => !r.storedIds.has(c.id));
  t.diagnostic(
    `7 days offline, bound ${bound}: ${r.changes.length} changes, ${r.history.length} stored once each, ${lost.length} dropped (recorded gap: ${r.after.gap?.dropped ?? 0}); outbox peaked at ${r.maxOutbox}, cache at ${r.maxCache}`,
  );
  assert.ok(r.maxOutbox <= bound, `outbox peaked at ${r.maxOutbox}`);
  assert.ok(r.maxCache <= bound, `cache peaked at ${r.maxCache}`);
  assert.ok(
    r.history.every((h) => h.n === 1),
    'each stored exactly once',
  );
  // What was lost is the oldest of the outage, in one stretch, and exactly what the gap says: the 120
  // beyond the bound, and those the queue (still full, still backing off) pushed out after the collector
  // was back but before the next attempt.
  const outage = r.changes.filter((c) => c.hour >= 24);
  assert.ok(lost.length >= 7 * 24 - bound, `${lost.length} lost`);
  assert.deepEqual(
    lost.map((c) => c.id),
    outage.slice(0, lost.length).map((c) => c.id),
  );
  assert.equal(r.after.gap?.dropped, lost.length);
  assert.equal(r.after.gap?.firstQueuedAt, new Date(START.getTime() + 24 * HOUR).toISOString());
  assert.match(
    r.notes,
    new RegExp(
      `^Dropped {10}${lost.length} changed snapshot\\(s\\) never sent: the outbox was full \\(MaxCachedSnapshots ${bound}\\)`,
    ),
  );
  assert.equal(r.after.snapshots + r.after.checkins, 0, 'the rest drained');
});
