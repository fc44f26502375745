// System suite: Debian's libplist (plistutil, package libplist-utils) reads the EA summary plist the agent
// writes, as the tools on a Mac that read it do (PlistBuddy, defaults, osquery's plist table are all
// CoreFoundation's parser): it converts the file to a binary plist and back, and must agree with the npm
// parser on every value and with the text on every element type.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eaSummary, renderSummaryPlist } from '../../agent/ea-summary.ts';
import { writeSummaryFile, SUMMARY_FILE } from '../../agent/ea-summary-file.ts';
import { EAS } from '../../agent/ea.ts';
import { compliantSnapshot, userNamed } from '../collector/rules/compliant-snapshot.ts';
import { asDict, elementOf, parseBinaryPlist, parseXml, throughLibplist } from '../launchd/plist-files.ts';

test('libplist reads the EA summary as written: every value, dates as dates, integers as integers', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwatch-summary-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const s = compliantSnapshot();
  userNamed(s, 'bob').secureToken = false;
  userNamed(s, 'bob').name = 'b&o<b>\u202e';
  writeSummaryFile(dir, renderSummaryPlist(eaSummary(s, 3600)));
  const file = path.join(dir, SUMMARY_FILE);
  const text = fs.readFileSync(file, 'utf8');
  const value = asDict(parseXml(text), SUMMARY_FILE);
  const libplist = await throughLibplist(file);
  assert.deepEqual(parseBinaryPlist(libplist.binary), value, 'libplist and the npm parser disagree');
  assert.equal(value['users-without-securetoken'], 'b&o<b>\\u202e');
  assert.deepEqual(value['CollectedAt'], new Date('2026-03-02T11:55:00Z'));
  for (const [key, element] of [
    ['CollectedAt', 'date'],
    ['StaleAfter', 'date'],
    ['StaleAfterEpoch', 'integer'],
    ['IntervalSeconds', 'integer'],
    ...EAS.map((e) => [e.name, 'string']),
  ] as const) {
    assert.equal(elementOf(libplist.canonicalXml, key), element, key);
  }
});
