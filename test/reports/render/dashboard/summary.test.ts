// The dashboard's summary page: counts as cards linking to the filtered lists, rate cards for the rates the
// read model's summary carries, the trend's series from its days, and findings by rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  rateCards,
  summaryCards,
  summaryPage,
  trendSeries,
} from '../../../../reports/render/dashboard/summary.ts';
import type { Summary } from '../../../../collector/services/views.ts';
import { loadPageAssets } from '../../../../reports/page-assets.ts';

/** A summary as a read model without rates answered it. */
const WITHOUT_RATES: Omit<
  Summary,
  'asOf' | 'bootstrapEscrowed' | 'bootstrapUsable' | 'fileVaultOn' | 'mdmUpdate'
> = {
  generatedAt: '2026-03-02T12:00:00.000Z',
  devices: 10,
  byStatus: { compliant: 6, noncompliant: 3, unknown: 1 },
  byRule: [
    {
      rule: 'filevault-off',
      title: 'FileVault is off',
      severity: 'critical',
      devices: 2,
      active: 2,
      pending: 0,
      exempted: 0,
    },
    {
      rule: 'stale',
      title: 'Not seen recently',
      severity: 'medium',
      devices: 1,
      active: 1,
      pending: 0,
      exempted: 0,
    },
  ],
};

const NO_RATE = { yes: 0, no: 0, unknown: 0, percent: null };
const SUMMARY: Summary = {
  ...WITHOUT_RATES,
  asOf: null,
  bootstrapEscrowed: { yes: 7, no: 2, unknown: 1, percent: 70 },
  bootstrapUsable: NO_RATE,
  fileVaultOn: NO_RATE,
  mdmUpdate: { yes: 0, no: 0, unknown: 10, notApplicable: 0 },
};

test('the counts link to their filtered lists; stale counts the stale rule', () => {
  const cards = summaryCards(SUMMARY);
  assert.deepEqual(
    cards.map((c) => [c.label, c.value, c.href]),
    [
      ['devices', 10, '/devices'],
      ['noncompliant', 3, '/devices?status=noncompliant'],
      ['unknown', 1, '/devices?status=unknown'],
      ['compliant', 6, '/devices?status=compliant'],
      ['stale', 1, '/devices?rule=stale'],
    ],
  );
  assert.equal(cards[1]?.hint, '30.0%');
});

test('rate cards only for the rates the summary carries', () => {
  assert.deepEqual(rateCards(WITHOUT_RATES), [], 'a read model without rates: no rate cards');
  const { bootstrapUsable: _, ...withoutUsable } = SUMMARY;
  const rates = rateCards(withoutUsable);
  assert.deepEqual(
    rates.map((c) => [c.label, c.value, c.hint]),
    [
      ['Bootstrap Token escrowed', '70.0%', '7 of 10, 1 unknown'],
      ['FileVault on', '-', '0 of 0'],
    ],
  );
  const page = summaryPage(
    {
      summary: SUMMARY,
      trend: null,
    },
    loadPageAssets(),
    '2026-03-02T20:00:00.000Z',
  );
  assert.match(
    page,
    /<span class="value">70\.0%<\/span><span class="label">Bootstrap Token escrowed<\/span>/,
  );
});

test("the trend's days become one series per rate, nulls kept as gaps", () => {
  const t = trendSeries([
    {
      day: '2026-03-01',
      compliantPercent: 50,
      bootstrapEscrowedPercent: 80,
      bootstrapUsablePercent: null,
      fileVaultOnPercent: 90,
    },
    {
      day: '2026-03-02',
      compliantPercent: 60,
      bootstrapEscrowedPercent: 85,
      bootstrapUsablePercent: 70,
      fileVaultOnPercent: 95,
    },
  ]);
  assert.deepEqual(t.days, ['2026-03-01', '2026-03-02']);
  assert.deepEqual(
    t.series.map((s) => [s.label, s.values]),
    [
      ['compliant', [50, 60]],
      ['Bootstrap Token escrowed', [80, 85]],
      ['escrowed and usable', [null, 70]],
      ['FileVault on', [90, 95]],
    ],
  );
});

