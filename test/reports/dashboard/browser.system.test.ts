// The dashboard in a real browser (Debian's chromium, driven by playwright-core) against the demo fleet: the
// real agent run against each simulated Mac, uploading to a real collector. An admin signs in with the
// token, reads the summary, follows the noncompliant count to the list, sorts it, opens a Mac, signs out.
// The Content-Security-Policy must refuse nothing (our scripts and styles are all from /assets/), no
// address ever carries the token, and the cookie is out of the page's reach. The screenshots are kept and
// their paths printed: the list's must not be blank and must name every noncompliant Mac of the fleet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startDemoFleet } from '../../../scripts/demo-fleet.ts';
import type { DemoFleet } from '../../../scripts/demo-fleet.ts';
import { loadConfig } from '../../../collector/config.ts';
import { createLogger } from '../../../collector/log.ts';
import { startCollector } from '../../../collector/main.ts';
import { launchChromium, cspViolations } from '../../helpers/chromium.ts';
import type { Browser } from '../../helpers/chromium.ts';
import { ADMIN_TOKEN } from '../../helpers/collector.ts';

let fleet: DemoFleet;
let browser: Browser;
const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwatch-dashboard-screenshots-'));

before(async () => {
  fleet = await startDemoFleet();
  const failed = fleet.agents.filter((a) => a.result.code !== 0);
  assert.deepEqual(
    failed.map((a) => `${a.name}: ${a.result.stderr}`),
    [],
    'every simulated Mac uploaded',
  );
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await fleet?.stop();
});

/** The demo fleet's noncompliant serials, from the admin API (not from the page under test). */
async function noncompliantSerials(): Promise<string[]> {
  const serials: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `status=noncompliant&limit=500${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await fetch(`${fleet.collector.url}/api/v1/devices?${query}`, {
      headers: { authorization: `Bearer ${fleet.adminToken}` },
    });
    const body = (await res.json()) as { devices: { serial: string }[]; nextCursor: string | null };
    serials.push(...body.devices.map((d) => d.serial));
    cursor = body.nextCursor;
  } while (cursor !== null);
  return serials;
}

/** Share of a PNG's pixels that differ from its most common colour, decoded by the browser itself. */
async function inkShare(page: Page, file: string): Promise<{ ink: number; colours: number }> {
  const data = fs.readFileSync(file).toString('base64');
  await page.goto('about:blank');
  // Evaluated in the page (source text: this project's TypeScript has no DOM types).
  return page.evaluate(`(async () => {
    const img = new Image();
    img.src = 'data:image/png;base64,${data}';
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const counts = new Map();
    for (let i = 0; i < px.length; i += 4) {
      const key = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    const top = Math.max(...counts.values());
    const total = px.length / 4;
    return { ink: (total - top) / total, colours: counts.size };
  })()`);
}

test('an admin signs in, reads the summary, follows the noncompliant count, sorts, opens a Mac and signs out; the screenshot names every noncompliant Mac', async (t) => {
  const base = fleet.collector.url;
  const page = await browser.newPage();
  const addresses: string[] = [];
  page.on('request', (r) => addresses.push(r.url()));

  await page.goto(`${base}/`);
  assert.equal(new URL(page.url()).pathname, '/sign-in', 'signed out: the sign-in form');
  await page.fill('input[name="token"]', 'wrong-token-wrong-token');
  await page.click('form.sign-in button[type="submit"]');
  assert.match((await page.textContent('[role="alert"]')) ?? '', /not the admin token/);
  await page.fill('input[name="token"]', fleet.adminToken);
  await Promise.all([page.waitForURL(`${base}/`), page.click('form.sign-in button[type="submit"]')]);

  const [cookie] = await browser.context.cookies(base);
  assert.equal(cookie?.name, 'tokenwatch_session');
  assert.equal(cookie?.httpOnly, true);
  assert.equal(cookie?.sameSite, 'Strict');
  assert.equal(await page.evaluate('document.cookie'), '', 'no script reads the session');

  assert.equal(await page.textContent('h1'), 'Fleet summary');
  const serials = await noncompliantSerials();
  assert.ok(serials.length > 0, 'the demo fleet has noncompliant Macs');
  const card = page.locator('a[href="/devices?status=noncompliant"]').first();
  // The counts are the ones the collector keeps, read again within 10 s of the fleet's uploads: reload
  // until they include the last upload.
  for (let i = 0; !new RegExp(`^${serials.length}\\D`).test((await card.textContent()) ?? ''); i++) {
    assert.ok(i < 30, `the summary's noncompliant count never became ${serials.length}`);
    await page.waitForTimeout(1000);
    await page.reload();
  }
  assert.match(
    (await page.textContent('.counts-age')) ?? '',
    /^Counts as of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/,
  );
  // So is the trend's today: reload until the chart (its label names the last day's rates) has today's point.
  const chart = page.locator('.chart[data-chart]').first();
  for (let i = 0; / compliant -,/.test((await chart.getAttribute('aria-label')) ?? ' compliant -,'); i++) {
    assert.ok(i < 30, "the trend never showed today's compliance");
    await page.waitForTimeout(1000);
    await page.reload();
  }
  await page.locator('.chart[data-rendered="true"]').first().waitFor({ state: 'attached' });
  const summaryShot = path.join(shots, 'summary.png');
  await page.screenshot({ path: summaryShot, fullPage: true });

  await Promise.all([page.waitForURL(`${base}/devices?status=noncompliant`), card.click()]);
  for (const serial of serials)
    assert.ok(await page.locator(`a[href="/devices/${serial}"]`).isVisible(), `${serial} listed`);
  const listShot = path.join(shots, 'noncompliant.png');
  await page.screenshot({ path: listShot, fullPage: true });
  const listed = await page.locator('#devices tbody tr').count();
  assert.equal(listed, serials.length, 'the list is exactly the noncompliant Macs');

  // Sorting by serial (a column header's button; table-sort.js from /assets/ under the policy).
  const column = async () =>
    page.$$eval('#devices tbody tr td:first-child', (cells) => cells.map((c) => c.textContent ?? ''));
  const sortButton = page.locator('#devices thead button', { hasText: 'serial' });
  await sortButton.click();
  const ascending = await column();
  await sortButton.click();
  assert.deepEqual(await column(), [...ascending].reverse(), 'a second click reverses the order');
  assert.equal(
    await page.getAttribute('#devices thead th:first-child', 'aria-sort'),
    'descending',
    'the header says how the column is sorted',
  );

  const first = serials[0] as string;
  await Promise.all([page.waitForURL(`${base}/devices/${first}`), page.click(`a[href="/devices/${first}"]`)]);
  assert.match((await page.textContent('h1')) ?? '', new RegExp(first));
  for (const id of ['open-findings', 'unlock', 'mdm-update', 'crypto-users', 'exemptions', 'history'])
    assert.ok(await page.locator(`section#${id}`).isVisible(), `device page: ${id}`);
  const deviceShot = path.join(shots, 'device.png');
  await page.screenshot({ path: deviceShot, fullPage: true });

  await Promise.all([page.waitForURL(`${base}/sign-in`), page.click('header form button[type="submit"]')]);
  await page.goto(`${base}/devices?status=noncompliant`);
  assert.equal(new URL(page.url()).pathname, '/sign-in', 'signed out: the list is no longer shown');

  assert.deepEqual(cspViolations(browser.messages), [], 'the policy refused nothing');
  assert.deepEqual(
    addresses.filter((a) => a.includes(fleet.adminToken) || !a.startsWith(base)),
    [],
    'no address carries the token; nothing is fetched from another host',
  );

  for (const shot of [summaryShot, listShot]) {
    const { ink, colours } = await inkShare(page, shot);
    assert.ok(ink > 0.03 && colours > 50, `${shot} is not blank (ink ${ink.toFixed(3)}, ${colours} colours)`);
  }
  await page.close();
  for (const [what, shot] of [
    ['summary', summaryShot],
    ['noncompliant Macs', listShot],
    ['device page', deviceShot],
  ] as const) {
    t.diagnostic(`screenshot of the demo fleet's dashboard (${what}): ${shot}`);
    process.stdout.write(`screenshot of the demo fleet's dashboard (${what}): ${shot}\n`);
  }
});

