// Two `tokenwatch serve --database-url` processes on one PostgreSQL database behind an in-test load
// balancer (round robin; a collector that refuses a connection leaves the rotation until it is started
// again), enrolled Macs uploading changing snapshots as fast as they are answered (an upload not answered
// 2xx is sent again, as the agent does), three in four of them losing and regaining their Bootstrap Token escrow so
// incidents open and resolve and alert events go to a webhook receiver in the test (each collector's copy of
// the channel names it in the URL's query, so the receiver knows who sent what). Mid-load, after a minute
// boundary both lived through, one collector is killed with SIGKILL while it has deliveries in flight (the
// receiver holds its answers before the kill, so those claims of the dead process were never answered),
// then started again once its claims' lease ran out. Afterwards:
//   - every upload that got a 2xx is in the database: its receipt, its history entry when it was a change,
//     and the device's current state is that upload or a later one;
//   - every alert event reached the receiver and was answered 2xx exactly once (webhook-id), every delivery
//     is recorded delivered: the survivor sent the dead one's again once their claims ran out, not before;
//   - each minute job ran once in each minute boundary the collectors lived through, never twice (the
//     debug log lines of every process, the killed one's included; and the jobs table's run counts).
// It prints what it measured (uploads, failures around the kill, events, reclaim time, job runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startPostgres } from '../helpers/postgres.ts';
import { startServeProcess } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { snapshotFor } from '../helpers/collector.ts';
import { newSecret } from './alerts/alert-setup.ts';

const DEVICES = 24;
const ADMIN = 'admin-token-for-the-two-collector-kill-test-0123456789';
const SECRET = 'enroll-secret-for-the-two-collector-kill-test';
/** alerts.timeoutSeconds: a delivery claim lasts 2 x 5 + 5 = 15 s (worker.ts leaseMs). */
const ALERT_TIMEOUT_SECONDS = 5;
/**
 * Before the kill the receiver holds its answers until it holds HELD requests from the collector to be
 * killed, for HOLD_MS at most: well inside the send timeout, so the survivor's are answered in time.
 */
const HELD = 3;
const HOLD_MS = 3_000;
const CLAIM_LEASE_MS = (2 * ALERT_TIMEOUT_SECONDS + 5) * 1000;
/** The jobs node-cron runs every minute (collector/jobs/table.ts). */
const MINUTE_JOBS = ['stale-sweep', 'grace-promotion', 'exemption-expiry', 'digests'];
const MINUTE = 60_000;

interface Hook {
  id: string;
  /** Which collector sent it (the query string of its webhook URL). */
  from: string;
  /** Held by the receiver when the collector was killed. */
  held: boolean;
  /** Date.now() when the receiver's 2xx was written out; null when the sender was gone first. */
  answeredAt: number | null;
}

