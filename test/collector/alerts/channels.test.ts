// Each channel as it sends, to real local receivers: the webhook, Slack, Teams and PagerDuty POST exactly
// their golden payload; email goes over SMTP to a real server (smtp-server) with the SMTP reply code as the
// attempt's status, a refusal retried; and a collector configured with every kind delivers one event to each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AlertEvent } from '../../../collector/alerts/event.ts';
import { createChannel } from '../../../collector/alerts/channels/index.ts';
import { readAlertSettings } from '../../../collector/alerts/config.ts';
import type { AlertsInput } from '../../../collector/alerts/config.ts';
import { startReceiver } from '../../helpers/receiver.ts';
import { startSmtpReceiver } from '../../helpers/smtp-receiver.ts';
import { startTestCollector } from '../../helpers/collector.ts';
import { delivered, macWith, verified } from './alert-setup.ts';

const FIXTURES = new URL('../../fixtures/alerts/', import.meta.url).pathname;
const EVENTS = JSON.parse(readFileSync(`${FIXTURES}events.json`, 'utf8')) as Record<string, AlertEvent>;
const golden = (name: string): unknown => JSON.parse(readFileSync(`${FIXTURES}golden/${name}`, 'utf8'));
const ctx = { publicUrl: 'https://tokenwatch.example.com' };

function settingsFor(alerts: AlertsInput) {
  return readAlertSettings(
    { alerts, webhookUrl: '', webhookSecret: '', publicUrl: ctx.publicUrl },
    { env: {}, readFile: () => '' },
  );
}

test('Slack, Teams and PagerDuty POST their golden payloads as sent, answered 2xx', async () => {
  const receiver = await startReceiver(() => ({ status: 202, body: '{"status":"success"}' }));
  try {
    const s = settingsFor({
      channels: [
        { name: 'it-alerts', type: 'slack', url: `${receiver.url}/slack` },
        { name: 'it-alerts-teams', type: 'teams', url: `${receiver.url}/teams` },
        {
          name: 'on-call',
          type: 'pagerduty',
          url: `${receiver.url}/pagerduty`,
          routingKey: 'R0UT1NGKEY0123456789ABCDEFGHIJKL',
        },
      ],
    });
    const sent: Record<string, string> = {};
    for (const c of s.channels) {
      // The golden files were rendered for the channel "it-alerts": the test names match.
      const ch = createChannel({ ...c, name: 'it-alerts' }, { publicUrl: ctx.publicUrl, timeoutMs: 5000 });
      for (const name of ['opened', 'resolved']) {
        const r = await ch.send(EVENTS[name] as AlertEvent, new Date('2026-03-02T12:00:01Z'));
        assert.equal(r.ok, true, r.error ?? '');
        assert.equal(r.status, 202);
        assert.equal(r.answer, '{"status":"success"}');
        sent[`${c.target.type}-${name}`] = receiver.received.at(-1)?.body ?? '';
      }
    }
    for (const [name, body] of Object.entries(sent))
      assert.deepEqual(JSON.parse(body), golden(`${name}.json`), `${name} as sent`);
    assert.deepEqual(
      receiver.received.map((r) => [r.path, r.headers['content-type']]),
      ['slack', 'slack', 'teams', 'teams', 'pagerduty', 'pagerduty'].map((p) => [
        `/hook/${p}`,
        'application/json',
      ]),
    );
  } finally {
    await receiver.close();
  }
});

test('the generic webhook POSTs its golden body byte for byte, signed as the standardwebhooks package verifies', async () => {
  const receiver = await startReceiver(() => ({ status: 204 }));
  try {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const [c] = settingsFor({
      channels: [{ name: 'it-alerts', type: 'webhook', url: receiver.url, secret }],
    }).channels;
    assert.ok(c);
    const ch = createChannel(c, { publicUrl: ctx.publicUrl, timeoutMs: 5000 });
    const r = await ch.send(EVENTS['opened'] as AlertEvent, new Date());
    assert.equal(r.status, 204);
    const [req] = receiver.received;
    assert.ok(req);
    assert.equal(`${req.body}\n`, readFileSync(`${FIXTURES}golden/webhook-opened.json`, 'utf8'));
    assert.equal(req.headers['webhook-id'], EVENTS['opened']?.id);
    assert.deepEqual(verified(secret, [req])[0], JSON.parse(req.body));
  } finally {
    await receiver.close();
  }
});

