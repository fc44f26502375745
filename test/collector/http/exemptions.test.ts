// Exemptions and an admin's typo: every expiry is bounded (after now, at most 3650 days ahead, a real
// calendar date) and refused with a 400 before anything is written; a row an older version stored with an
// expiry that is no instant (the "99999999d" of the attack pass) is an error naming the exemption, which
// exempts nothing: ingest, the device list, the exemption list (API and CLI) all keep working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { startTestCollector, snapshotFor, T0 } from '../../helpers/collector.ts';
import type { TestCollector } from '../../helpers/collector.ts';

const BIN = new URL('../../../bin/tokenwatch.js', import.meta.url).pathname;
const DAY = 86_400_000;

let c: TestCollector;
before(async () => {
  c = await startTestCollector();
});
after(() => c.stop());

const rows = (): number => {
  const db = new Database(c.dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM exemptions').get() as { n: number }).n;
  } finally {
    db.close();
  }
};
const exempt = (expires: string | null) =>
  c.admin('/api/v1/exemptions', 'POST', { reason: 'typo check', createdBy: 'jane', expires });

test('an expiry must be a real time after now and at most 3650 days ahead: anything else is 400 and writes nothing', async () => {
  const before = rows();
  const refused: [string, RegExp][] = [
    [
      '99999999d',
      /^expires "99999999d" is more than 3650 days \(10 years\) ahead: the longest exemption is 3650d$/,
    ],
    ['3651d', /more than 3650 days/],
    ['87601h', /more than 3650 days/],
    ['5256001m', /more than 3650 days/],
    ['0d', /^expires "0d" is no time from now: give at least 1d$/],
    ['2026-02-30', /^expires "2026-02-30" is not a real instant: February 2026 has 28 days; an expiry is/],
    ['2026-04-31T00:00:00Z', /April 2026 has 30 days/],
    ['2026-03-01T00:00:00Z', /^expires "2026-03-01T00:00:00Z" is 2026-03-01T00:00:00\.000Z, not after now/],
    ['2036-03-02T12:00:00.001Z', /more than 3650 days/],
    ['9999-12-31T23:59:59Z', /more than 3650 days/],
    ['+010000-01-01T00:00:00Z', /is not an RFC 3339 date-time/],
    ['next week', /is not an RFC 3339 date-time/],
  ];
  for (const [expires, message] of refused) {
    const r = await exempt(expires);
    assert.equal(r.status, 400, `${expires}: ${r.text}`);
    assert.equal(r.json.error, 'invalid_body');
    assert.match(r.json.message, message);
  }
  assert.equal(rows(), before, 'nothing refused was written');
  const accepted: [string | null, string | null][] = [
    ['3650d', new Date(T0.getTime() + 3650 * DAY).toISOString()],
    ['1m', new Date(T0.getTime() + 60_000).toISOString()],
    ['2026-06-30', '2026-06-30T00:00:00.000Z'],
    ['2028-02-29T12:00:00+01:00', '2028-02-29T11:00:00.000Z'],
    ['never', null],
    [null, null],
  ];
  for (const [expires, expiresAt] of accepted) {
    const r = await exempt(expires);
    assert.equal(r.status, 201, `${expires}: ${r.text}`);
    assert.equal(r.json.expiresAt, expiresAt);
    assert.equal(r.json.problem, null);
    assert.equal((await c.admin(`/api/v1/exemptions/${r.json.id}`, 'DELETE')).status, 200);
  }
  // The CLI bounds the same way and says why on stderr.
  const cli = spawnSync(
    process.execPath,
    [
      BIN,
      'exempt',
      'add',
      '--db',
      c.dbPath,
      '--all-devices',
      '--reason',
      'x',
      '--by',
      'y',
      '--expires',
      '99999999d',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(cli.status, 2, cli.stderr);
  assert.match(cli.stderr, /^tokenwatch exempt: expires "99999999d" is more than 3650 days/);
  assert.equal(rows(), before);
});

test('stored exemptions whose expiry is no instant: named as errors, exempt nothing, and break no read and no ingest', async () => {
  const a = await c.device();
  const b = await c.device();
  const quiet = await c.device();
  for (const d of [a, b, quiet])
    assert.equal((await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid))).status, 200);
  // What a collector before the bound stored for "99999999d", and two rows a hand could leave.
  const broken = [
    { id: randomUUID(), expires: T0.getTime() + 99999999 * DAY },
    { id: randomUUID(), expires: 'tomorrow' },
    { id: randomUUID(), expires: 1e20 },
  ];
  const db = new Database(c.dbPath);
  const insert = db.prepare(
    `INSERT INTO exemptions (id, serial, rule, user_name, reason, created_by, created_at, expires_at)
     VALUES (?, NULL, NULL, NULL, 'fleet-wide, all rules', 'typo', ?, ?)`,
  );
  for (const e of broken) insert.run(e.id, T0.getTime(), e.expires);
  db.close();

  const list = await c.admin('/api/v1/exemptions');
  assert.equal(list.status, 200, list.text);
  for (const e of broken) {
    const shown = list.json.find((x: { id: string }) => x.id === e.id);
    assert.equal(shown.expiresAt, null);
    assert.equal(shown.active, false);
    assert.match(
      shown.problem,
      new RegExp(`^exemption ${e.id}: the stored expiry .* is no instant; it exempts nothing`),
    );
    assert.equal((await c.admin(`/api/v1/exemptions/${e.id}`)).status, 200);
  }
  // Ingest of a change from every device still works, and a failing rule is not exempted by the broken rows.
  for (const d of [a, b]) {
    c.clock.advance(1000);
    const r = await c.upload(
      d.token,
      snapshotFor(d.serial, d.hardwareUuid, (s) => ((s.fileVault as { state: string }).state = 'off')),
    );
    assert.equal(r.status, 200, r.text);
    const detail = await c.admin(`/api/v1/devices/${d.serial}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.json.status, 'noncompliant');
  }
  // A compliant Mac that falls silent goes stale: the broken rows do not exempt it from stale (the SQL agrees).
  c.clock.advance(8 * DAY);
  const page = await c.admin('/api/v1/devices?status=noncompliant&limit=1000');
  assert.equal(page.status, 200);
  assert.ok(page.json.devices.some((x: { serial: string }) => x.serial === quiet.serial));
  const silent = (await c.admin(`/api/v1/devices/${quiet.serial}`)).json;
  assert.deepEqual(
    silent.findings.map((f: { rule: string; state: string }) => `${f.rule}:${f.state}`),
    ['stale:active'],
  );
  assert.equal((await c.admin('/api/v1/summary')).status, 200);

  // The CLI lists every row, marks the broken ones and names them on stderr.
  const cli = spawnSync(process.execPath, [BIN, 'exempt', 'list', '--db', c.dbPath], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  for (const e of broken) {
    assert.match(cli.stdout, new RegExp(`^${e.id} .* broken  expires UNREADABLE  by typo`, 'm'));
    assert.match(cli.stderr, new RegExp(`exemption ${e.id}: the stored expiry`));
  }
  // They can be removed through the API and the CLI.
  assert.equal((await c.admin(`/api/v1/exemptions/${broken[0]?.id}`, 'DELETE')).status, 200);
  const removed = execFileSync(process.execPath, [
    BIN,
    'exempt',
    'remove',
    '--db',
    c.dbPath,
    broken[1]?.id ?? '',
  ]);
  assert.equal(removed.toString().trim(), `removed ${broken[1]?.id}`);
});
