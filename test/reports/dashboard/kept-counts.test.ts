// The summary page over a real collector: the counts it shows are the ones the collector keeps (read in the
// background, not for the page), as of the collector's clock; a change shows after the next read; a stopped
// collector reads nothing more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCollector, snapshotFor } from '../../helpers/collector.ts';
import { Visitor } from './client.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pageShowing(v: Visitor, shows: RegExp) {
  for (let i = 0; ; i++) {
    const page = await v.get('/');
    assert.equal(page.status, 200);
    if (shows.test(page.text)) return page.text;
    if (i === 100) assert.fail(`the summary page never showed ${shows}: ${page.text}`);
    await sleep(100);
  }
}

test('the page shows the kept counts as of the collector clock; a noncompliant upload shows after the refresh, with the new time; after stop nothing is read', async () => {
  const c = await startTestCollector({ dashboardRefreshSeconds: '1' });
  let stopped = false;
  try {
    const ok = await c.device();
    await c.upload(ok.token, snapshotFor(ok.serial, ok.hardwareUuid));
    const v = new Visitor(c.url);
    assert.equal((await v.signIn()).status, 303);
    const start = c.clock.now().toISOString();
    const first = await pageShowing(v, /<span class="value">1<\/span><span class="label">devices<\/span>/);
    assert.ok(
      first.includes(
        `Counts as of <time datetime="${start}">${start.slice(0, 19).replace('T', ' ')} UTC</time> (0 s ago), kept by this collector: read again every 1 s`,
      ),
      first,
    );
    assert.match(first, /<span class="value">0<\/span><span class="label">noncompliant<\/span>/);

    c.clock.advance(5 * 60_000);
    const later = c.clock.now().toISOString();
    const bad = await c.device();
    await c.upload(
      bad.token,
      snapshotFor(bad.serial, bad.hardwareUuid, (s) => {
        s.bootstrapToken.escrowed = false;
      }),
    );
    const after = await pageShowing(
      v,
      /<span class="value">1<\/span><span class="label">noncompliant<\/span>/,
    );
    assert.match(after, /<span class="value">2<\/span><span class="label">devices<\/span>/);
    assert.ok(after.includes(`Counts as of <time datetime="${later}">`), 'as of the read after the change');

    await c.stop();
    stopped = true;
    const logged = c.logs.length;
    await sleep(1500);
    assert.equal(c.logs.length, logged, 'no read (nor its failure on the closed store) after stop');
    assert.ok(!c.logs.some((l) => String(l['msg']).startsWith('dashboard:')), 'no dashboard read failed');
  } finally {
    if (!stopped) await c.stop();
  }
});
