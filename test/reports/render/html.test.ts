// The HTML report file: self-contained (no URL to fetch, every script and stylesheet inline and named by
// hash in its Content-Security-Policy), every value from a Mac escaped, and the sections an admin reads.
// Charts drawing and sorting are checked in Chromium (test/reports/html-report.system.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { renderHtml } from '../../../reports/render/html.ts';
import type { HtmlReportInput } from '../../../reports/render/html.ts';
import type { PageAssets } from '../../../reports/render/html/document.ts';
import { loadPageAssets } from '../../../reports/page-assets.ts';
import { escapeText } from '../../../reports/render/html/escape.ts';
import { HOSTILE, assertNoUnsafe } from '../../helpers/hostile-strings.ts';
import { FLEET } from './fleet-rows.ts';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
const asset = (name: string, kind: 'script' | 'style', text: string) => ({
  name,
  kind,
  text,
  sha256: sha(text),
});
/** Small stand-ins: the renderer is pure, the library is text passed in. */
const ASSETS: PageAssets = {
  scripts: [asset('lib.js', 'script', 'var lib = 1;'), asset('app.js', 'script', 'lib + 1;')],
  styles: [asset('app.css', 'style', 'body { margin: 0 }')],
};

const DAYS = ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'];

function input(patch: Partial<HtmlReportInput> = {}): HtmlReportInput {
  const noncompliant = FLEET.filter((r) => r.status === 'noncompliant');
  return {
    generatedAt: '2026-03-02T12:00:00.000Z',
    asOf: null,
    source: 'https://collector.example:8443',
    summary: {
      devices: 7,
      byStatus: { noncompliant: 4, unknown: 1, compliant: 2 },
      stale: 1,
      rates: [{ label: 'Bootstrap Token escrowed', part: 5, whole: 7 }],
    },
    trend: {
      days: DAYS,
      series: [
        { label: 'compliant', values: [20, 25, null, 28.57] },
        { label: 'escrowed', values: [60, 60, 70, 71.4] },
      ],
    },
    byRule: [
      { rule: 'user-without-securetoken', devices: 2 },
      { rule: 'filevault-off', devices: 1 },
    ],
    byOs: [
      { key: '15.3.1', devices: 3, noncompliant: 1 },
      { key: null, devices: 1, noncompliant: 0 },
      { key: '14.7.4', devices: 3, noncompliant: 3 },
    ],
    byModel: [{ key: 'Mac14,2', devices: 7, noncompliant: 4 }],
    noncompliant,
    noncompliantTotal: noncompliant.length,
    ...patch,
  };
}