test('email goes over SMTP to a real server: subject, text and HTML parts, the reply code recorded; a 450 is a failure', async () => {
  const smtp = await startSmtpReceiver();
  try {
    const [c] = settingsFor({
      channels: [
        {
          name: 'it-mail',
          type: 'email',
          smtp: { host: '127.0.0.1', port: smtp.port },
          from: 'tokenwatch@example.com',
          to: ['mac-admins@example.com', 'sre@example.com'],
        },
      ],
    }).channels;
    assert.ok(c);
    const ch = createChannel(c, { publicUrl: ctx.publicUrl, timeoutMs: 5000 });
    try {
      const r = await ch.send(EVENTS['opened'] as AlertEvent, new Date());
      assert.equal(r.ok, true, r.error ?? '');
      assert.equal(r.status, 250);
      assert.equal(smtp.mails.length, 1);
      const m = smtp.mails[0];
      assert.equal(m?.from, 'tokenwatch@example.com');
      assert.deepEqual(m?.to, ['mac-admins@example.com', 'sre@example.com']);
      assert.match(
        m?.raw ?? '',
        /Subject: \[tokenwatch\] Opened: Bootstrap Token not escrowed to MDM on\s+C02XK1ABJGH5 \(alice-mbp\)/,
      );
      assert.match(m?.raw ?? '', /Message-ID: <evt_5f0c2a9e8b7d4c1fa3e6b2d9c8a7f601_1_opened@tokenwatch>/);
      assert.match(m?.raw ?? '', /Content-Type: text\/plain/);
      assert.match(m?.raw ?? '', /Content-Type: text\/html/);

      smtp.refuse(450);
      const refused = await ch.send(EVENTS['resolved'] as AlertEvent, new Date());
      assert.equal(refused.ok, false);
      assert.equal(refused.status, 450);
      assert.match(refused.error ?? '', /450/);
      assert.equal(smtp.mails.length, 1);
    } finally {
      await ch.close();
    }
  } finally {
    await smtp.close();
  }
});

test('a collector with a channel of every kind delivers the opened event to each', async () => {
  const receiver = await startReceiver(() => ({ status: 200 }));
  const smtp = await startSmtpReceiver();
  const alerts = {
    channels: [
      { name: 'slack', type: 'slack', url: `${receiver.url}/slack` },
      { name: 'teams', type: 'teams', url: `${receiver.url}/teams` },
      { name: 'pd', type: 'pagerduty', url: `${receiver.url}/pd`, routingKey: { env: 'PD_KEY' } },
      {
        name: 'mail',
        type: 'email',
        smtp: { host: '127.0.0.1', port: smtp.port },
        from: 'tokenwatch@example.com',
        to: ['mac-admins@example.com'],
      },
    ],
  };
  const c = await startTestCollector(
    { alerts: JSON.stringify(alerts), publicUrl: ctx.publicUrl },
    { jobs: false, env: { PD_KEY: 'R0UT1NGKEY0123456789ABCDEFGHIJKL' } },
  );
  try {
    const mac = await macWith(c, false);
    await delivered(c);
    assert.deepEqual(receiver.received.map((r) => r.path).sort(), ['/hook/pd', '/hook/slack', '/hook/teams']);
    const pd = JSON.parse(receiver.received.find((r) => r.path === '/hook/pd')?.body ?? '{}');
    assert.equal(pd.routing_key, 'R0UT1NGKEY0123456789ABCDEFGHIJKL');
    assert.equal(pd.payload.component, mac.serial);
    assert.equal(smtp.mails.length, 1);
    const r = await c.admin(`/api/v1/alerts/events?serial=${mac.serial}`);
    assert.deepEqual(
      r.json.events[0].deliveries.map((d: { channel: string; state: string; lastStatus: number }) => [
        d.channel,
        d.state,
        d.lastStatus,
      ]),
      [
        ['slack', 'delivered', 200],
        ['teams', 'delivered', 200],
        ['pd', 'delivered', 200],
        ['mail', 'delivered', 250],
      ],
    );
  } finally {
    await c.stop();
    await receiver.close();
    await smtp.close();
  }
});
