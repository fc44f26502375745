import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CSV_COLUMNS, csvField, formulaLike, renderCsv } from '../../../reports/render/index.ts';
import { FLEET, hostileRow } from './fleet-rows.ts';
import { assertGolden } from './golden.ts';
import { HOSTILE, assertNoUnsafe, hostile } from '../../helpers/hostile-strings.ts';
import { parseCsv } from './csv-records.ts';

test('golden: one line per (device, finding), CRLF', () => {
  assertGolden('fleet.csv', renderCsv(FLEET));
});

test('RFC 4180 quoting', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField(null), '');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
});

test('controls are visible escapes, so no CR or LF splits a record and no ESC or NUL reaches a cell', () => {
  assert.equal(csvField('two\nlines'), 'two\\x0alines');
  assert.equal(csvField('cr\rhere'), 'cr\\x0dhere');
  assert.equal(csvField('a\u001b[31mb\u0000'), 'a\\x1b[31mb\\x00');
  assert.equal(csvField('evil\u202egpj.exe'), 'evil\\u202egpj.exe');
});

test('formula injection: cells starting with = + - @ (or tab, CR) get a leading quote', () => {
  assert.equal(csvField('=1+1'), "'=1+1");
  assert.equal(csvField('+1'), "'+1");
  assert.equal(csvField('-1 tokens'), "'-1 tokens");
  assert.equal(csvField('@admin'), "'@admin");
  assert.equal(csvField('\tx'), "'\\x09x");
  assert.equal(csvField('\rx'), "'\\x0dx");
  assert.equal(csvField('=HYPERLINK("x","y")'), '"\'=HYPERLINK(""x"",""y"")"');
  assert.equal(csvField('a=b'), 'a=b');
  assert.equal(csvField('x-1'), 'x-1');
});

test('formula injection behind whitespace, invisible characters and in full-width form', () => {
  assert.equal(csvField(' =1+1'), "' =1+1");
  assert.equal(csvField('  \t =1+1'), "'  \\x09 =1+1");
  assert.equal(csvField('\u00a0=1+1'), "'\u00a0=1+1");
  assert.equal(csvField('\u200b=1+1'), "'\\u200b=1+1");
  assert.equal(csvField('\ufeff+1'), "'\\ufeff+1");
  assert.equal(csvField('\uff1d1+1'), "'\uff1d1+1");
  assert.equal(csvField('\uff0b1'), "'\uff0b1");
  assert.equal(csvField('\uff0d1'), "'\uff0d1");
  assert.equal(csvField('\uff20SUM(1)'), "'\uff20SUM(1)");
  assert.equal(csvField('\u3000\uff1d1'), "'\u3000\uff1d1");
  assert.equal(csvField('\u200b \uff1d1+1'), "'\\u200b \uff1d1+1");
  assert.equal(csvField('\ufe661+1'), "'\ufe661+1");
  assert.equal(formulaLike('alice'), false);
  assert.equal(formulaLike(' alice = bob'), false);
});

test('every line has the same number of fields', () => {
  const records = parseCsv(renderCsv(FLEET));
  assert.equal(renderCsv(FLEET).split('\r\n').length - 1, records.length, 'one line per record');
  for (const r of records) assert.equal(r.length, CSV_COLUMNS.length, r.join(','));
});

// What a spreadsheet would take for a formula once it has trimmed whitespace: written out here.
const STARTERS = /^[\s]*[=+\-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b\t\r]/;

test('hostile corpus in every column: no raw control or invisible character, no forged record, no live formula', () => {
  for (const h of HOSTILE) {
    const csv = renderCsv([hostileRow(h.text), ...FLEET]);
    assertNoUnsafe(csv, h.id, '\r\n');
    assert.equal(csv.split('\r\n').length - 1, 1 + 2 + renderCsv(FLEET).split('\r\n').length - 2, h.id);
    assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(csv), `${h.id}: a bare CR or LF`);
    const records = parseCsv(csv);
    for (const r of records) {
      assert.equal(r.length, CSV_COLUMNS.length, `${h.id}: ${r.join(',')}`);
      for (const cell of r) assert.ok(!STARTERS.test(cell), `${h.id}: a live formula: ${cell}`);
    }
    if (!h.id.startsWith('formula-')) continue;
    // Every column the Mac's text went into (serial, hardware UUID, hostname, model, OS, console user,
    // failing since, last seen, reason; and user).
    const at = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const columns = ['serial', 'hardware_uuid', 'hostname', 'model', 'os_version', 'console_user'] as const;
    for (const r of parseCsv(renderCsv([hostileRow(h.text)])).slice(1)) {
      for (const i of [...columns, 'failing_since', 'last_seen', 'reason'].map((c) => at(c as never)))
        assert.ok(r[i]?.startsWith("'"), `${h.id} is neutralised in ${CSV_COLUMNS[i]}: ${r[i]}`);
      const user = r[at('user')];
      assert.ok(user === '' || user?.startsWith("'"), `${h.id} is neutralised in user: ${user}`);
    }
  }
});

test('a guarded cell still reads as what the Mac said, escapes aside', () => {
  const records = parseCsv(renderCsv([hostileRow(hostile('formula-equals'))]));
  assert.equal(records[1]?.[CSV_COLUMNS.indexOf('hostname')], `'${hostile('formula-equals')}`);
});
