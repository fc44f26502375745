// Standing test: `kill -9` of the agent at random points, 100 times. The real agent process runs `run`
// against a simulated Mac and a real collector (real HTTP, real SQLite file, the system clock) and is
// killed after a random delay within the time a whole run takes, so kills land in start-up, collection,
// the cache writes and the upload (the collector sits behind a proxy that delays each answer by 150 ms,
// as a network would, so the upload is a fair share of a run). After each kill the cache passes SQLite's
// integrity_check, and the next run succeeds: it exits 0 and leaves nothing queued. Seeded (TOKENWATCH_FAULT_SEED), so a
// failing round can be replayed; what is random is when, not whether, a kill happens.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom as seeded } from '../helpers/seeded-random.ts';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../collector/config.ts';
import { createLogger } from '../../collector/log.ts';
import { startCollector } from '../../collector/main.ts';
import { agentCommand, cleanEnv, runAgent, simulatedMac } from '../helpers/agent-process.ts';
import { ADMIN_TOKEN, ENROLL_SECRET } from '../helpers/collector.ts';

const ROUNDS = 100;
const SEED = Number(process.env['TOKENWATCH_FAULT_SEED'] ?? 20260302);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-kill9-'));
const { config } = loadConfig({
  env: {},
  flags: {
    db: path.join(dir, 'collector.db'),
    host: '127.0.0.1',
    port: '0',
    adminToken: ADMIN_TOKEN,
    enrollSecret: ENROLL_SECRET,
    logLevel: 'silent',
  },
});
const collector = await startCollector(config, { logger: createLogger('silent'), jobs: false });
const ANSWER_DELAY_MS = 150;

/** A TCP proxy that passes requests at once and each chunk of an answer after ANSWER_DELAY_MS. */
const proxy = net.createServer((client) => {
  const upstream = net.connect(Number(new URL(collector.url).port), '127.0.0.1');
  client.pipe(upstream);
  upstream.on('data', (chunk: Buffer) => {
    setTimeout(() => client.write(chunk), ANSWER_DELAY_MS);
  });
  upstream.on('end', () => setTimeout(() => client.end(), ANSWER_DELAY_MS));
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const serverUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
after(async () => {
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await collector.close();
});

const mac = simulatedMac('applesilicon-user-without-token', dir);
const env = cleanEnv({ TOKENWATCH_ENROLL_SECRET: ENROLL_SECRET });
// Every run uploads (a check-in at least), and every other run changes what it reports (a user excluded
// or not), so kills land in snapshot writes, outbox writes and uploads alike.
const argsFor = (round: number) => [
  'run',
  ...mac.flags,
  '--server-url',
  serverUrl,
  '--min-interval',
  '0',
  ...(round % 2 === 0 ? ['--exclude-user', 'bob'] : []),
];

/** Starts `run` and sends SIGKILL after `delayMs`; resolves with how it ended. */
function killedRun(round: number, delayMs: number): Promise<{ signal: string | null; code: number | null }> {
  const { file, prefix } = agentCommand();
  return new Promise((resolve) => {
    const child = execFile(file, [...prefix, ...argsFor(round)], { env }, () => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** SQLite's integrity_check of the agent's cache, and what its outbox still holds. */
function inspect(): { integrity: string; queued: number; lastError: string | null } {
  const db = new Database(path.join(mac.stateDir, 'cache.sqlite'));
  try {
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const row = db
      .prepare('SELECT COUNT(*) AS n, MAX(last_error) AS lastError FROM outbox WHERE rejected_at IS NULL')
      .get() as { n: number; lastError: string | null };
    return { integrity, queued: row.n, lastError: row.lastError };
  } finally {
    db.close();
  }
}

test(`kill -9 of the agent at random points, ${ROUNDS} times: the cache stays intact and the next run succeeds`, async (t) => {
  // A whole run, uninterrupted: it enrolls. How long a run takes is then taken from the uninterrupted run
  // of each round (not from this first one, which also enrolls): on a loaded machine runs slow down, and
  // delays drawn from a stale, shorter or longer duration would kill too early or mostly after the end.
  const first = await runAgent(argsFor(1), { env });
  assert.equal(first.code, 0, first.stderr);
  let runMs = (await runAgent(argsFor(1), { env })).ms;
  let longest = runMs;
  const random = seeded(SEED);
  let killed = 0;
  let leftQueued = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const delay = Math.round(random() * runMs);
    const end = await killedRun(round, delay);
    if (end.signal === 'SIGKILL') killed++;
    const afterKill = inspect();
    assert.equal(afterKill.integrity, 'ok', `round ${round} (killed after ${delay} ms, seed ${SEED})`);
    if (afterKill.queued > 0) leftQueued++;
    const next = await runAgent(argsFor(round + 1), { env });
    assert.equal(next.code, 0, `round ${round}: the next run exited ${next.code}: ${next.stderr}`);
    runMs = next.ms;
    longest = Math.max(longest, runMs);
    const afterNext = inspect();
    assert.equal(afterNext.integrity, 'ok');
    assert.equal(
      afterNext.queued,
      0,
      `round ${round}: the next run delivered everything (${afterNext.lastError ?? ''})`,
    );
  }
  t.diagnostic(
    `kill -9 of the agent: ${ROUNDS} rounds (seed ${SEED}), delays up to the previous run's duration (longest ${Math.round(longest)} ms): ${killed} killed mid-run (${leftQueued} of them with an upload still queued), ${ROUNDS - killed} finished before the kill; integrity_check ok and the next run succeeded every time`,
  );
  assert.ok(killed >= ROUNDS / 2, `${killed} of ${ROUNDS} rounds were really killed mid-run`);
  assert.ok(leftQueued > 0, 'some kills landed between queueing and delivery');
});
