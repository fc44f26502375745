// System suite: Debian's libplist (plistutil, package libplist-utils) reads every property list in launchd/,
// converts it to a binary plist and back, and must agree with the npm parser on every value and with the
// text on every key's element type (libplist's canonical XML keeps <integer> apart from <real>, which a
// JavaScript number cannot).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  asDict,
  elementOf,
  parseBinaryPlist,
  parseXml,
  readLaunchdFile,
  throughLibplist,
} from './plist-files.ts';
import { LABEL } from './scratch-mac.ts';

const PROPERTY_LISTS = [
  `${LABEL}.plist`,
  `${LABEL}.example.mobileconfig`,
  'managed-preferences.example.plist',
];

/** Every key of a dictionary tree that occurs exactly once in the text (those elementOf can name). */
function uniqueKeys(text: string): string[] {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/<key>([^<]+)<\/key>/g))
    counts.set(m[1] ?? '', (counts.get(m[1] ?? '') ?? 0) + 1);
  return [...counts].filter(([, n]) => n === 1).map(([k]) => k);
}

for (const name of PROPERTY_LISTS) {
  test(`${name}: libplist reads it as the npm parser does, and writes the same element types`, async () => {
    const text = await readLaunchdFile(name);
    const value = asDict(parseXml(text), name);
    const libplist = await throughLibplist(name);
    assert.deepEqual(parseBinaryPlist(libplist.binary), value, 'libplist and the npm parser disagree');
    assert.deepEqual(parseXml(libplist.canonicalXml), value);
    const keys = uniqueKeys(text);
    assert.ok(keys.length >= 5, `${keys.length} keys compared`);
    for (const key of keys) {
      assert.equal(elementOf(libplist.canonicalXml, key), elementOf(text, key), `${name}: ${key}`);
    }
  });
}
