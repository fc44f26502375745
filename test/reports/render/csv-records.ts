// CSV read back by the tests, written out here rather than trusting the renderer's own rules.
import assert from 'node:assert/strict';

/** RFC 4180 records and fields, written out here rather than trusting the renderer's own rules. */
export function parseCsv(text: string): string[][] {
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
