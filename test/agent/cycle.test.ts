// The agent's cycle (collect -> cache -> plan -> enqueue -> drain) in the test process: a simulated Mac
// answered from its manifest, a driven clock, an in-memory token store, and a real collector over real
// HTTP with a real SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { runCycle } from '../../agent/cycle.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import type { CycleDeps, CycleSettings } from '../../agent/cycle.ts';
import { openCache } from '../../agent/cache/open.ts';
import { outboxSummary } from '../../agent/cache/outbox.ts';
import { latestSnapshot } from '../../agent/cache/snapshots.ts';
import { createLogger } from '../../agent/log.ts';
import { createClient } from '../../agent/upload/client.ts';
import { renderStatusNotes } from '../../agent/status-notes.ts';
import { startTestCollector } from '../helpers/collector.ts';
import { manifestRunner } from '../helpers/manifest-runner.ts';
import { cycleSettings } from '../helpers/cycle-settings.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

const settings = cycleSettings;

/** A cycle's dependencies with a clock the test moves and a host name it can change. */
function harness(extra: Partial<CycleSettings> = {}, refusals: string[] = []) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-cycle-'));
  const db = openCache({ stateDir });
  let now = new Date('2026-03-02T12:00:00.000Z');
  let hostname = 'mac-1';
  let token: string | null = null;
  let ids = 0;
  const summaries: Snapshot[] = [];
  let summaryFails = false;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const mac = manifestRunner('applesilicon-compliant');
  const deps: CycleDeps = {
    settings: settings(extra),
    db,
    now: () => now,
    run: mac.run,
    stat: mac.stat,
    writeSummary: (snapshot) => {
      if (summaryFails) throw new Error('EROFS: read-only file system');
      summaries.push(snapshot);
    },
    hostname: () => hostname,
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    agentVersion: '0.1.0',
    log: createLogger({ level: 'info', file: null, stream: sink }),
    client: createClient,
    tokens: { read: () => token, write: (t) => (token = t) },
    random: () => 0.5,
    uploadRefusals: refusals,
  };
  return {
    deps,
    db,
    mac,
    logs,
    token: () => token,
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
    rename: (name: string) => (hostname = name),
    summaries,
    failSummaries: () => (summaryFails = true),
  };
}

test('every collection writes the EA summary, sent or not; one that cannot be written is logged and the snapshot still cached', async () => {
  const h = harness();
  const first = await runCycle(h.deps);
  h.advance(60_000);
  const second = await runCycle(h.deps);
  assert.deepEqual(
    h.summaries.map((s) => s.id),
    [first.snapshot.id, second.snapshot.id],
  );
  h.failSummaries();
  h.advance(60_000);
  const third = await runCycle(h.deps);
  assert.equal(h.summaries.length, 2);
  assert.equal(latestSnapshot(h.db)?.id, third.snapshot.id, 'the snapshot is cached all the same');
  const line = h.logs
    .map((l) => JSON.parse(l) as { msg: string; err?: string; level: string })
    .find((l) => l.msg === 'the EA summary plist could not be written');
  assert.ok(line, h.logs.join(''));
  assert.equal(line.level, 'error');
  assert.match(line.err ?? '', /EROFS/);
});

test('a cycle in process: enrolls and sends the change; an unchanged state sends a check-in after MinIntervalSeconds only', async () => {
  const c = await startTestCollector();
  try {
    const h = harness({ ServerURL: c.url });
    c.clock.set(h.deps.now());
    const first = await runCycle(h.deps);
    assert.equal(first.plan, 'snapshot');
    assert.deepEqual(first.upload, { sent: 1, rejected: 0, enrolled: true, stopped: null });
    assert.match(h.token() ?? '', /^twd_/);
    h.advance(60_000);
    const soon = await runCycle(h.deps);
    assert.equal(soon.plan, 'none', 'unchanged, uploaded a minute ago');
    h.advance(900_000);
    const later = await runCycle(h.deps);
    assert.equal(later.plan, 'checkin');
    assert.equal(later.upload?.sent, 1);
    h.rename('mac-1-renamed');
    const changed = await runCycle(h.deps);
    assert.equal(changed.plan, 'snapshot');
    assert.equal(changed.upload?.sent, 1);
    const db = new Database(c.dbPath, { readonly: true });
    try {
      const rows = db.prepare('SELECT snapshot_id FROM snapshot_history ORDER BY seq').all() as {
        snapshot_id: string;
      }[];
      assert.deepEqual(
        rows.map((r) => r.snapshot_id),
        [first.snapshot.id, changed.snapshot.id],
        'one history row per change',
      );
    } finally {
      db.close();
    }
  } finally {
    await c.stop();
  }
});

