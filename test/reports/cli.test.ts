// tokenwatch report against a real collector (real HTTP, real SQLite file, real uploads at moved clock
// times): --server reads the admin API, --db the database file read-only through the same read model,
// and both give the same report; CSV and JSON are what their declarations say; --status, --rule,
// --as-of and --group-by select what the API selects; --out never leaves half a file; mistakes are one line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Compile } from 'typebox/compile';
import { reportCommand, parseAsOf } from '../../reports/cli.ts';
import type { Output } from '../../reports/cli.ts';
import { CSV_COLUMNS } from '../../reports/render/index.ts';
import { parseCsv } from './render/csv-records.ts';
import { FleetReport } from '../../reports/report-schema.ts';
import { openSqliteReadOnly } from '../../collector/store/sqlite/read-only.ts';
import { createReadModel } from '../../collector/services/read-model.ts';
import { ruleConfig } from '../../collector/services/evaluation.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import { ADMIN_TOKEN, startTestCollector, snapshotFor } from '../helpers/collector.ts';
import type { Json, TestCollector } from '../helpers/collector.ts';
import { fv, userNamed } from '../collector/rules/compliant-snapshot.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const H = 3_600_000;

let c: TestCollector;
/** Serials: compliant, not escrowed (then fixed), FileVault off, an Intel Mac with a user without a token. */
const macs: Record<
  'ok' | 'escrow' | 'fv' | 'intel',
  { serial: string; hardwareUuid: string; token: string }
> = {} as never;
let firstHour: Date;

const notEscrowed = (s: Snapshot) => void (s.bootstrapToken.escrowed = false);
const intelWithoutToken = (s: Snapshot) => {
  s.device.appleSilicon = false;
  s.device.model = 'MacBookPro16,1';
  s.device.osVersion = '14.7.4';
  s.notApplicable.push('users.volumeOwner');
  s.users.push({
    ...userNamed(s, 'bob'),
    name: 'kim',
    uid: 503,
    guid: null,
    secureToken: false,
    fileVault: false,
  });
};

before(async () => {
  c = await startTestCollector();
  for (const k of ['ok', 'escrow', 'fv', 'intel'] as const) macs[k] = await c.device();
  const up = (k: keyof typeof macs, edit?: (s: Snapshot) => void) =>
    c.upload(macs[k].token, snapshotFor(macs[k].serial, macs[k].hardwareUuid, edit));
  await up('ok');
  await up('escrow', notEscrowed);
  await up('fv', (s) => (s.fileVault.state = fv('off')));
  await up('intel', intelWithoutToken);
  c.clock.advance(H);
  firstHour = c.clock.now();
  c.clock.advance(24 * H);
  assert.equal((await up('escrow')).status, 200); // fixed a day later
});
after(() => c.stop());

function output(tty = false): Output & { text: () => string } {
  let text = '';
  return { write: (s: string) => ((text += s), true), isTTY: tty, columns: 160, text: () => text };
}

async function report(args: string[], opts: { token?: string; tty?: boolean } = {}) {
  const stdout = output(opts.tty);
  const stderr = output();
  const code = await reportCommand(args, {
    env: { TOKENWATCH_ADMIN_TOKEN: opts.token ?? ADMIN_TOKEN },
    now: c.clock.now(),
    stdout,
    stderr,
    openDb: async (source) => {
      assert.ok(
        'db' in source,
        'these tests read the SQLite file (PostgreSQL: report-backends.system.test.ts)',
      );
      const store = openSqliteReadOnly(source.db);
      return { name: source.db, readModel: createReadModel(store, ruleConfig(c.config)), close: store.close };
    },
  });
  return { code, out: stdout.text(), err: stderr.text() };
}

const both = async (args: string[]) => {
  const server = await report(['--server', c.url, ...args]);
  const db = await report(['--db', c.dbPath, ...args]);
  assert.equal(server.code, 0, server.err);
  assert.equal(db.code, 0, db.err);
  return { server, db };
};

