// The dashboard as the collector serves it (real HTTP, a real SQLite file): sign-in exchanges the admin
// token for a session cookie and never puts the token in an address, pages need a live session, sign-out
// and idleness end it, cross-site posts are refused, every answer carries the security headers, the
// assets are the collector's own, the summary's counts link to filtered lists, and a Mac's hostile values
// reach the pages as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selfSigned } from '../../helpers/certificates.ts';
import { startTestCollector, snapshotFor, ADMIN_TOKEN } from '../../helpers/collector.ts';
import type { TestCollector } from '../../helpers/collector.ts';
import { userNamed } from '../../collector/rules/compliant-snapshot.ts';
import { hostile } from '../../helpers/hostile-strings.ts';
import { escapeText } from '../../../reports/render/html/escape.ts';
import { loadPageAssets } from '../../../reports/page-assets.ts';
import { CONTENT_SECURITY_POLICY } from '../../../reports/dashboard/headers.ts';
import { Visitor, send } from './client.ts';

let c: TestCollector;
let failing: { serial: string; hardwareUuid: string };
let hostileMac: { serial: string; hardwareUuid: string };
const HOSTILE_NAME = `<script>alert(1)</script>"><img src=x onerror=alert(2)>${hostile('tag-close')}`;
const BIDI = hostile('bidi-override');

before(async () => {
  c = await startTestCollector({ dashboardIdleSeconds: '600', dashboardRefreshSeconds: '1' });
  const ok = await c.device();
  await c.upload(ok.token, snapshotFor(ok.serial, ok.hardwareUuid));
  const f = await c.device();
  await c.upload(
    f.token,
    snapshotFor(f.serial, f.hardwareUuid, (s) => {
      s.bootstrapToken.escrowed = false;
    }),
  );
  failing = f;
  const h = await c.device();
  await c.upload(
    h.token,
    snapshotFor(h.serial, h.hardwareUuid, (s) => {
      s.device.hostname = HOSTILE_NAME;
      s.consoleUser = 'bob';
      s.device.model = BIDI;
      userNamed(s, 'bob').secureToken = false;
    }),
  );
  hostileMac = h;
});
after(() => c.stop());

const signedIn = async () => {
  const v = new Visitor(c.url);
  const a = await v.signIn();
  assert.equal(a.status, 303);
  assert.ok(v.cookie, 'a session cookie');
  return v;
};

test('signed out: a page redirects to the sign-in form (keeping where it was going); the form takes no token in its address', async () => {
  const v = new Visitor(c.url);
  const home = await v.get('/');
  assert.equal(home.status, 303);
  assert.equal(home.headers.location, '/sign-in');
  const device = await v.get(`/devices/${failing.serial}?x=1`);
  assert.equal(
    device.headers.location,
    `/sign-in?next=${encodeURIComponent(`/devices/${failing.serial}?x=1`)}`,
  );
  const form = await v.get('/sign-in');
  assert.equal(form.status, 200);
  assert.match(form.text, /<form class="sign-in" method="post" action="\/sign-in">/);
  assert.match(form.text, /<input type="password" name="token"/);
  assert.equal(form.headers['cache-control'], 'no-store');
  const head = await send(`${c.url}/devices`, { method: 'HEAD' });
  assert.equal(head.status, 303);
});