/** A webhook receiver that can hold its answers, and knows which answers reached a live connection. */
async function holdingReceiver() {
  const hooks: Hook[] = [];
  let holding = false;
  const held: { from: string; answer: () => void }[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const from = new URL(req.url ?? '/', 'http://receiver').searchParams.get('collector') ?? '';
      const hook: Hook = { id: String(req.headers['webhook-id']), from, held: holding, answeredAt: null };
      hooks.push(hook);
      res.on('finish', () => (hook.answeredAt = Date.now()));
      const answer = () => {
        if (res.destroyed || res.writableEnded) return;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      };
      if (holding) held.push({ from, answer });
      else setTimeout(answer, 10);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hooks,
    hold: () => void (holding = true),
    held: (from: string) => held.filter((h) => h.from === from).length,
    release() {
      holding = false;
      for (const h of held.splice(0)) h.answer();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface Mac {
  serial: string;
  hardwareUuid: string;
  token: string;
  n: number;
  losesEscrow: boolean;
}

interface Acked {
  serial: string;
  id: string;
  changed: boolean;
  collectedAt: string;
}

const minuteBoundaries = (from: number, to: number): number =>
  Math.max(0, Math.floor(to / MINUTE) - Math.floor(from / MINUTE));

test('two collectors on one PostgreSQL database, one killed with SIGKILL under load and started again: no 2xx upload lost, no alert event sent twice, each minute job once a minute', async (t) => {
  const server = await startPostgres();
  const db = await server.createDatabase();
  const receiver = await holdingReceiver();
  const env = {
    TOKENWATCH_ADMIN_TOKEN: ADMIN,
    TOKENWATCH_ENROLL_SECRET: SECRET,
    TOKENWATCH_WEBHOOK_SECRET: newSecret(),
    TOKENWATCH_PUBLIC_URL: 'https://tokenwatch.example.com',
    TOKENWATCH_ALERTS: JSON.stringify({ channels: [], timeoutSeconds: ALERT_TIMEOUT_SECONDS }),
    // Debug: a line for every job run (and every delivery), which the job check below counts.
    TOKENWATCH_LOG_LEVEL: 'debug',
  };
  const started: ServeProcess[] = [];
  // Each collector's copy of the webhook channel names it in the URL, so the receiver knows who sent what.
  const serve = async (name: 'a' | 'b') => {
    const p = await startServeProcess(
      { databaseUrl: db.url },
      { ...env, TOKENWATCH_WEBHOOK_URL: `${receiver.url}?collector=${name}` },
    );
    started.push(p);
    return p;
  };
  const check = new pg.Client({ connectionString: db.url });
  const collectors: (ServeProcess | null)[] = [null, null];
  try {
    [collectors[0], collectors[1]] = await Promise.all([serve('a'), serve('b')]);
    const bothUp = Date.now();
    await check.connect();

    const macs: Mac[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const serial = `C02TWO${String(i).padStart(6, '0')}`;
      const hardwareUuid = randomUUID().toUpperCase();
      const c = collectors[i % 2] as ServeProcess;
      const r = await fetch(`${c.url}/api/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ enrollSecret: SECRET, serial, hardwareUuid }),
      });
      assert.equal(r.status, 200, await r.clone().text());
      const { deviceToken } = (await r.json()) as { deviceToken: string };
      macs.push({ serial, hardwareUuid, token: deviceToken, n: 0, losesEscrow: i % 4 !== 3 });
    }

    // The load balancer: round robin over the collectors in rotation.
    const inRotation = new Set<number>([0, 1]);
    let turn = 0;
    const pick = (): number | null => {
      const live = [...inRotation];
      return live.length === 0 ? null : (live[turn++ % live.length] as number);
    };
    const acked: Acked[] = [];
    const failures: { at: number; what: string }[] = [];
    const refusals = new Set<string>();
    let sent = 0;
    let running = true;
    const client = async (m: Mac) => {
      while (running) {
        m.n++;
        // Every fifth upload repeats the state before it (unchanged); Macs that lose escrow lose and regain
        // it every 2 uploads (an incident opened, resolved, reopened: an event each time).
        const state = m.n % 5 === 0 ? m.n - 1 : m.n;
        const snapshot = snapshotFor(m.serial, m.hardwareUuid, (s) => {
          s.collectedAt = new Date().toISOString();
          (s.users[0] as { uid: number }).uid = 1000 + state;
          if (m.losesEscrow) s.bootstrapToken.escrowed = Math.floor(state / 2) % 2 === 0;
        });
        const body = JSON.stringify(snapshot);
        // An upload not answered 2xx is sent again (the same snapshot id), as the agent's outbox does.
        for (;;) {
          const which = pick();
          if (which === null || !running) return;
          const c = collectors[which] as ServeProcess;
          sent++;
          try {
            const r = await fetch(`${c.url}/api/v1/snapshots`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${m.token}` },
              body,
            });
            const text = await r.text();
            if (r.status >= 200 && r.status < 300) {
              const { id, changed } = JSON.parse(text) as { id: string; changed: boolean };
              acked.push({ serial: m.serial, id, changed, collectedAt: snapshot.collectedAt });
              break;
            }
            failures.push({ at: Date.now(), what: `HTTP ${r.status}` });
            refusals.add(text);
          } catch (e) {
            // Connection refused or reset: the balancer takes the collector out of rotation.
            failures.push({
              at: Date.now(),
              what: (e as { cause?: { code?: string } }).cause?.code ?? 'error',
            });
            if (collectors[which] === c && c.child.exitCode === null && c.child.signalCode === null) continue;
            inRotation.delete(which);
          }
        }
      }
    };
    const clients = macs.map(client);
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

    // Load on both through a minute boundary (both run the minute jobs then: one of them must), then the
    // kill, 3 s or more after it (a collector killed while it holds a job's lease keeps that job from
    // running until the lease runs out).
    await wait(5_000);
    while (minuteBoundaries(bothUp + 2_000, Date.now()) < 1 || Date.now() % MINUTE < 3_000) await wait(250);
    const eventsBeforeKill = receiver.hooks.length;
    receiver.hold();
    const holdUntil = Date.now() + HOLD_MS;
    while (receiver.held('a') < HELD && Date.now() < holdUntil) await wait(50);
    const victim = collectors[0] as ServeProcess;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    assert.equal(await victim.exited, 'SIGKILL');
    receiver.release();
    const claimsAtKill = (
      await check.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM alert_deliveries WHERE state = 'pending' AND claimed_until > $1`,
        [killedAt],
      )
    ).rows[0]?.n;

    // The survivor alone, past the dead one's claim lease; then the killed one comes back into rotation.
    await wait(CLAIM_LEASE_MS + 3_000);
    collectors[0] = await serve('a');
    inRotation.add(0);
    const restartedAt = Date.now();
    // Load on both again for a while.
    await wait(5_000);
    running = false;
    await Promise.all(clients);

    // Every event due is delivered (the worker polls every 500 ms), then both stop.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await check.query<{ pending: number }>(
        `SELECT count(*) FILTER (WHERE state <> 'delivered')::int AS pending FROM alert_deliveries`,
      );
      if (rows[0]?.pending === 0 || Date.now() > deadline) break;
      await wait(250);
    }
    const stoppedAt = Date.now();
    for (const c of collectors) c?.child.kill('SIGTERM');
    for (const c of collectors) assert.equal(await c?.exited, 0, 'a collector stops cleanly on SIGTERM');

    // Uploads: every acknowledged one is in the database.
    const receipts = new Set(
      (await check.query<{ snapshot_id: string }>(`SELECT snapshot_id FROM snapshot_receipts`)).rows.map(
        (r) => r.snapshot_id,
      ),
    );
    const history = new Set(
      (await check.query<{ snapshot_id: string }>(`SELECT snapshot_id FROM snapshot_history`)).rows.map(
        (r) => r.snapshot_id,
      ),
    );
    const missing = acked.filter((a) => !receipts.has(a.id) || (a.changed && !history.has(a.id)));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged uploads missing`);
    const current = new Map(
      (
        await check.query<{ serial: string; collected_at: number }>(
          `SELECT serial, collected_at FROM devices`,
        )
      ).rows.map((r) => [r.serial, Number(r.collected_at)]),
    );
    for (const m of macs) {
      const latest = Math.max(
        ...acked.filter((a) => a.serial === m.serial && a.changed).map((a) => Date.parse(a.collectedAt)),
      );
      assert.ok(
        (current.get(m.serial) ?? 0) >= latest,
        `${m.serial}: current state older than its latest acknowledged change`,
      );
    }

    // Alerts: each event answered once, every one answered, every delivery recorded delivered.
    const events = (await check.query<{ id: string }>(`SELECT id FROM alert_events`)).rows.map((r) => r.id);
    const states = (
      await check.query<{ state: string; n: number }>(
        `SELECT state, count(*)::int AS n FROM alert_deliveries GROUP BY state ORDER BY state`,
      )
    ).rows;
    const answered = receiver.hooks.filter((h) => h.answeredAt !== null);
    const answeredIds = answered.map((h) => h.id);
    const duplicates = answeredIds.length - new Set(answeredIds).size;
    assert.equal(duplicates, 0, 'no event answered twice (webhook-id)');
    assert.deepEqual([...answeredIds].sort(), [...events].sort(), 'every event answered once');
    assert.deepEqual(states, [{ state: 'delivered', n: events.length }], 'every delivery recorded delivered');
    // The dead one's deliveries: held by the receiver at the kill and never answered, then sent again by
    // the survivor (the same webhook-id) once their claims ran out. (The survivor's held ones were answered
    // at the release, inside its send timeout.)
    const cut = receiver.hooks
      .filter((h) => h.held && h.from === 'a' && h.answeredAt === null)
      .map((h) => h.id);
    const survivorCut = receiver.hooks.filter((h) => h.held && h.from === 'b' && h.answeredAt === null);
    assert.deepEqual(survivorCut, [], "the survivor's held requests were answered at the release");
    const retaken = answered.filter((h) => cut.includes(h.id));
    assert.ok(cut.length > 0, 'the killed collector had deliveries in flight (the test kills mid-delivery)');
    assert.equal(
      retaken.length,
      new Set(cut).size,
      'each delivery cut by the kill was sent again and answered',
    );
    const reclaimMs = retaken.map((h) => (h.answeredAt as number) - killedAt);
    assert.ok(
      Math.min(...reclaimMs) >= CLAIM_LEASE_MS - HOLD_MS - 500,
      'the survivor waited for the claim to run out',
    );

    // Jobs: each minute job ran once in each minute the collectors lived through (at least one of them up
    // at each boundary), never twice, by the log lines of every process (the killed one's included); a
    // boundary within 2 s of the start or the stop may or may not have had its run.
    const runs = new Map<string, number[]>(MINUTE_JOBS.map((n) => [n, []]));
    for (const p of started)
      for (const line of p.lines) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; job?: string; time?: number };
        if (entry.msg === `job ${entry.job} ran` && typeof entry.time === 'number')
          runs.get(entry.job as string)?.push(Math.floor(entry.time / MINUTE));
      }
    const sure = minuteBoundaries(bothUp + 2_000, stoppedAt - 2_000);
    const possible = minuteBoundaries(bothUp, stoppedAt);
    assert.ok(
      minuteBoundaries(bothUp + 2_000, killedAt - 2_000) >= 1,
      'both collectors lived through a minute boundary',
    );
    for (const [name, minutes] of runs) {
      assert.equal(
        new Set(minutes).size,
        minutes.length,
        `${name} ran twice in a minute: ${minutes.join(' ')}`,
      );
      assert.ok(
        minutes.length >= sure && minutes.length <= possible,
        `${name} ran ${minutes.length} times over ${sure}-${possible} minute boundaries`,
      );
    }
    const jobs = (await check.query<{ name: string; runs: number }>(`SELECT name, runs FROM jobs`)).rows;
    for (const j of jobs.filter((r) => runs.has(r.name)))
      assert.equal(j.runs, runs.get(j.name)?.length, `${j.name}: the jobs table counts each run`);

    const changed = acked.filter((a) => a.changed).length;
    const killWindow = failures.filter((f) => f.at >= killedAt - 1_000 && f.at < restartedAt);
    const tally = (fs: typeof failures) =>
      [...new Set(fs.map((f) => f.what))]
        .map((w) => `${w} ${fs.filter((f) => f.what === w).length}`)
        .join(', ') || 'none';
    const outside = failures.filter((f) => !killWindow.includes(f));
    t.diagnostic(
      `uploads: ${sent} sent by ${DEVICES} Macs over ${Math.round((stoppedAt - bothUp) / 1000)} s, ${acked.length} answered 2xx (${changed} changes), every one in the database (receipt, history, current state)`,
    );
    t.diagnostic(
      `uploads not answered 2xx: ${killWindow.length} from the kill to the restart (${tally(killWindow)}), ${outside.length} otherwise (${tally(outside)}); each sent again and answered`,
    );
    for (const r of [...refusals].slice(0, 3)) t.diagnostic(`refused with: ${r}`);
    // Why the collectors answered 503: the errors they logged for them.
    const causes = new Map<string, number>();
    for (const p of started)
      for (const line of p.lines) {
        if (!line.includes('"request failed"')) continue;
        const err = (JSON.parse(line) as { err?: { message?: string } }).err?.message ?? '?';
        const why = err.replace(/\d+/g, 'N').slice(0, 160);
        causes.set(why, (causes.get(why) ?? 0) + 1);
      }
    for (const [why, n] of causes) t.diagnostic(`503 cause (${n}): ${why}`);
    t.diagnostic(
      `alerts: ${events.length} events, ${answered.length} answered once each (duplicates ${duplicates}); ${eventsBeforeKill} before the kill; ${claimsAtKill} deliveries claimed (by either collector) at the kill, ${new Set(cut).size} of the killed one's in flight and sent again by the survivor ${Math.round(Math.min(...reclaimMs))}-${Math.round(Math.max(...reclaimMs))} ms after the kill (claim lease ${CLAIM_LEASE_MS} ms)`,
    );
    t.diagnostic(
      `jobs: ${MINUTE_JOBS.map((n) => `${n} ${runs.get(n)?.length ?? 0}`).join(', ')} runs over ${sure} minute boundaries (one per minute across both collectors, none twice)`,
    );
  } finally {
    for (const c of collectors)
      if (c && c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await check.end().catch(() => undefined);
    await receiver.close();
    await db.drop().catch(() => undefined);
    await server.stop();
  }
});