test('the trend chart is drawn by uPlot from /assets/ under the policy, its numbers in the table beside it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwatch-dashboard-trend-'));
  const { config } = loadConfig({
    env: {},
    flags: {
      db: path.join(dir, 'collector.db'),
      host: '127.0.0.1',
      port: '0',
      adminToken: ADMIN_TOKEN,
      enrollSecret: 'enroll-secret-for-tests',
      logLevel: 'silent',
    },
  });
  // A trend given to the dashboard as the read model will compute it (summary.ts trendSeries' input).
  const days = ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'];
  const collector = await startCollector(config, {
    logger: createLogger('silent'),
    jobs: false,
    dashboard: {
      trend: async () => ({
        days,
        series: [
          { label: 'compliant', values: [50, 62.5, null, 75] },
          { label: 'Bootstrap Token escrowed', values: [80, 80, 90, 100] },
        ],
      }),
    },
  });
  const page = await browser.newPage();
  try {
    await page.goto(`${collector.url}/sign-in`);
    await page.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([
      page.waitForURL(`${collector.url}/`),
      page.click('form.sign-in button[type="submit"]'),
    ]);
    const canvas = page.locator('.chart canvas');
    await canvas.waitFor({ state: 'visible' });
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100, `the chart has a size: ${JSON.stringify(box)}`);
    const legend = await page.locator('.chart').textContent();
    assert.match(legend ?? '', /compliant/);
    assert.match(legend ?? '', /Bootstrap Token escrowed/);
    const table = await page.locator('.chart ~ details table').textContent();
    assert.match(table ?? '', /2026-02-2862\.5%80\.0%/);
    assert.deepEqual(cspViolations(browser.messages), [], 'the policy refused nothing');
  } finally {
    await page.close();
    await collector.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
