// docs/operations.md keeps up with what it describes: every file in deploy/systemd, the values it quotes
// from the units, the settings and metrics that exist (names, types, defaults), the backup command's
// flags and output, the storage figures of BENCHMARKS.md, and the marked place for later sections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../../collector/config.ts';
import type { SettingKey } from '../../collector/config.ts';
import { Metrics } from '../../collector/http/metrics.ts';
import { REVOCATION_CHANNEL } from '../../collector/store/postgres/revocations.ts';
import { ROOT, SYSTEMD_DIR, readUnit, value } from './unit-file.ts';

const doc = fs.readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');

/** The cells of a Markdown table's body rows, backticks removed. */
function rows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('| ') && !/^\|[\s|:-]+$/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/`/g, '')),
    );
}

function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}`);
  assert.ok(start >= 0, `section ${title}`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

test('docs/operations.md says where every file of deploy/systemd installs', () => {
  const listed = rows(section('1. What goes where')).map((r) => r[0] ?? '');
  for (const f of fs.readdirSync(SYSTEMD_DIR)) assert.ok(listed.includes(f), `${f} is in the table`);
});

test('the values it quotes are the units’ own', () => {
  const service = readUnit('tokenwatch.service');
  const backup = readUnit('tokenwatch-backup.service');
  const timer = readUnit('tokenwatch-backup.timer');
  for (const key of ['TimeoutStopSec', 'LimitNOFILE'])
    assert.ok(
      doc.includes(`${key}=${value(service, 'Service', key)}`),
      `${key}=${value(service, 'Service', key)}`,
    );
  assert.match(
    doc,
    new RegExp(`after ${(value(service, 'Service', 'RestartSec') ?? '').replace(/s$/, '')} s`),
  );
  assert.match(doc, new RegExp(`Exit\\s+status ${value(service, 'Service', 'RestartPreventExitStatus')} `));
  const keep = /--keep (\d+)/.exec(value(backup, 'Service', 'ExecStart') ?? '')?.[1];
  assert.match(doc, new RegExp(`keeping ${keep} copies`));
  assert.match(doc, new RegExp(`newest ${keep} kept`));
  const at = /(\d\d:\d\d):00$/.exec(value(timer, 'Timer', 'OnCalendar') ?? '')?.[1];
  assert.match(
    doc,
    new RegExp(`at ${at} \\(plus up to ${value(timer, 'Timer', 'RandomizedDelaySec')?.replace('min', '')}`),
  );
  const cron = /name: 'retention',\s+cron: '(\d+) (\d+) \* \* \*'/.exec(
    fs.readFileSync(path.join(ROOT, 'collector/jobs/table.ts'), 'utf8'),
  );
  assert.ok(cron, 'the retention job runs daily');
  assert.match(
    doc,
    new RegExp(`every day at ${String(cron[2]).padStart(2, '0')}:${String(cron[1]).padStart(2, '0')}`),
  );
});

test('every TOKENWATCH_ name it uses is a setting, and the retention table has their defaults', () => {
  const known = new Set(Object.values(SETTINGS).map((s) => s.env));
  const used = new Set(doc.match(/TOKENWATCH_[A-Z][A-Z_]*\*?/g) ?? []);
  assert.ok(used.size >= 8);
  for (const name of used) {
    // TOKENWATCH_TLS_* stands for the settings it starts.
    if (name.endsWith('*'))
      assert.ok(
        [...known].some((k) => k.startsWith(name.slice(0, -1))),
        name,
      );
    else assert.ok(known.has(name), `${name} is a setting`);
  }
  const retention = rows(section('11. Retention and database size')).filter(
    (r) => ((r[0] ?? '').split(' ')[0] ?? '') in SETTINGS,
  );
  assert.ok(retention.length >= 4);
  for (const [cell, def] of retention) {
    const key = (cell ?? '').split(' ')[0] as SettingKey;
    assert.ok(key in SETTINGS, key);
    assert.equal(def, String(SETTINGS[key].default), key);
    assert.ok(
      (cell ?? '').includes(SETTINGS[key].env.replace('TOKENWATCH_', '')),
      `${key}'s environment name`,
    );
  }
});

test('the metrics table lists every metric the collector exports, with its type', () => {
  const m = new Metrics();
  const types = new Map(
    [...m.render({ compliant: 0 }).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => [x[1], x[2]] as const),
  );
  const table = rows(section('12. Monitoring')).filter((r) => (r[0] ?? '').startsWith('tokenwatch_'));
  for (const [name, type] of table) assert.equal(types.get(name ?? ''), type, `${name} is a ${type}`);
  // And every metric the collector exports has its row.
  assert.deepEqual(table.map((r) => r[0]).sort(), [...types.keys()].sort());
  // Metric names elsewhere in the text (alert rules) exist too; histogram series carry a suffix.
  // The PostgreSQL migrations' own table is named too (section 13), as store/postgres/migrate.ts names it,
  // and the PostgreSQL notification channel is named like a metric.
  const tables = ['tokenwatch_schema'];
  const migrate = fs.readFileSync(path.join(ROOT, 'collector/store/postgres/migrate.ts'), 'utf8');
  for (const t of tables) assert.ok(migrate.includes(`CREATE TABLE IF NOT EXISTS ${t}`), t);
  for (const used of doc.match(/tokenwatch_[a-z_]+/g) ?? []) {
    if (tables.includes(used) || used === REVOCATION_CHANNEL) continue;
    const base = used.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(used) || types.get(base) === 'histogram', `${used} exists`);
  }
});

