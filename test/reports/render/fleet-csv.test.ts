import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, renderCsv } from '../../../reports/render/index.ts';
import { FLEET } from './fleet-rows.ts';
import { assertGolden } from './golden.ts';

test('golden: one line per (device, finding), CRLF', () => {
  assertGolden('fleet.csv', renderCsv(FLEET));
});

test('RFC 4180 quoting', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField(null), '');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\rhere'), '"cr\rhere"');
});

test('formula injection: cells starting with = + - @ (or tab, CR) get a leading quote', () => {
  assert.equal(csvField('=1+1'), "'=1+1");
  assert.equal(csvField('+1'), "'+1");
  assert.equal(csvField('-1 tokens'), "'-1 tokens");
  assert.equal(csvField('@admin'), "'@admin");
  assert.equal(csvField('\tx'), "'\tx");
  assert.equal(csvField('=HYPERLINK("x","y")'), '"\'=HYPERLINK(""x"",""y"")"');
  assert.equal(csvField('a=b'), 'a=b');
});

test('every line has the same number of fields', () => {
  // Fields hold no CRLF (only bare LF inside quotes), so records split on CRLF.
  const records = renderCsv(FLEET).split('\r\n').slice(0, -1);
  const count = (line: string) => line.replace(/"(?:[^"]|"")*"/g, 'q').split(',').length;
  for (const r of records) assert.equal(count(r), 12, r);
});
