import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CSV_COLUMNS, csvField, formulaLike, renderCsv } from '../../../reports/render/index.ts';
import { FLEET, hostileRow } from './fleet-rows.ts';
import { assertGolden } from './golden.ts';
import { HOSTILE, assertNoUnsafe, hostile } from '../../helpers/hostile-strings.ts';

/** RFC 4180 records and fields, written out here rather than trusting the renderer's own rules. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"' && field === '') {
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        assert.ok(q >= 0, 'an unterminated quoted field');
        if (text[q + 1] === '"') j = q + 2;
        else {
          field = text.slice(i + 1, q).replace(/""/g, '"');
          i = q + 1;
          break;
        }
      }
      continue;
    }
    if (text.startsWith('\r\n', i)) {
      records.push([...fields, field]);
      fields = [];
      field = '';
      i += 2;
    } else if (text[i] === ',') {
      fields.push(field);
      field = '';
      i += 1;
    } else {
      field += text[i];
      i += 1;
    }
  }
  assert.equal(field + fields.join(''), '', 'the file ends with CRLF');
  return records;
}

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
    // Every column the Mac's text went into (serial, hostname, model, OS, last seen, user, first seen, reason).
    for (const r of parseCsv(renderCsv([hostileRow(h.text)])).slice(1)) {
      for (const i of [0, 1, 2, 3, 5, 10, 11])
        assert.ok(r[i]?.startsWith("'"), `${h.id} is neutralised: ${r[i]}`);
      assert.ok(r[8] === '' || r[8]?.startsWith("'"), `${h.id} is neutralised in user: ${r[8]}`);
    }
  }
});

test('a guarded cell still reads as what the Mac said, escapes aside', () => {
  const records = parseCsv(renderCsv([hostileRow(hostile('formula-equals'))]));
  assert.equal(records[1]?.[1], `'${hostile('formula-equals')}`);
});