/** The element structure of a page: its tags in order, attribute values blanked. */
const skeleton = (page: string) =>
  [...page.matchAll(/<\/?[a-zA-Z!][^>]*>/g)].map((m) => m[0].replace(/"[^"]*"/g, '""'));

test('self-contained: no URL to fetch; every inline script and style named by its hash in the policy', () => {
  const page = renderHtml(input(), loadPageAssets());
  assert.doesNotMatch(page, /\ssrc=/, 'nothing loaded by src');
  for (const m of page.matchAll(/\shref="([^"]*)"/g))
    assert.match(m[1] as string, /^#/, `a link leaves the file: ${m[1]}`);
  const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1];
  assert.ok(policy, 'a policy in the head');
  const directives = new Map(
    policy
      .replace(/&#39;/g, "'")
      .split('; ')
      .map((d) => [d.split(' ')[0], d.split(' ').slice(1)] as const),
  );
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  for (const kind of ['script', 'style']) {
    const inline = [...page.matchAll(new RegExp(`<${kind}>([\\s\\S]*?)</${kind}>`, 'g'))].map(
      (m) => m[1] as string,
    );
    assert.equal(inline.length, kind === 'script' ? 3 : 2, `${kind}s: uPlot, ours`);
    assert.deepEqual(
      directives.get(`${kind}-src`),
      inline.map((text) => `'sha256-${sha(text)}'`),
      `${kind}-src names exactly the inline ${kind}s`,
    );
  }
  assert.ok(page.indexOf('Content-Security-Policy') < page.indexOf('<style>'), 'the policy comes first');
  assert.match(page, /Copyright \(c\) \d{4} Leon Sorokin/, "uPlot's licence travels with it");
});

test('the sections: cards with shares, trend data, breakdowns, the noncompliant table and remediation', () => {
  const page = renderHtml(input(), ASSETS);
  for (const text of [
    '<span class="value">4</span><span class="label">noncompliant</span><span class="label">57.1%</span>',
    '<span class="value">71.4%</span><span class="label">Bootstrap Token escrowed</span><span class="label">5 of 7</span>',
    '<h2>Compliance over time</h2>',
    '<h2>Findings by rule</h2>',
    '<h2>By OS version</h2>',
    '<h2>By model</h2>',
    '(unknown)',
    'id="fix-user-without-securetoken"',
    '<code>sysadminctl -secureTokenStatus USER</code>',
  ])
    assert.ok(page.includes(text), `has ${text}`);
  const data = JSON.parse(
    /<script type="application\/json" id="trend-data">([^<]*)<\/script>/.exec(page)?.[1] ?? '',
  );
  assert.deepEqual(
    data.x,
    DAYS.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000),
  );
  assert.deepEqual(data.series[0].values, [20, 25, null, 28.57]);
  // The OS breakdown: most noncompliant first; the rule table: most devices first.
  const os = page.slice(page.indexOf('id="by-os"'));
  assert.ok(os.indexOf('14.7.4') < os.indexOf('15.3.1'), 'OS versions by noncompliant count');
  const rules = page.slice(page.indexOf('id="by-rule"'));
  assert.ok(rules.indexOf('user-without-securetoken') < rules.indexOf('filevault-off'));
  // Every noncompliant Mac is a row, with its users and how long it has failed.
  const table = page.slice(page.indexOf('id="noncompliant-table"'));
  for (const row of FLEET.filter((r) => r.status === 'noncompliant'))
    assert.ok(table.includes(row.serial), row.serial);
  assert.ok(!table.includes('C02ZK1ABMD6M'), 'a compliant Mac is not in the table');
  assert.match(table, /user-without-securetoken<\/a> \(bob, carol\)/);
  assert.match(table, /since <time datetime="2026-02-27T09:12:00.000Z">2026-02-27 09:12 UTC<\/time> \(3 d\)/);
});

test('a table cut short says so; an empty history and a clean fleet say so too', () => {
  const cut = renderHtml(input({ noncompliantTotal: 9000 }), ASSETS);
  assert.ok(cut.includes('The first 4 of 9000 noncompliant Macs; the CSV format lists every one.'));
  const empty = renderHtml(
    input({ trend: { days: [], series: [] }, byRule: [], noncompliant: [], noncompliantTotal: 0 }),
    ASSETS,
  );
  assert.ok(empty.includes('No history yet'));
  assert.ok(empty.includes('No rule fails on any device.'));
  assert.ok(empty.includes('No noncompliant Macs.'));
  assert.ok(!empty.includes('<h2>Remediation</h2>'));
});

test('--as-of: the page says which instant it shows, and ages count from it', () => {
  const page = renderHtml(input({ asOf: '2026-02-28T09:12:00.000Z' }), ASSETS);
  assert.match(page, /The fleet as it was at <time datetime="2026-02-28T09:12:00.000Z">/);
  assert.match(page, /2026-02-27 09:12 UTC<\/time> \(1 d\)/);
});

test('the hostile corpus in every field from a Mac: the page keeps its structure and shows each as text', () => {
  const benign = renderHtml(input(), ASSETS);
  for (const h of HOSTILE) {
    const rows = input().noncompliant.map((r) => ({
      ...r,
      serial: `${r.serial}${h.text}`,
      hostname: h.text,
      model: h.text,
      osVersion: h.text,
      consoleUser: h.text,
      findings: r.findings.map((f) => ({ ...f, user: f.user === null ? null : h.text })),
    }));
    const page = renderHtml(
      input({
        source: h.text,
        noncompliant: rows,
        byOs: input().byOs.map((g) => ({ ...g, key: g.key === null ? null : h.text })),
        byModel: [{ key: h.text, devices: 7, noncompliant: 4 }],
      }),
      ASSETS,
    );
    const withConsole = renderHtml(
      input({ noncompliant: input().noncompliant.map((r) => ({ ...r, consoleUser: 'x' })) }),
      ASSETS,
    );
    assert.deepEqual(skeleton(page), skeleton(withConsole), `${h.id}: no element added, closed or changed`);
    assertNoUnsafe(page, h.id);
    assert.ok(page.includes(escapeText(h.text)), `${h.id}: shown as text`);
  }
  assert.ok(skeleton(benign).length > 100);
});