test('a configuration that refuses uploads: the cycle queues, sends nothing, and records why', async () => {
  const c = await startTestCollector();
  try {
    const h = harness({ ServerURL: c.url }, ['PinSHA256 from --pin-sha256 (flag): "x" is not a SHA-256 pin']);
    const r = await runCycle(h.deps);
    assert.equal(r.upload, null);
    assert.equal(outboxSummary(h.db).snapshots, 1);
    assert.equal(h.token(), null);
    const db = new Database(c.dbPath, { readonly: true });
    try {
      const count = (table: string) =>
        (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      assert.equal(count('enrollment_audit'), 0, 'no enrollment was even attempted');
      assert.equal(count('devices'), 0);
    } finally {
      db.close();
    }
    assert.match(h.logs.join(''), /uploads refused by the configuration/);
  } finally {
    await c.stop();
  }
});

test('a full outbox drops the oldest snapshots, never the newest, and records the gap that status shows', async () => {
  const h = harness({ MaxCachedSnapshots: 3 });
  const queued: string[] = [];
  for (let i = 1; i <= 5; i++) {
    h.rename(`mac-${i}`);
    const r = await runCycle(h.deps);
    queued.push(r.snapshot.id);
    assert.equal(r.dropped, i > 3 ? 1 : 0);
    h.advance(3600_000);
  }
  const summary = outboxSummary(h.db);
  assert.equal(summary.snapshots, 3);
  assert.deepEqual(summary.gap, {
    dropped: 2,
    firstQueuedAt: '2026-03-02T12:00:00.000Z',
    lastQueuedAt: '2026-03-02T13:00:00.000Z',
    lastDroppedAt: '2026-03-02T16:00:00.000Z',
  });
  const notes = renderStatusNotes({ uploadRefusals: [], gap: summary.gap, maxCachedSnapshots: 3 });
  assert.match(
    notes,
    /^Dropped {10}2 changed snapshot\(s\) never sent: the outbox was full \(MaxCachedSnapshots 3\)/,
  );
  assert.match(h.logs.join(''), /the oldest queued snapshots were dropped/);
});

test('importing agent/main.ts has no side effects; bin/tokenwatch-agent.js is what runs main', async () => {
  const script =
    "import('./agent/main.ts').then((m) => { process.stdout.write(typeof m.main + ' ' + String(process.exitCode)); })";
  const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, 'collect'],
      { cwd: ROOT, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
  assert.equal(out.stdout, 'function undefined', out.stderr);
  assert.equal(out.code, 0);
  assert.match(fs.readFileSync(path.join(ROOT, 'bin/tokenwatch-agent.js'), 'utf8'), /^main\(\{$/m);
});

test('the last Platform SSO reading is kept in the cache and repeated while nobody is at the console', async () => {
  const h = harness();
  const first = await runCycle(h.deps);
  assert.equal(first.snapshot.platformSso?.user?.name, 'alice');
  assert.equal(first.snapshot.platformSso?.user?.registered, true);
  h.mac.answer('/usr/bin/stat -f %Su /dev/console', 'root\n');
  h.advance(3600_000);
  const away = await runCycle(h.deps);
  assert.equal(away.snapshot.consoleUser, null);
  assert.deepEqual(away.snapshot.platformSso, first.snapshot.platformSso);
  assert.equal(away.changed, false, 'a logout alone is no new state');
  const launchctl = h.mac.asked.filter((a) => a.startsWith('/bin/launchctl'));
  assert.equal(launchctl.length, 1, 'app-sso ran only while alice was logged in');
  h.db.close();
});