test('sign-in: the admin token becomes an HttpOnly SameSite=Strict cookie and a redirect to a path of ours; the token is nowhere in the answer', async () => {
  const v = new Visitor(c.url);
  const a = await v.signIn(ADMIN_TOKEN, `/devices/${failing.serial}`);
  assert.equal(a.status, 303);
  assert.equal(a.headers.location, `/devices/${failing.serial}`);
  const cookie = a.headers['set-cookie']?.[0] ?? '';
  assert.match(
    cookie,
    /^tokenwatch_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/,
  );
  assert.ok(!JSON.stringify(a.headers).includes(ADMIN_TOKEN));
  const page = await v.get(a.headers.location as string);
  assert.equal(page.status, 200);
  assert.ok(!page.text.includes(ADMIN_TOKEN), 'the token is not echoed into a page');
  for (const next of ['https://evil.example/', '//evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
    const w = new Visitor(c.url);
    assert.equal((await w.signIn(ADMIN_TOKEN, next)).headers.location, '/', `${next}: not followed`);
  }
});

test('a wrong token is refused with the form again, no cookie, and counts against the admin API limiter', async () => {
  const v = new Visitor(c.url);
  const a = await v.signIn('not-the-admin-token');
  assert.equal(a.status, 401);
  assert.equal(a.headers['set-cookie'], undefined);
  assert.match(a.text, /That is not the admin token\./);
  assert.equal((await v.get('/')).status, 303);
  const failures = () => c.logs.filter((l) => l['msg'] === 'dashboard sign-in refused').length;
  assert.ok(failures() >= 1, 'logged');
  assert.ok(
    !c.logs.some((l) => JSON.stringify(l).includes('not-the-admin-token')),
    'the wrong token is not logged',
  );
  // Twenty wrong ones in the window (counting the one above): the next sign-in and API call wait.
  for (let i = 0; i < 19; i++) await v.signIn(`wrong-${i}`);
  const limited = await v.signIn(ADMIN_TOKEN);
  assert.equal(limited.status, 429, 'even the right token waits: the form is no faster way to guess');
  assert.ok(Number(limited.headers['retry-after']) > 0);
  assert.equal((await c.admin('/api/v1/summary')).status, 429, 'the API shares the limiter');
  c.advanceMonotonic(61_000);
  assert.equal((await v.signIn(ADMIN_TOKEN)).status, 303);
});

test('cross-site: a sign-in or sign-out from another origin, or saying neither, is refused', async () => {
  const v = new Visitor(c.url);
  const evil = await v.post('/sign-in', { token: ADMIN_TOKEN }, { origin: 'https://evil.example' });
  assert.equal(evil.status, 403);
  assert.equal(evil.headers['set-cookie'], undefined);
  assert.match(evil.text, /Cross-site request refused: the request came from https:\/\/evil.example/);
  assert.equal((await v.post('/sign-in', { token: ADMIN_TOKEN }, {})).status, 403);
  const same = await v.post('/sign-in', { token: ADMIN_TOKEN }, { 'sec-fetch-site': 'same-origin' });
  assert.equal(same.status, 303);
  const out = await v.post('/sign-out', {}, { origin: 'https://evil.example' });
  assert.equal(out.status, 403);
  assert.equal((await v.get('/')).status, 200, 'still signed in');
});

test('sign-out ends the session at once: the old cookie no longer opens a page', async () => {
  const v = await signedIn();
  const cookie = v.cookie as string;
  const out = await v.post('/sign-out', {});
  assert.equal(out.status, 303);
  assert.equal(out.headers.location, '/sign-in');
  assert.match(out.headers['set-cookie']?.[0] ?? '', /^tokenwatch_session=; Path=\/; Max-Age=0; HttpOnly/);
  const replay = await send(`${c.url}/`, { headers: { cookie } });
  assert.equal(replay.status, 303);
  assert.equal(replay.headers.location, '/sign-in');
});

test('idle for the idle time (600 s here), the session ends; in use, it goes on', async () => {
  const v = await signedIn();
  const t = c.clock.now().getTime();
  try {
    c.clock.set(new Date(t + 590_000));
    assert.equal((await v.get('/')).status, 200);
    c.clock.set(new Date(t + 1_180_000));
    assert.equal((await v.get('/')).status, 200, 'each request restarts the idle time');
    c.clock.set(new Date(t + 1_780_000));
    const ended = await v.get('/');
    assert.equal(ended.status, 303);
    assert.match(ended.headers['set-cookie']?.[0] ?? '', /Max-Age=0/, 'the dead cookie is cleared');
  } finally {
    c.clock.set(new Date(t));
  }
});

test('every answer carries the policy and security headers; the admin API takes no session cookie', async () => {
  const v = await signedIn();
  for (const path of ['/', '/devices', '/sign-in', `/devices/${failing.serial}`, '/devices/NOPE']) {
    const a = await v.get(path);
    assert.equal(a.headers['content-security-policy'], CONTENT_SECURITY_POLICY, path);
    assert.equal(a.headers['x-frame-options'], 'DENY', path);
    assert.equal(a.headers['x-content-type-options'], 'nosniff', path);
  }
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|https?:/);
  const api = await send(`${c.url}/api/v1/summary`, { headers: { cookie: v.cookie as string } });
  assert.equal(api.status, 401, 'a cookie is no admin credential for the API');
});