test('--server and --db give the same report, in every format', async () => {
  for (const format of ['table', 'csv', 'json']) {
    const { server, db } = await both(['--format', format]);
    if (format === 'json') {
      const [a, b] = [server.out, db.out].map((t) => JSON.parse(t) as Json);
      assert.equal(a.source, c.url);
      assert.equal(b.source, c.dbPath);
      assert.deepEqual({ ...a, source: null }, { ...b, source: null });
    } else assert.equal(server.out, db.out, format);
  }
});

test('html: one self-contained file from the same views: the noncompliant Macs with their fixes, the trend, no network', async () => {
  const { server, db } = await both(['--format', 'html', '--trend-days', '2']);
  const page = server.out;
  assert.match(page, /^<!doctype html>/i);
  assert.equal(
    server.out.split(c.url).join('SOURCE'),
    db.out.split(c.dbPath).join('SOURCE'),
    'the same report from the API and from the database file, but for the source named',
  );
  assert.match(page, /Content-Security-Policy/);
  assert.doesNotMatch(page, /<script[^>]+src=|<link[^>]+href="?https?:/i, 'nothing fetched from the network');
  assert.ok(page.includes(macs.fv.serial), 'the noncompliant Mac is listed');
  assert.match(page, /filevault-off/);
  assert.match(page, /Bootstrap Token escrowed/);
  assert.match(page, /2026-03-0[23]/, 'the trend days');
});

test('table: the summary first, then every Mac with its failing rules and when they started; plain when piped', async () => {
  const { server } = await both([]);
  const text = server.out;
  assert.ok(!text.includes('\u001b['), 'no colour into a pipe');
  assert.match(text, /^4 devices: 2 noncompliant, 0 unknown, 2 compliant; 0 stale/m);
  assert.match(text, /^Bootstrap Token escrowed: 100\.0% \(4 of 4\); usable: 100\.0% \(4 of 4\)$/m);
  assert.match(text, /^FileVault on: 75\.0% \(3 of 4\)/m);
  assert.match(
    text,
    /^MDM can update without a person: 3 yes, 0 no, 0 unknown, 1 not applicable \(Intel\)$/m,
  );
  assert.match(text, new RegExp(`^${macs.fv.serial} .*noncompliant`, 'm'));
  assert.match(text, /^ {4}filevault-off\s+critical\s+since 2026-03-02 12:00$/m);
  assert.match(text, /^ {4}user-without-securetoken \(kim\)\s+high\s+since 2026-03-02 12:00$/m);
  assert.ok(text.indexOf('FileVault on:') < text.indexOf('SERIAL'));
  const coloured = await report(['--server', c.url], { tty: true });
  assert.ok(coloured.out.includes('\u001b[31;1mnoncompliant'), 'coloured on a terminal');
  assert.ok(!(await report(['--server', c.url, '--no-color'], { tty: true })).out.includes('\u001b['));
});

test('csv: one row per (device, finding) with the columns an auditor uses; --status and --rule select', async () => {
  const { server } = await both(['--format', 'csv', '--status', 'noncompliant']);
  const [head, ...rows] = parseCsv(server.out);
  assert.deepEqual(head, [...CSV_COLUMNS]);
  const col = (r: string[], name: (typeof CSV_COLUMNS)[number]) => r[CSV_COLUMNS.indexOf(name)];
  assert.deepEqual(
    rows.map((r) => [col(r, 'serial'), col(r, 'rule')]).sort(),
    [
      [macs.fv.serial, 'filevault-off'],
      [macs.intel.serial, 'user-without-securetoken'],
    ].sort(),
  );
  const intel = rows.find((r) => col(r, 'serial') === macs.intel.serial) ?? [];
  assert.equal(col(intel, 'hardware_uuid'), macs.intel.hardwareUuid);
  assert.equal(col(intel, 'user'), 'kim');
  assert.equal(col(intel, 'state'), 'active');
  assert.equal(col(intel, 'mdm_update'), 'not_applicable');
  assert.equal(col(intel, 'failing_since'), '2026-03-02T12:00:00.000Z');
  assert.match(server.out, /sysadminctl -secureTokenOn USER/, 'the remediation');
  const one = await report(['--server', c.url, '--format', 'csv', '--rule', 'filevault-off']);
  assert.deepEqual(
    parseCsv(one.out)
      .slice(1)
      .map((r) => r[0]),
    [macs.fv.serial],
  );
});

test('json: the declared schema; the devices and summary are what the API answers, each finding with its fix', async () => {
  const { server } = await both(['--format', 'json', '--trend-days', '2']);
  const value: unknown = JSON.parse(server.out);
  const shape = Compile(FleetReport);
  assert.ok(shape.Check(value), JSON.stringify([...shape.Errors(value)][0]));
  const r = value as FleetReport;
  const api = (await c.admin('/api/v1/devices?limit=1000')).json;
  assert.deepEqual(
    r.devices.map((d) => ({ ...d, findings: d.findings.map(({ remediation: _, ...f }) => f) })),
    api.devices,
  );
  assert.ok(r.devices.every((d) => d.findings.every((f) => f.remediation.length > 20)));
  assert.deepEqual(
    { ...r.summary, generatedAt: null },
    { ...(await c.admin('/api/v1/summary')).json, generatedAt: null },
  );
  assert.deepEqual(
    r.trend?.days.map((d) => d.day),
    ['2026-03-02', '2026-03-03'],
  );
  assert.equal(r.groups, null);
});

test('--as-of: the fleet as it was, from the stored history', async () => {
  const at = firstHour.toISOString();
  const { server } = await both(['--format', 'json', '--as-of', at]);
  const r = JSON.parse(server.out) as FleetReport;
  assert.equal(r.asOf, at);
  assert.deepEqual(r.summary.byStatus, { compliant: 1, noncompliant: 3, unknown: 0 });
  assert.equal(r.summary.bootstrapEscrowed.yes, 3);
  const escrow = r.devices.find((d) => d.serial === macs.escrow.serial);
  assert.deepEqual(
    escrow?.findings.map((f) => f.rule),
    ['bootstrap-not-escrowed'],
  );
  const table = await report(['--db', c.dbPath, '--as-of', at]);
  assert.match(table.out, /^tokenwatch fleet compliance as of 2026-03-02 13:00 UTC$/m);
  assert.match(table.out, /^4 devices: 3 noncompliant/m);
  // A day: the fleet as that UTC day ended.
  assert.equal(parseAsOf('2026-03-01').toISOString(), '2026-03-01T23:59:59.999Z');
  const before = await report(['--server', c.url, '--as-of', '2026-03-01']);
  assert.equal(before.code, 0, before.err);
  assert.match(before.out, /^0 devices: /m, 'no Mac had enrolled by the end of 1 March');
});

test('--group-by: a breakdown by OS, model or rule (CSV: the breakdown itself)', async () => {
  const os = await report(['--server', c.url, '--format', 'csv', '--group-by', 'os']);
  // Most noncompliant first, then most devices.
  assert.equal(os.out, 'os,devices,noncompliant,unknown,compliant\r\n15.3.1,3,1,0,2\r\n14.7.4,1,1,0,0\r\n');
  const rule = JSON.parse(
    (await report(['--db', c.dbPath, '--format', 'json', '--group-by', 'rule'])).out,
  ) as FleetReport;
  assert.deepEqual(rule.groups, {
    by: 'rule',
    rows: [
      { key: 'user-without-securetoken', devices: 1, compliant: 0, noncompliant: 1, unknown: 0 },
      { key: 'filevault-off', devices: 1, compliant: 0, noncompliant: 1, unknown: 0 },
    ],
  });
  const model = await report(['--db', c.dbPath, '--group-by', 'model']);
  assert.match(model.out, /^MODEL\s+DEVICES\s+NONCOMPLIANT\s+UNKNOWN\s+COMPLIANT$/m);
  assert.match(model.out, /^MacBookPro16,1\s+1\s+1\s+0\s+0$/m);
});

test('--out writes the whole report or nothing; the temporary file never stays', async () => {
  const file = path.join(c.dir, 'fleet.csv');
  const r = await report(['--db', c.dbPath, '--format', 'csv', '--out', file]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '');
  assert.equal(readFileSync(file, 'utf8'), (await report(['--db', c.dbPath, '--format', 'csv'])).out);
  writeFileSync(file, 'the previous report\n');
  const failed = await report(['--server', c.url, '--format', 'csv', '--out', file], {
    token: 'wrong-token-0123456789',
  });
  assert.equal(failed.code, 1);
  assert.match(failed.err, /answered 401/);
  assert.equal(
    readFileSync(file, 'utf8'),
    'the previous report\n',
    'a failed report leaves the file as it was',
  );
  assert.deepEqual(
    readdirSync(c.dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
  const nowhere = path.join(c.dir, 'no-such-dir', 'fleet.csv');
  const unwritable = await report(['--db', c.dbPath, '--format', 'csv', '--out', nowhere]);
  assert.equal(unwritable.code, 1);
  assert.equal(unwritable.err, `tokenwatch report: cannot write ${nowhere}: ENOENT (open)\n`);
});

test('mistakes are one line with the usage, exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [[], /give exactly one of --server URL, --db FILE or --database-url URL/],
    [['--db', 'f', '--database-url', 'postgres://h/d'], /give exactly one of/],
    [['--database-url', 'mysql://h/d'], /--database-url must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [['--server', 'x', '--db', 'y'], /give exactly one of/],
    [['--db', 'f', '--format', 'xml'], /--format must be one of table, csv, json, html, not "xml"/],
    [
      ['--db', 'f', '--status', 'noncompliant,broken'],
      /--status must be one of compliant, noncompliant, unknown, stale, not "broken"/,
    ],
    [['--db', 'f', '--rule', 'nope'], /unknown rule "nope" \(rules: bootstrap-not-escrowed, /],
    [['--db', 'f', '--as-of', '2026-02-30'], /--as-of "2026-02-30" is not a date/],
    [['--db', 'f', '--group-by', 'colour'], /--group-by must be one of rule, os, model/],
    [['--db', 'f', '--bogus'], /Unknown option '--bogus'/],
    [['--server', 'ftp://x'], /--server must be an http:\/\/ or https:\/\/ URL/],
  ];
  for (const [args, why] of cases) {
    const r = await report(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err.split('\n')[0] ?? '', why, args.join(' '));
    assert.match(r.err, /\ntokenwatch report \(--server URL \| --db FILE \| --database-url URL\)/);
  }
  const noToken = await report(['--server', c.url], { token: '' });
  assert.equal(noToken.code, 2);
  assert.equal(noToken.err, 'tokenwatch report: --server needs the admin token in TOKENWATCH_ADMIN_TOKEN\n');
});

test('tokenwatch report --db: a missing file, or not a database, is one line and exit 1; nothing is created', async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.join(ROOT, 'bin/tokenwatch.js'), 'report', ...args],
        { cwd: c.dir },
        (e, stdout, stderr) =>
          resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr }),
      ),
    );
  const missing = path.join(c.dir, 'typo.db');
  const r = await run(['--db', missing]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `tokenwatch: ${missing} does not exist (give the collector's database file)\n`);
  assert.ok(!existsSync(missing));
  const text = path.join(c.dir, 'notes.txt');
  writeFileSync(text, 'not a database at all, but long enough to have a header page?\n'.repeat(20));
  const notDb = await run(['--db', text]);
  assert.equal(notDb.code, 1);
  assert.match(notDb.stderr, /^tokenwatch: .*notes\.txt is not a SQLite database\n$/);
  const ok = await run(['--db', c.dbPath, '--format', 'csv', '--rule', 'filevault-off']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(
    parseCsv(ok.stdout).map((r) => r[0]),
    ['serial', macs.fv.serial],
  );
});