test('the page: the trend drawn from its data when given, said to be missing when not; findings by rule link to their devices', () => {
  const assets = loadPageAssets();
  const without = summaryPage({ summary: SUMMARY, trend: null }, assets, '2026-03-02T20:00:00.000Z');
  assert.match(without, /This collector does not compute the trend yet\./);
  assert.match(without, /href="\/devices\?rule=filevault-off"/);
  const withTrend = summaryPage(
    { summary: SUMMARY, trend: { days: ['2026-03-01'], series: [{ label: 'compliant', values: [50] }] } },
    assets,
    '2026-03-02T20:00:00.000Z',
  );
  assert.match(withTrend, /<div class="chart" data-chart="trend-data"/);
  assert.match(withTrend, /<script type="application\/json" id="trend-data">/);
});

test('kept counts: the page says as of when (to the second) and how old, and what is still being read; before the first read ends it says the counts are being computed', () => {
  const assets = loadPageAssets();
  const at = new Date(Date.parse(SUMMARY.generatedAt) + 12_000);
  const kept = summaryPage(
    {
      summary: SUMMARY,
      trend: null,
      kept: {
        now: at,
        countsReadingSince: null,
        trendReadingSince: new Date('2026-03-02T20:00:05.000Z'),
        everySeconds: 60,
      },
    },
    assets,
    '2026-03-02T21:00:00.000Z',
  );
  const stamp = new Date(SUMMARY.generatedAt).toISOString().slice(0, 19).replace('T', ' ');
  assert.ok(
    kept.includes(
      `Counts as of <time datetime="${new Date(SUMMARY.generatedAt).toISOString()}">${stamp} UTC</time> (12 s ago), kept by this collector: read again every minute`,
    ),
    kept,
  );
  assert.match(
    kept,
    /Days not yet kept are being read from the history \(since <time[^>]*>2026-03-02 20:00:05 UTC/,
  );
  assert.doesNotMatch(kept, /does not compute the trend/, 'being read is not "not computed"');
  const first = summaryPage(
    {
      summary: null,
      trend: null,
      kept: {
        now: at,
        countsReadingSince: new Date('2026-03-02T20:00:01.000Z'),
        trendReadingSince: null,
        everySeconds: 60,
      },
    },
    assets,
    '2026-03-02T21:00:00.000Z',
  );
  assert.match(first, /The fleet's counts are being computed \(since <time[^>]*>2026-03-02 20:00:01 UTC/);
  assert.doesNotMatch(first, /class="cards"/, 'no counts shown before there are any');
  // A failed read is said with its reason, beside older counts or instead of "being computed".
  const failure = { at: new Date('2026-03-02T20:00:07.000Z'), message: 'the store is busy <retry>' };
  const failedFirst = summaryPage(
    {
      summary: null,
      trend: null,
      kept: {
        now: at,
        countsReadingSince: null,
        countsFailed: failure,
        trendReadingSince: null,
        everySeconds: 60,
      },
    },
    assets,
    '2026-03-02T21:00:00.000Z',
  );
  assert.match(
    failedFirst,
    /The fleet's counts are not available\. Reading them failed at <time[^>]*>2026-03-02 20:00:07 UTC<\/time>: the store is busy &lt;retry&gt;/,
  );
  assert.doesNotMatch(failedFirst, /being computed/);
  const failedAgain = summaryPage(
    {
      summary: SUMMARY,
      trend: null,
      kept: {
        now: at,
        countsReadingSince: null,
        countsFailed: failure,
        trendReadingSince: null,
        everySeconds: 60,
      },
    },
    assets,
    '2026-03-02T21:00:00.000Z',
  );
  assert.match(failedAgain, /\(12 s ago\), kept by this collector: .* Reading them failed at <time/);
});
