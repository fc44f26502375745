// 10,000 generated hostile requests against one running collector (fast-check, seeded: the seed is printed;
// TOKENWATCH_FAULTS_SEED=<seed> replays the same requests): malformed JSON, wrong types, huge and deep
// values, hostile strings, impossible dates, odd ids, content types and auth headers on uploads, check-ins,
// enrollments, exemptions and admin reads. Every answer is below 500; every refused request wrote no row
// (the data tables are counted before and after each one); afterwards the server still serves and every
// admin read (each page of devices, each device page, the summary, exemptions, the enrollment audit and
// the identity conflicts) answers 200.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { snapshotDigest } from '../../agent/snapshot/index.ts';
import { startTestCollector, snapshotFor, ADMIN_TOKEN, ENROLL_SECRET } from '../helpers/collector.ts';
import { build, hostileRequest } from '../helpers/hostile-requests.ts';
import { ERRORS } from '../../collector/http/errors.ts';
import type { Built, HostileRequest, Target } from '../helpers/hostile-requests.ts';

const RUNS = 10_000;
const BODY_LIMIT = 256 * 1024;
const SEED = process.env['TOKENWATCH_FAULTS_SEED']
  ? Number(process.env['TOKENWATCH_FAULTS_SEED'])
  : Math.floor(Math.random() * 2 ** 31);

