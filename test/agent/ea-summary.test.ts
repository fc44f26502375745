// The EA summary plist: its values are the `ea` values, it is an XML property list another parser (the npm
// `plist` package, xmldom underneath) reads as written, `ea NAME` reads it back, and both say Stale after
// twice the interval. (ea-summary-file.test.ts: the file on disk; ea-summary.system.test.ts: libplist.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'plist';
import { EAS } from '../../agent/ea.ts';
import {
  NOT_COLLECTED,
  STALE,
  eaAnswer,
  eaSummary,
  parseSummaryPlist,
  renderSummaryPlist,
} from '../../agent/ea-summary.ts';
import { isStale } from '../../agent/staleness.ts';
import { compliantSnapshot, userNamed } from '../collector/rules/compliant-snapshot.ts';

const HOUR = 3600;

function summaryOf(edit: (s: ReturnType<typeof compliantSnapshot>) => void = () => {}) {
  const s = compliantSnapshot();
  edit(s);
  return { snapshot: s, summary: eaSummary(s, HOUR) };
}

test('every EA is in the summary with the value `ea` computes, and the collection time in whole seconds', () => {
  const { snapshot, summary } = summaryOf((s) => (userNamed(s, 'bob').secureToken = false));
  assert.deepEqual(
    Object.keys(summary.values),
    EAS.map((e) => e.name),
  );
  for (const ea of EAS) assert.equal(summary.values[ea.name], ea.value(snapshot), ea.name);
  assert.equal(summary.values['users-without-securetoken'], 'bob');
  assert.equal(summary.collectedAt, '2026-03-02T11:55:00Z');
  assert.equal(summary.staleAfter, '2026-03-02T13:55:00Z');
});

test('the npm plist parser reads the file as written: strings, dates, integers', () => {
  const { summary } = summaryOf();
  const read = parse(renderSummaryPlist(summary)) as Record<string, unknown>;
  assert.deepEqual(read['CollectedAt'], new Date('2026-03-02T11:55:00Z'));
  assert.deepEqual(read['StaleAfter'], new Date('2026-03-02T13:55:00Z'));
  assert.equal(read['StaleAfterEpoch'], Date.parse('2026-03-02T13:55:00Z') / 1000);
  assert.equal(read['IntervalSeconds'], HOUR);
  for (const ea of EAS) assert.equal(read[ea.name], summary.values[ea.name], ea.name);
});

test('hostile user names cannot break the XML or add a key; control characters are shown as escapes', () => {
  const { summary } = summaryOf((s) => {
    userNamed(s, 'bob').secureToken = false;
    userNamed(s, 'bob').name = 'b&o</string><key>filevault</key><string>On\u0000\u202e';
  });
  const text = renderSummaryPlist(summary);
  const read = parse(text) as Record<string, unknown>;
  assert.equal(read['users-without-securetoken'], 'b&o</string><key>filevault</key><string>On\\x00\\u202e');
  assert.equal(read['filevault'], 'On');
  assert.equal((text.match(/<key>filevault<\/key>/g) ?? []).length, 1);
  const back = parseSummaryPlist(text);
  assert.ok('summary' in back);
  assert.deepEqual(back.summary, summary);
});

test('parseSummaryPlist reads back exactly what was written, and refuses anything else', () => {
  const { summary } = summaryOf();
  assert.deepEqual(parseSummaryPlist(renderSummaryPlist(summary)), { summary });
  for (const bad of [
    '',
    'not xml',
    renderSummaryPlist(summary).replace('<date>2026-03-02T11:55:00Z</date>', '<string>yesterday</string>'),
    renderSummaryPlist(summary).replace('</dict>', '<array></array></dict>'),
    renderSummaryPlist(summary).replace(/\t<key>IntervalSeconds<\/key>\n\t<integer>3600<\/integer>\n/, ''),
  ])
    assert.ok('error' in parseSummaryPlist(bad), JSON.stringify(bad.slice(0, 200)));
});

test('ea answers: the value while fresh; Stale after twice the interval (last-collection keeps its date)', () => {
  const { summary } = summaryOf();
  const at = (iso: string) => new Date(iso);
  assert.equal(eaAnswer(summary, 'filevault', at('2026-03-02T13:55:00Z')), 'On');
  assert.equal(eaAnswer(summary, 'filevault', at('2026-03-02T13:55:01Z')), STALE);
  assert.equal(eaAnswer(summary, 'last-collection', at('2026-03-09T00:00:00Z')), '2026-03-02 11:55:00');
  assert.equal(eaAnswer(null, 'filevault', at('2026-03-02T12:00:00Z')), NOT_COLLECTED);
  assert.match(eaAnswer(summary, 'no-such-ea', at('2026-03-02T12:00:00Z')), /^Unknown/);
  // status's definition is the same instant.
  assert.equal(isStale('2026-03-02T11:55:00.000Z', at('2026-03-02T13:55:00Z'), HOUR), false);
  assert.equal(isStale('2026-03-02T11:55:00.000Z', at('2026-03-02T13:55:01Z'), HOUR), true);
  assert.equal(isStale('not a time', at('2026-03-02T12:00:00Z'), HOUR), true);
});
