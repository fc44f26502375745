// parsePlist on XML and binary plists. The binary fixtures were written by two independent writers
// (libplist's plistutil and CPython's plistlib, see test/fixtures/prefs/generate.sh) and are committed,
// so these tests need neither tool; each must read exactly as its XML source does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { PlistError, PlistUid, parsePlist } from '../../../agent/prefs/read-plist.ts';
import type { PlistValue } from '../../../agent/prefs/read-plist.ts';

const FIXTURES = new URL('../../fixtures/prefs/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

/** Asserts that parsing throws a PlistError whose message matches. */
function rejects(input: Buffer | string, message: RegExp): PlistError {
  let caught: unknown = null;
  try {
    parsePlist(typeof input === 'string' ? Buffer.from(input) : input);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof PlistError, `expected a PlistError, got ${String(caught)}`);
  assert.match(caught.message, message);
  return caught;
}

const xml = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n${body}\n</plist>\n`;

describe('binary twins read exactly as their XML source', () => {
  for (const base of ['all-types', 'managed-mdm', 'preferences-defaults', 'many-objects']) {
    for (const writer of ['bin', 'plistlib']) {
      test(`${base}.${writer}.plist equals ${base}.xml.plist`, () => {
        const binary = fixture(`${base}.${writer}.plist`);
        assert.equal(binary.toString('latin1', 0, 8), 'bplist00');
        assert.deepEqual(parsePlist(binary), parsePlist(fixture(`${base}.xml.plist`)));
      });
    }
  }
});

test('all-types: every plist type reads as documented', () => {
  const expected: PlistValue = {
    array: ['a', 1, [], {}],
    bigNegative: -9223372036854775808n,
    bigPositive: 9007199254740993n,
    data: new Uint8Array([0, 1, 2, 3, 255]),
    date: new Date(Date.UTC(2024, 2, 5, 14, 30, 0)),
    emptyString: '',
    entities: '<a> & "b" é',
    false: false,
    int16: 65535,
    int8: 200,
    long: Array.from({ length: 17 }, (_, i) => i),
    negative: -5,
    real: 3.25,
    true: true,
    unicode: 'Jérôme ☕ 日本',
  };
  assert.deepEqual(parsePlist(fixture('all-types.xml.plist')), expected);
  assert.deepEqual(parsePlist(fixture('all-types.bin.plist')), expected);
});

test('many-objects: 2-byte object references and extended lengths (300 items)', () => {
  const value = parsePlist(fixture('many-objects.bin.plist'));
  assert.ok(Array.isArray(value));
  assert.equal(value.length, 300);
  assert.equal(value[299], 'user299');
});

describe('XML', () => {
  test('a UTF-8 byte order mark and UTF-16 text are read', () => {
    const body = xml('<string>é</string>');
    assert.equal(parsePlist(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)])), 'é');
    assert.equal(parsePlist(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')])), 'é');
  });

  test('comments, CDATA, self-closing elements and reals in all their forms', () => {
    const value = parsePlist(
      Buffer.from(
        xml(
          '<!-- c --><dict><key>a</key><!-- c --><string>x<![CDATA[<y>&]]></string><key>b</key><string/>' +
            '<key>c</key><real>-1.5e3</real><key>d</key><real>nan</real><key>e</key><real>-inf</real>' +
            '<key>f</key><dict/><key>g</key><true></true></dict>',
        ),
      ),
    );
    assert.deepEqual(value, { a: 'x<y>&', b: '', c: -1500, d: Number.NaN, e: -Infinity, f: {}, g: true });
  });

  test('a "__proto__" key is data, not a prototype change', () => {
    const value = parsePlist(
      Buffer.from(xml('<dict><key>__proto__</key><dict><key>polluted</key><true/></dict></dict>')),
    );
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value as object), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  const malformed: [string, string, RegExp][] = [
    [
      'integer with trailing garbage',
      '<dict><key>a</key><integer>12abc</integer></dict>',
      /line 4, column 19: <integer> holds "12abc", not an integer/,
    ],
    ['key without a value', '<dict><key>a</key></dict>', /key "a" has no value/],
    ['two keys in a row', '<dict><key>a</key><key>b</key><true/></dict>', /key "a" has no value/],
    ['value without a key', '<dict><string>x</string></dict>', /expected <key> in <dict>, found <string>/],
    ['duplicate key', '<dict><key>a</key><true/><key>a</key><false/></dict>', /duplicate key "a"/],
    ['mismatched closing tag', '<dict><key>a</key><string>x</dict></plist>', /<\/dict> closes <string>/],
    ['unknown element', '<dict><key>a</key><foo/></dict>', /unknown plist element <foo>/],
    ['unknown entity', '<string>&nbsp;</string>', /unknown entity &nbsp;/],
    ['bare ampersand', '<string>a & b</string>', /"&" must be written &amp;/],
    ['impossible date', '<date>2024-02-30T00:00:00Z</date>', /<date> holds "2024-02-30T00:00:00Z"/],
    ['date without zone', '<date>2024-02-03 00:00:00</date>', /expected YYYY-MM-DDThh:mm:ssZ/],
    ['bad base64', '<data>@@@@</data>', /<data> is not valid base64/],
    ['text in <true>', '<true>yes</true>', /<true> must be empty/],
    ['two root values', '<string>a</string><string>b</string>', /<plist> holds more than one value/],
    ['empty plist', '', /<plist> is empty/],
  ];
  for (const [name, body, message] of malformed) {
    test(`malformed: ${name}`, () => {
      rejects(xml(body), message);
    });
  }

  test('malformed: unclosed document, with the position', () => {
    const error = rejects(
      '<plist><dict><key>a</key><string>x',
      /invalid XML plist at line 1, column 26: <string> is not closed/,
    );
    assert.equal(error.offset, 25);
  });
  test('malformed: root element is not <plist>', () => {
    rejects('<?xml version="1.0"?><html></html>', /the root element is <html>, expected <plist>/);
  });
  test('malformed: DOCTYPE with an internal subset (entity expansion) is refused', () => {
    rejects(
      '<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaa">]><plist><string>&a;</string></plist>',
      /internal subset is not supported/,
    );
  });
  test('malformed: nesting deeper than 512 levels', () => {
    rejects(xml('<array>'.repeat(600) + '</array>'.repeat(600)), /nested deeper than 512 levels/);
  });
  test('malformed: content after </plist>', () => {
    rejects(xml('<true/>') + '<plist/>', /content after <\/plist>/);
  });
});

describe('not a plist', () => {
  test('empty input', () => {
    rejects(Buffer.alloc(0), /^not a plist: the file is empty$/);
  });
  test('JSON', () => {
    rejects(
      '{"ServerURL": "x"}',
      /^not a plist this agent reads: starts with "\{" \(JSON or an old-style OpenStep plist\); use XML or binary$/,
    );
  });
  test('shell text', () => {
    rejects(
      '#!/bin/sh\necho hi\n',
      /^not a plist: starts with "#!\/bin\/sh\\necho h", neither "bplist00" nor XML$/,
    );
  });
  test('invalid UTF-8', () => {
    rejects(Buffer.from([0x3c, 0xff, 0xfe, 0x00]), /not valid UTF-8/);
  });
  test('a newer binary format', () => {
    rejects('bplist15' + 'x'.repeat(50), /unsupported binary plist version "bplist15"/);
  });
});

// ---- binary plists built by hand, to reach every check ---------------------------------------

/** Assembles a bplist00 from encoded objects (offsets computed), with 1-byte offsets and references. */
function bplist(
  objects: number[][],
  overrides: { top?: number; count?: bigint; tableAt?: bigint; offsetSize?: number; refSize?: number } = {},
): Buffer {
  const header = Buffer.from('bplist00', 'latin1');
  const bodies = objects.map((o) => Buffer.from(o));
  const offsets: number[] = [];
  let at = header.length;
  for (const body of bodies) {
    offsets.push(at);
    at += body.length;
  }
  const table = Buffer.from(offsets);
  const trailer = Buffer.alloc(32);
  trailer.writeUInt8(overrides.offsetSize ?? 1, 6);
  trailer.writeUInt8(overrides.refSize ?? 1, 7);
  trailer.writeBigUInt64BE(overrides.count ?? BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(BigInt(overrides.top ?? 0), 16);
  trailer.writeBigUInt64BE(overrides.tableAt ?? BigInt(at), 24);
  return Buffer.concat([header, ...bodies, table, trailer]);
}

describe('binary', () => {
  test('a hand-built plist reads (dict, UTF-16 string, UID, set, null-free singletons)', () => {
    const buf = bplist([
      [0xd2, 1, 2, 3, 4], // dict of 2: keys 1, 2; values 3, 4
      [0x51, 0x61], // "a"
      [0x51, 0x62], // "b"
      [0x61, 0x00, 0xe9], // "é" in UTF-16BE
      [0xc2, 5, 6], // a set of 2, read as an array
      [0x80, 0x07], // UID 7
      [0x09], // true
    ]);
    assert.deepEqual(parsePlist(buf), { a: 'é', b: [new PlistUid(7), true] });
  });

  test('a shared object (referenced twice) is read once and is not a cycle', () => {
    const buf = bplist([
      [0xa2, 1, 1],
      [0x51, 0x78],
    ]);
    assert.deepEqual(parsePlist(buf), ['x', 'x']);
  });

  const broken: [string, () => Buffer, RegExp][] = [
    [
      'too short for a trailer',
      () => Buffer.from('bplist00abc', 'latin1'),
      /^truncated binary plist: 11 bytes/,
    ],
    [
      'self-referencing array',
      () => bplist([[0xa1, 0]]),
      /object 0 contains itself \(reference cycle\) \(offset 8\)/,
    ],
    [
      'indirect cycle',
      () =>
        bplist([
          [0xa1, 1],
          [0xa1, 0],
        ]),
      /object 0 contains itself/,
    ],
    [
      'reference beyond the objects',
      () => bplist([[0xa1, 9]]),
      /reference to object 9, beyond the 1 objects/,
    ],
    [
      'dictionary key that is not a string',
      () =>
        bplist([
          [0xd1, 1, 1],
          [0x10, 0x05],
        ]),
      /dictionary key is not a string/,
    ],
    [
      'top object out of range',
      () => bplist([[0x09]], { top: 3 }),
      /top object 3 is not below the object count 1/,
    ],
    [
      'object count of 2^62 (must not loop)',
      () => bplist([[0x09]], { count: 1n << 62n }),
      /offset table at \d+ with 4611686018427387904 entries of 1 bytes runs past the trailer/,
    ],
    [
      'offset table outside the file',
      () => bplist([[0x09]], { tableAt: 1n << 40n }),
      /offset table at 1099511627776 is outside the objects area/,
    ],
    ['offset size 3', () => bplist([[0x09]], { offsetSize: 3 }), /offset size 3 is not 1, 2, 4 or 8/],
    [
      'reference size 0',
      () => bplist([[0x09]], { refSize: 0 }),
      /object reference size 0 is not 1, 2, 4 or 8/,
    ],
    [
      'string running past the objects',
      () => bplist([[0x5f, 0x10, 0x40, 0x61]]),
      /truncated binary plist: object at offset 8 needs 64 bytes from 11/,
    ],
    [
      'array running past the objects',
      () => bplist([[0xa5, 0]]),
      /truncated binary plist: object at offset 8 needs 5 bytes/,
    ],
    [
      'length that is not an integer',
      () => bplist([[0x5f, 0x51, 0x61]]),
      /length of the object is not an integer \(marker 0x51\)/,
    ],
    ['unknown marker', () => bplist([[0x70]]), /unsupported object marker 0x70/],
    ['null marker (not in bplist00)', () => bplist([[0x00]]), /unsupported object marker 0x00/],
    ['integer of 2^5 bytes', () => bplist([[0x15, 0, 0]]), /integer of 2\^5 bytes is not supported/],
    ['real of 2 bytes', () => bplist([[0x21, 0, 0]]), /real of 2\^1 bytes is not supported/],
  ];
  for (const [name, build, message] of broken) {
    test(`broken: ${name}`, () => {
      rejects(build(), message);
    });
  }

  test('every truncation of a real binary plist is a PlistError that says "truncated"', () => {
    const full = fixture('managed-mdm.bin.plist');
    for (let len = 1; len < full.length; len++) {
      const error = rejects(full.subarray(0, len), /^truncated (or corrupt )?binary plist: /);
      assert.ok(error.message.length < 300, error.message);
    }
  });
});

/** A small deterministic generator, so a failing mutation can be replayed. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
}

test('fuzz: 3,000 mutated fixtures give a value or a PlistError, never another exception', () => {
  const next = lcg(20240305);
  const sources = [
    'all-types.bin.plist',
    'many-objects.plistlib.plist',
    'managed-mdm.bin.plist',
    'all-types.xml.plist',
    'managed-mdm.xml.plist',
  ].map(fixture);
  let values = 0;
  let errors = 0;
  for (let i = 0; i < 3000; i++) {
    const source = sources[i % sources.length] as Buffer;
    const mutated = Buffer.from(source);
    const flips = 1 + (next() % 4);
    for (let f = 0; f < flips; f++) mutated[next() % mutated.length] = next() & 0xff;
    try {
      parsePlist(mutated);
      values++;
    } catch (error) {
      assert.ok(error instanceof PlistError, `mutation ${i}: ${String(error)}`);
      errors++;
    }
  }
  assert.equal(values + errors, 3000);
  assert.ok(errors > 1000, `only ${errors} mutations were rejected`);
});