interface Answer {
  status: number;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * One request over a kept-alive connection (or a new one when `fresh`); status 0 when the connection closed
 * instead of an answer.
 */
function send(base: string, b: Built, fresh = false): Promise<Answer> {
  const u = new URL(b.path, base);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: b.method,
        agent: fresh ? false : agent,
        headers: { ...b.headers, ...(b.body ? { 'content-length': String(b.body.length) } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', () => resolve({ status: 0, text }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, text: e.message }));
    req.end(b.body ?? undefined);
  });
}

test(`${RUNS} generated hostile requests: no 5xx, no row written for a refused one, every admin read 200 afterwards`, async (t) => {
  t.diagnostic(`seed ${SEED} (replay: TOKENWATCH_FAULTS_SEED=${SEED} npm run test:faults)`);
  const c = await startTestCollector({ bodyLimitBytes: String(BODY_LIMIT), logLevel: 'warn' });
  const db = new Database(c.dbPath, { readonly: true });
  try {
    const own = await c.device();
    const other = await c.device();
    const revoked = await c.device();
    assert.equal((await c.admin(`/api/v1/devices/${revoked.serial}/revoke`, 'POST')).status, 200);
    const first = snapshotFor(own.serial, own.hardwareUuid);
    assert.equal((await c.upload(own.token, first)).status, 200);
    const target: Target = {
      now: () => c.clock.now(),
      adminToken: ADMIN_TOKEN,
      enrollSecret: ENROLL_SECRET,
      own,
      other,
      revoked,
      digest: snapshotDigest(first),
    };
    // Rows of every table a request may write, and the devices' last contact (an upload touches it). The
    // enrollment audit is not counted: refused enrollments are audited by design.
    const fingerprint = db.prepare(
      `SELECT (SELECT count(*) FROM snapshot_history) AS history, (SELECT count(*) FROM snapshot_receipts) AS receipts,
              (SELECT count(*) FROM findings) AS findings, (SELECT count(*) FROM exemptions) AS exemptions,
              (SELECT count(*) FROM devices) AS devices, (SELECT sum(coalesce(last_seen, 0)) FROM devices) AS seen,
              (SELECT count(token_hash) FROM devices) AS tokens`,
    );
    const digestOf = db.prepare('SELECT digest FROM devices WHERE serial = ?');

    const byOutcome = new Map<string, number>();
    let refusedChecked = 0;
    let closed = 0;
    let n = 0;
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(hostileRequest, async (req: HostileRequest) => {
        n++;
        // Limits are per minute: move the collector's clocks on so enrollment and admin paths stay covered.
        c.clock.advance(30_000);
        if (n % 15 === 0) c.advanceMonotonic(61_000);
        target.digest = (digestOf.get(own.serial) as { digest: string | null } | undefined)?.digest ?? null;
        const built = build(req, target, BODY_LIMIT);
        const before = fingerprint.get();
        let answer = await send(c.url, built);
        // A kept-alive connection can be closed by the server just as it is reused: once more on a new one.
        if (answer.status === 0 && !built.oversized) answer = await send(c.url, built, true);
        const code = /"error":"([a-z_]+)"/.exec(answer.text)?.[1];
        const outcome =
          answer.status === 0 ? 'connection closed' : `${answer.status}${code ? ` ${code}` : ''}`;
        byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
        assert.ok(answer.status < 500, `${outcome}: ${answer.text.slice(0, 300)}`);
        if (answer.status >= 400)
          assert.ok(
            code !== undefined && code in ERRORS,
            `not in the catalogue: ${answer.text.slice(0, 300)}`,
          );
        if (answer.status === 0) {
          closed++;
          assert.ok(built.oversized, `closed without an answer: ${answer.text}`);
        }
        if (answer.status === 0 || answer.status >= 400) {
          assert.deepEqual(fingerprint.get(), before, `a refused request (${outcome}) wrote rows`);
          refusedChecked++;
        }
      }),
      { seed: SEED, numRuns: RUNS, includeErrorInReport: true },
    );
    const seconds = (performance.now() - started) / 1000;

    // The server still serves, and every admin read answers 200.
    assert.equal((await c.request('GET', '/healthz')).status, 200);
    let pages = 0;
    const serials: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await c.admin(`/api/v1/devices?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, page.text);
      pages++;
      serials.push(...page.json.devices.map((d: { serial: string }) => d.serial));
      cursor = page.json.nextCursor;
    } while (cursor);
    for (const serial of serials) {
      const d = await c.admin(`/api/v1/devices/${encodeURIComponent(serial)}`);
      assert.equal(d.status, 200, `${serial}: ${d.text.slice(0, 300)}`);
    }
    for (const path of ['/api/v1/summary', '/api/v1/exemptions', '/api/v1/rules', '/metrics']) {
      assert.equal((await c.admin(path)).status, 200, path);
    }
    let auditPages = 0;
    let before: number | null = null;
    do {
      const page = await c.admin(
        `/api/v1/enrollments?limit=100${before !== null ? `&before=${before}` : ''}`,
      );
      assert.equal(page.status, 200, page.text);
      auditPages++;
      before = page.json.nextBefore;
    } while (before !== null);

    let conflicts = 0;
    let conflictPages = 0;
    let beforeConflict: number | null = null;
    do {
      const page = await c.admin(
        `/api/v1/identity-conflicts?limit=100${beforeConflict !== null ? `&before=${beforeConflict}` : ''}`,
      );
      assert.equal(page.status, 200, page.text);
      conflictPages++;
      for (const conflict of page.json.conflicts as { id: number }[]) {
        assert.equal((await c.admin(`/api/v1/identity-conflicts/${conflict.id}`)).status, 200);
        conflicts++;
      }
      beforeConflict = page.json.nextBefore;
    } while (beforeConflict !== null);

    const counts = [...byOutcome].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}: ${v}`);
    const fiveHundreds = [...byOutcome].filter(([k]) => /^5/.test(k)).reduce((s, [, v]) => s + v, 0);
    t.diagnostic(`${n} requests in ${seconds.toFixed(1)} s; 5xx: ${fiveHundreds}`);
    t.diagnostic(`answers: ${counts.join(', ')}`);
    t.diagnostic(`refused requests checked for written rows: ${refusedChecked}, rows written by them: 0`);
    t.diagnostic(`connections closed instead of answered (oversized header or body): ${closed}`);
    t.diagnostic(
      `afterwards: /healthz 200; ${pages} device pages, ${serials.length} device details, summary, exemptions, rules, ${auditPages} audit pages, ${conflictPages} identity-conflict pages and ${conflicts} conflicts: all 200`,
    );
    assert.equal(fiveHundreds, 0);
    assert.ok(n >= RUNS);
  } finally {
    db.close();
    agent.destroy();
    await c.stop();
  }
});