test('the backup commands it shows use the flags the command has, and its output is what it prints', () => {
  const flags = new Set(['--db', '--out', '--out-dir', '--keep', '--force']);
  const commands = doc.match(/^tokenwatch backup .+$/gm) ?? [];
  assert.ok(commands.length >= 3);
  for (const c of commands)
    for (const f of c.match(/--[a-z-]+/g) ?? []) assert.ok(flags.has(f), `${f} in ${c}`);
  const example = /^# (backed up .+)$/m.exec(doc)?.[1] ?? '';
  // The same shape test/collector/backup.test.ts requires of the real output.
  assert.match(
    example,
    /^backed up \S+ to \S+: [\d.]+ [KM]iB \(\d+ bytes, \d+ pages\), schema version \d+, integrity ok, [\d.]+ s$/,
  );
});

test('the storage figures are BENCHMARKS.md’s', () => {
  const bench = fs.readFileSync(path.join(ROOT, 'BENCHMARKS.md'), 'utf8');
  const storage = bench.slice(bench.indexOf('Storage growth'));
  assert.match(storage, /the first upload\s*\|\s*2,171\s*\|/);
  assert.match(storage, /about 1,057 bytes of history per device/);
  assert.match(storage, /Body: 1,601 bytes/);
  const s = section('11. Retention and database size');
  for (const figure of ['2,171', '1,057', '1,601']) assert.ok(s.includes(figure), figure);
});

test('the place for later sections is marked, and the README links the document', () => {
  assert.match(doc, /<!-- Later sections go here: "Alert channels"[^]*PostgreSQL[^]*-->/);
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const collector = readme.slice(readme.indexOf('## The collector'), readme.indexOf('## Development'));
  assert.ok(collector.includes('[docs/operations.md](docs/operations.md)'));
});

test('the PostgreSQL copy command it shows uses the flags the command has, and its output is what it prints', () => {
  const s = section('13. PostgreSQL');
  const commands = s.match(/^tokenwatch migrate-to-postgres .+$/gm) ?? [];
  assert.ok(commands.length >= 1);
  const usage = fs.readFileSync(path.join(ROOT, 'collector/migrate-to-postgres.ts'), 'utf8');
  for (const c of commands)
    for (const f of c.match(/--[a-z-]+/g) ?? [])
      assert.ok(usage.includes(`'${f.slice(2)}'`) || usage.includes(` ${f.slice(2)}:`), `${f} in ${c}`);
  // The shapes test/collector/migrate-to-postgres.system.test.ts requires of the real output.
  assert.match(s, /^# devices: [\d,]+ rows$/m);
  assert.match(
    s,
    /^# copied \S+ \(schema version \d+\) into postgres:\/\/\S+: [\d,]+ rows in 18 tables, \d+ history partitions, [\d.]+ s$/m,
  );
});

test('the PostgreSQL figures it quotes are BENCHMARKS.md’s', () => {
  const bench = fs.readFileSync(path.join(ROOT, 'BENCHMARKS.md'), 'utf8');
  const s = section('13. PostgreSQL');
  const ingest = bench.slice(bench.indexOf('## 8. Collector ingest on PostgreSQL'));
  assert.match(ingest, /\| unchanged snapshot uploads\s*\|\s*6,101\s*\|\s*406\s*\|\s*411\s*\|\s*923\s*\|/);
  assert.match(ingest, /\| check-ins\s*\|\s*5,773\s*\|\s*533\s*\|\s*482\s*\|\s*759\s*\|/);
  assert.match(ingest, /\| changed snapshot uploads\s*\|\s*959\s*\|\s*180\s*\|/);
  const reads = bench.slice(bench.indexOf('## 9. Reports over 1,000,000 devices on PostgreSQL'));
  assert.match(reads, /\| summary\s*\|[^|]*\|\s*647\.6 ms\s*\|/);
  assert.match(reads, /\| summary as of 10 days ago\s*\|[^|]*\|\s*1003\.6 ms\s*\|/);
  assert.match(reads, /\| CSV of the 120,000 noncompliant devices[^|]*--database-url\s*\|\s*5\.38 s\s*\|/);
  assert.match(reads, /Database after the copy: 933\.7 MiB/);
  assert.match(reads, /\| copy into PostgreSQL \(2,200,001 rows\)\s*\|\s*32\.38 s\s*\|/);
  for (const figure of [
    '6,101',
    '5,773',
    '406',
    '533',
    '411',
    '482',
    '923',
    '759',
    '0.65 s',
    '1.0 s',
    '5.4 s',
    '8.5 s',
    '934 MiB',
    '2,200,001',
    '32 s',
  ])
    assert.ok(s.includes(figure), figure);
});
