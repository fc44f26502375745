// The channels' payloads are pure functions of an event, compared byte for byte with golden files
// (test/fixtures/alerts/golden; TOKENWATCH_UPDATE_GOLDEN=1 rewrites them, then read the diff). The events
// are test/fixtures/alerts/events.json: opened, resolved, a reminder, an exemption, a scheduled digest, a
// backfill and a test. The webhook's signature is checked with the standardwebhooks package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import type { AlertEvent } from '../../../collector/alerts/event.ts';
import { signedHeaders, webhookBody } from '../../../collector/alerts/payload.ts';
import { slackBody } from '../../../collector/alerts/payload-slack.ts';
import { teamsBody } from '../../../collector/alerts/payload-teams.ts';
import { pagerdutyBody } from '../../../collector/alerts/payload-pagerduty.ts';
import { emailMessage } from '../../../collector/alerts/payload-email.ts';

const DIR = new URL('../../fixtures/alerts/', import.meta.url).pathname;
export const EVENTS = JSON.parse(readFileSync(`${DIR}events.json`, 'utf8')) as Record<string, AlertEvent>;
const ctx = { publicUrl: 'https://tokenwatch.example.com', channel: 'it-alerts' };
const ROUTING_KEY = 'R0UT1NGKEY0123456789ABCDEFGHIJKL';
const update = process.env['TOKENWATCH_UPDATE_GOLDEN'] === '1';

/** Compare with the golden file (or write it when updating). */
function golden(name: string, actual: string): void {
  const path = `${DIR}golden/${name}`;
  if (update) {
    mkdirSync(`${DIR}golden`, { recursive: true });
    writeFileSync(path, actual);
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs from its golden file`);
}

const pretty = (json: string) => `${JSON.stringify(JSON.parse(json), null, 2)}\n`;

for (const [name, event] of Object.entries(EVENTS)) {
  test(`${name}: webhook, Slack, Teams, PagerDuty and email payloads match their golden files`, () => {
    golden(`webhook-${name}.json`, `${webhookBody(event, ctx)}\n`);
    golden(`slack-${name}.json`, pretty(slackBody(event, ctx)));
    golden(`teams-${name}.json`, pretty(teamsBody(event, ctx)));
    golden(`pagerduty-${name}.json`, pretty(pagerdutyBody(event, { ...ctx, routingKey: ROUTING_KEY })));
    const m = emailMessage(event, ctx);
    golden(`email-${name}.txt`, `Subject: ${m.subject}\n\n${m.text}`);
    golden(`email-${name}.html`, m.html);
  });
}

test('the webhook body names the type, device, rule, severity, users, failing since, remediation and link', () => {
  const body = JSON.parse(webhookBody(EVENTS['reminder'] as AlertEvent, ctx));
  assert.equal(body.type, 'reminder');
  assert.equal(body.id, EVENTS['reminder']?.id);
  assert.deepEqual(body.data.device, {
    serial: 'FVFXC2MMHV29',
    model: 'Mac14,2',
    osVersion: '15.3.1',
    osBuild: '24D70',
    hostname: 'bob-air',
    consoleUser: 'bob',
    url: 'https://tokenwatch.example.com/devices/FVFXC2MMHV29',
  });
  assert.equal(body.data.rule.id, 'user-without-securetoken');
  assert.equal(body.data.severity, 'high');
  assert.deepEqual(body.data.users, ['bob']);
  assert.equal(body.data.failingSince, '2026-02-20T08:00:00.000Z');
  assert.ok(body.data.remediation.length > 20);
  assert.deepEqual(body.data.reminder, { count: 1, everyDays: 3 });
});

test('the Standard Webhooks signature is the one the standardwebhooks package computes, per secret', () => {
  const secrets = ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'];
  const body = webhookBody(EVENTS['opened'] as AlertEvent, ctx);
  const h = signedHeaders('evt_x', 1772452800, body, secrets);
  assert.equal(h['webhook-id'], 'evt_x');
  assert.equal(h['webhook-timestamp'], '1772452800');
  const sigs = h['webhook-signature']?.split(' ');
  assert.deepEqual(
    sigs,
    secrets.map((s) => new Webhook(s).sign('evt_x', new Date(1772452800 * 1000), body)),
  );
});

test('PagerDuty: opened triggers and resolved resolves with the incident id as dedup_key', () => {
  const o = JSON.parse(pagerdutyBody(EVENTS['opened'] as AlertEvent, { ...ctx, routingKey: ROUTING_KEY }));
  const r = JSON.parse(pagerdutyBody(EVENTS['resolved'] as AlertEvent, { ...ctx, routingKey: ROUTING_KEY }));
  assert.equal(o.event_action, 'trigger');
  assert.equal(r.event_action, 'resolve');
  assert.equal(o.dedup_key, EVENTS['opened']?.incident?.id);
  assert.equal(r.dedup_key, o.dedup_key);
  assert.equal(o.payload.severity, 'error');
});

test('text from a Mac cannot become a Slack mention or link, nor break an email header', () => {
  const e = structuredClone(EVENTS['opened']) as AlertEvent;
  if (!e.incident) throw new Error('fixture');
  e.incident.device.hostname = '<!channel> <https://evil.example|click>\r\nBcc: x@evil.example';
  // Slack reads mentions and links in the top-level text and in mrkdwn, never in plain_text.
  const slack = JSON.parse(slackBody(e, ctx));
  const mrkdwn: string[] = [slack.text];
  JSON.stringify(slack, (k, v) => {
    if (v && typeof v === 'object' && v.type === 'mrkdwn') mrkdwn.push(v.text);
    return v;
  });
  assert.ok(mrkdwn.length > 5);
  for (const t of mrkdwn) {
    assert.ok(!t.includes('<!channel>'), t);
    assert.ok(!t.includes('<https://evil'), t);
  }
  const m = emailMessage(e, ctx);
  assert.ok(!/[\r\n]/.test(m.subject));
  assert.ok(!m.html.includes('<!channel>'));
});