test('the assets are served by the collector under their content-hashed names, without a session; pages link only to them', async () => {
  const v = await signedIn();
  const page = await v.get('/');
  const assets = loadPageAssets();
  const linked = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
  const external = linked.filter((l) => !l.startsWith('/') || l.startsWith('//'));
  assert.deepEqual(
    external.filter((l) => l !== 'data:,'),
    [],
    'nothing from another host',
  );
  for (const a of [...assets.scripts, ...assets.styles]) {
    assert.ok(linked.includes(`/assets/${a.name}`), `${a.name} linked`);
    const got = await send(`${c.url}/assets/${a.name}`);
    assert.equal(got.status, 200);
    assert.equal(got.text, a.text);
    assert.match(got.headers['content-type'] ?? '', a.kind === 'script' ? /javascript/ : /text\/css/);
    assert.match(got.headers['cache-control'] ?? '', /immutable/);
  }
  assert.equal((await send(`${c.url}/assets/uplot.js`)).status, 404);
});

/** The summary page once the counts and trend this collector keeps have caught up with the uploads. */
async function caughtUp(v: Visitor, ...shows: RegExp[]) {
  for (let i = 0; ; i++) {
    const page = await v.get('/');
    if (shows.every((r) => r.test(page.text)) && !/being (read|computed)/.test(page.text)) return page;
    if (i === 100) assert.fail(`the summary page never showed ${shows.join(', ')}: ${page.text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the summary: counts as links to the filtered lists, findings by rule linking to the devices failing it', async () => {
  const v = await signedIn();
  const page = await caughtUp(
    v,
    /<td>2026-03-02<\/td><td class="num">33\.3%<\/td>/,
    /<span class="value">3<\/span><span class="label">devices<\/span>/,
  );
  assert.equal(page.status, 200);
  assert.match(page.text, /<h1>Fleet summary<\/h1>/);
  assert.match(page.text, /href="\/devices\?status=noncompliant"/);
  assert.match(page.text, /href="\/devices\?status=compliant"/);
  assert.match(page.text, /href="\/devices\?rule=bootstrap-not-escrowed"/);
  assert.doesNotMatch(page.text, /does not compute the trend/);
  assert.match(
    page.text,
    /<th>day \(UTC\)<\/th><th class="num">compliant<\/th>.*<td>2026-03-02<\/td><td class="num">33\.3%<\/td>/s,
    "the trend's numbers per day",
  );
  const list = await v.get('/devices?status=noncompliant');
  assert.equal(list.status, 200);
  assert.ok(list.text.includes(`/devices/${failing.serial}`));
  assert.ok(list.text.includes(`/devices/${hostileMac.serial}`));
  const byRule = await v.get('/devices?rule=bootstrap-not-escrowed');
  assert.ok(byRule.text.includes(`/devices/${failing.serial}`));
  assert.ok(!byRule.text.includes(`/devices/${hostileMac.serial}"`), 'only the devices failing the rule');
  const compliant = await v.get('/devices?status=compliant');
  assert.ok(!compliant.text.includes(`/devices/${failing.serial}"`));
});

test('a filter out of range is a 400 naming it; an unknown device a 404', async () => {
  const v = await signedIn();
  const bad = await v.get('/devices?status=green');
  assert.equal(bad.status, 400);
  assert.match(bad.text, /&quot;status&quot; must be one of noncompliant, unknown, compliant/);
  assert.equal((await v.get('/devices?limit=7')).status, 400);
  assert.equal((await v.get('/devices?status=compliant&status=unknown')).status, 400);
  const none = await v.get('/devices/NOPE%3Cb%3E');
  assert.equal(none.status, 404);
  assert.match(none.text, /No device with serial NOPE&lt;b&gt;\./);
});

test("a Mac's hostile values reach the list and its page as text, never as markup", async () => {
  const v = await signedIn();
  for (const path of [`/devices/${hostileMac.serial}`, '/devices?status=noncompliant']) {
    const page = await v.get(path);
    assert.equal(page.status, 200, path);
    assert.ok(!page.text.includes('<script>alert'), `${path}: no script from the Mac`);
    assert.ok(!page.text.includes('<img src=x'), `${path}: no element from the Mac`);
    assert.ok(!page.text.includes('</result>'), path);
    assert.ok(page.text.includes(escapeText(HOSTILE_NAME)), `${path}: the hostname shown as text`);
    assert.ok(!page.text.includes('\u202e'), `${path}: the bidi override is a visible escape`);
  }
});

test('the device page: facts, the sections, findings with failing since, and the history of changes', async () => {
  const v = await signedIn();
  const page = await v.get(`/devices/${hostileMac.serial}`);
  for (const id of ['mdm-update', 'unlock', 'open-findings', 'crypto-users', 'exemptions', 'history'])
    assert.match(page.text, new RegExp(`<section class="panel" id="${id}">`), id);
  assert.match(page.text, /user-without-securetoken/);
  assert.match(page.text, /<td>bob<\/td>/);
  assert.doesNotMatch(page.text, /does not compute the unlock matrix/);
  assert.match(
    page.text,
    /<table class="data" id="unlock-matrix">.*<td>bob<\/td>/s,
    'the unlock matrix lists bob',
  );
  assert.match(page.text, /<td>mdm_bootstrap_token<\/td>/, 'crypto users from the snapshot');
  assert.match(
    page.text,
    /<section class="panel" id="incidents">.*user-without-securetoken/s,
    "the alerting's incidents of the Mac, whether or not a channel is configured",
  );
});

test('with the dashboard turned off, / is not served', async () => {
  const off = await startTestCollector({ dashboard: 'false' });
  try {
    assert.equal((await send(`${off.url}/`)).status, 404);
    assert.equal((await send(`${off.url}/sign-in`)).status, 404);
  } finally {
    await off.stop();
  }
});

test('over TLS the cookie is __Host- prefixed and Secure, and only that cookie opens a page', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwatch-dashboard-tls-'));
  const cert = await selfSigned();
  fs.writeFileSync(path.join(dir, 'cert.pem'), cert.cert);
  fs.writeFileSync(path.join(dir, 'key.pem'), cert.key);
  const tls = await startTestCollector({
    tlsCert: path.join(dir, 'cert.pem'),
    tlsKey: path.join(dir, 'key.pem'),
  });
  try {
    assert.match(tls.url, /^https:/);
    const v = new Visitor(tls.url, cert.cert);
    const a = await v.signIn();
    assert.equal(a.status, 303);
    const set = a.headers['set-cookie']?.[0] ?? '';
    assert.match(
      set,
      /^__Host-tokenwatch_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict; Secure$/,
    );
    assert.equal((await v.get('/')).status, 200);
    const id = (v.cookie ?? '').split('=')[1] ?? '';
    const plain = await send(`${tls.url}/`, {
      headers: { cookie: `tokenwatch_session=${id}` },
      ca: cert.cert,
    });
    assert.equal(
      plain.status,
      303,
      'the unprefixed name (settable by a sibling host or over http) is not read',
    );
  } finally {
    await tls.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
