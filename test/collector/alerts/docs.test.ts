// docs/alerts.md says what the code does: its defaults are ALERT_DEFAULTS, its field table names every
// channel setting of the schema, its job table every scheduled job with its schedule, and its signature
// check without a library (run here as printed) accepts what the collector signs and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALERT_DEFAULTS, ALERTS_SCHEMA } from '../../../collector/alerts/config.ts';
import { signedHeaders } from '../../../collector/alerts/payload.ts';
import { collectorJobs } from '../../../collector/jobs/table.ts';
import { newSecret } from './alert-setup.ts';

const doc = readFileSync(new URL('../../../docs/alerts.md', import.meta.url), 'utf8');

test('the defaults it states are the code’s', () => {
  for (const [key, value] of Object.entries(ALERT_DEFAULTS)) {
    if (key === 'timezone') assert.match(doc, /\(default `UTC`\)/);
    else if (key === 'minSeverity') assert.match(doc, new RegExp(`\`${value}\` \\(default\\)`));
    else if (key === 'concurrency') assert.match(doc, new RegExp(`\\(default ${value}\\)`));
    else assert.match(doc, new RegExp(`\`${key}\` \\(${value}\\b`), key);
  }
});

test('its field table names every channel setting', () => {
  const channel = (ALERTS_SCHEMA.properties.channels as unknown as { items: { properties: object } }).items;
  const fields = Object.keys(channel.properties).sort();
  const table = [...doc.matchAll(/^\| ((?:`[a-zA-Z]+`(?:, )?)+) +\|/gm)].flatMap((m) =>
    [...(m[1] ?? '').matchAll(/`([a-zA-Z]+)`/g)].map((x) => x[1] as string),
  );
  for (const f of fields) assert.ok(table.includes(f), `${f} is documented`);
});

test('its job table lists every scheduled job', () => {
  const jobs = collectorJobs({
    store: null as never,
    config: { reportSchedule: '0 6 * * 1', reportDir: '/srv/reports', reportFormat: 'html' } as never,
    rules: { staleAfterSeconds: 1, graceSeconds: {} },
    alerts: null as never,
    report: () => Promise.resolve({ file: '', queued: 0 }),
  });
  assert.ok(
    jobs.some((j) => j.name === 'scheduled-report'),
    'with reportSchedule set, the table has the scheduled report',
  );
  for (const j of jobs) assert.match(doc, new RegExp(`^\\| \`${j.name}\` +\\|`, 'm'), j.name);
});

test('the signature check without a library accepts what the collector signs, during rotation too, and nothing else', async () => {
  const block = /Without a library[^`]*```js\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block, 'the example is there');
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-doc-verify-'));
  try {
    const file = join(dir, 'verify.mjs');
    writeFileSync(file, `${block}\nexport { verify };\n`);
    const { verify } = (await import(file)) as {
      verify: (s: string, h: Record<string, string>, b: string) => boolean;
    };
    const [a, b] = [newSecret(), newSecret()];
    const body = '{"id":"evt_1","type":"opened"}';
    const now = Math.floor(Date.now() / 1000);
    const headers = signedHeaders('evt_1', now, body, [a, b]);
    assert.equal(verify(a, headers, body), true);
    assert.equal(verify(b, headers, body), true);
    assert.equal(verify(newSecret(), headers, body), false);
    assert.equal(verify(a, headers, body.replace('opened', 'resolved')), false);
    assert.equal(verify(a, signedHeaders('evt_1', now - 3600, body, [a]), body), false, 'too old');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
