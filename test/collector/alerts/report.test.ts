// The scheduled report sent to alert channels (reportChannels), to real receivers: after the job writes
// the file, a report event per channel goes through the outbox; the webhook gets it signed, Slack and Teams
// their messages, PagerDuty a change event at its change endpoint, email the summary with the file
// attached (byte for byte). A failed send is retried as every delivery is, and the file stays. Channels
// that are not configured, or a schedule missing, stop the start with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReceiver } from '../../helpers/receiver.ts';
import { startSmtpReceiver } from '../../helpers/smtp-receiver.ts';
import { startTestCollector } from '../../helpers/collector.ts';
import { ConfigError } from '../../../collector/config.ts';
import { delivered, macWith, newSecret, signedWith } from './alert-setup.ts';

const PD_KEY = 'R0UT1NGKEY0123456789ABCDEFGHIJKL';
const S = 1000;

/** The attachment of a raw MIME message (nodemailer's base64 part) named `filename`, decoded. */
function attachment(raw: string, filename: string): Buffer | null {
  const at = raw.indexOf(`filename=${filename}`);
  if (at < 0) return null;
  const body = raw.slice(raw.indexOf('\r\n\r\n', at) + 4);
  const end = body.indexOf('\r\n--');
  return Buffer.from(body.slice(0, end).replace(/\s+/g, ''), 'base64');
}

test('the scheduled report goes to each channel named, after its file: the webhook signed, Slack, Teams, PagerDuty as a change event, email with the file attached', async () => {
  const receiver = await startReceiver(() => ({ status: 202 }));
  const smtp = await startSmtpReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-reports-'));
  const secret = newSecret();
  const alerts = {
    channels: [
      { name: 'hook', type: 'webhook', url: `${receiver.url}/webhook`, secret },
      { name: 'slack', type: 'slack', url: `${receiver.url}/slack` },
      { name: 'teams', type: 'teams', url: `${receiver.url}/teams` },
      { name: 'pd', type: 'pagerduty', url: `${receiver.url}/v2/enqueue`, routingKey: PD_KEY },
      {
        name: 'mail',
        type: 'email',
        smtp: { host: '127.0.0.1', port: smtp.port },
        from: 'tokenwatch@example.com',
        to: ['mac-admins@example.com'],
      },
      // Takes the incidents, not the report.
      { name: 'other', type: 'slack', url: `${receiver.url}/other` },
    ],
  };
  const c = await startTestCollector(
    {
      alerts: JSON.stringify(alerts),
      publicUrl: 'https://tokenwatch.example.com',
      reportSchedule: '0 6 * * 1',
      reportDir: dir,
      reportFormat: 'html',
      reportChannels: 'hook, slack,teams,pd,mail',
    },
    { jobs: false },
  );
  try {
    const bad = await macWith(c, false);
    await macWith(c, true);
    await delivered(c);
    const before = receiver.received.length;
    const mailsBefore = smtp.mails.length;

    const run = await c.jobs.run('scheduled-report');
    assert.equal(run.outcome, 'ok', run.detail ?? '');
    const file = String(run.report?.['file']);
    assert.equal(run.report?.['queued'], 5);
    const bytes = readFileSync(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await delivered(c);

    const sent = receiver.received.slice(before);
    assert.deepEqual(sent.map((r) => r.path).sort(), [
      '/hook/slack',
      '/hook/teams',
      '/hook/v2/change/enqueue',
      '/hook/webhook',
    ]);
    const body = (p: string) => JSON.parse(sent.find((r) => r.path === p)?.body ?? 'null');

    const [hook] = signedWith(
      secret,
      sent.filter((r) => r.path === '/hook/webhook'),
    );
    assert.equal(hook.type, 'report');
    const r = hook.data.report;
    assert.equal(r.file, file.split('/').at(-1));
    assert.equal(r.path, undefined, "the collector's path is not sent");
    assert.equal(r.sha256, sha256);
    assert.equal(r.bytes, bytes.length);
    assert.equal(r.format, 'html');
    assert.deepEqual([r.devices, r.byStatus], [2, { compliant: 1, noncompliant: 1, unknown: 0 }]);
    assert.equal(r.rates.compliant, 50);
    assert.deepEqual(
      r.byRule.map((x: { rule: string; devices: number }) => [x.rule, x.devices]),
      [['bootstrap-not-escrowed', 1]],
    );
    assert.deepEqual(r.noncompliant, [
      {
        serial: bad.serial,
        hostname: r.noncompliant[0].hostname,
        model: r.noncompliant[0].model,
        osVersion: r.noncompliant[0].osVersion,
        rules: ['bootstrap-not-escrowed'],
        url: `https://tokenwatch.example.com/devices/${bad.serial}`,
      },
    ]);

    const headline = 'tokenwatch report 2026-03-02: 1 of 2 Macs noncompliant (50.0%)';
    assert.equal(body('/hook/slack').text, headline);
    assert.ok(JSON.stringify(body('/hook/slack').blocks).includes(sha256));
    assert.ok(JSON.stringify(body('/hook/teams')).includes(sha256));
    const pd = body('/hook/v2/change/enqueue');
    assert.equal(pd.routing_key, PD_KEY);
    assert.equal(pd.event_action, undefined, 'a change event: no incident opened');
    assert.equal(pd.payload.summary, headline);
    assert.equal(pd.payload.custom_details['SHA-256'], sha256);

    const mails = smtp.mails.slice(mailsBefore);
    assert.equal(mails.length, 1);
    const raw = mails[0]?.raw ?? '';
    assert.match(raw, /Subject: \[tokenwatch\] tokenwatch report 2026-03-02: 1 of 2 Macs\s+noncompliant/);
    const name = file.split('/').at(-1) as string;
    assert.match(raw, new RegExp(`Content-Disposition: attachment;\\s+filename=${name}`));
    assert.deepEqual(attachment(raw, name), bytes, 'the file attached byte for byte');

    const events = await c.admin('/api/v1/alerts/events?type=report');
    assert.equal(events.status, 200, events.text);
    // One event per channel, addressed to it: each delivered there only.
    assert.deepEqual(
      events.json.events
        .map((e: { deliveries: { channel: string; state: string }[] }) =>
          e.deliveries.map((d) => [d.channel, d.state]),
        )
        .sort(),
      ['hook', 'mail', 'pd', 'slack', 'teams'].map((ch) => [[ch, 'delivered']]),
    );
  } finally {
    await c.stop();
    await receiver.close();
    await smtp.close();
  }
});

test('a report the channel refuses is retried as deliveries are (the file stays), and counted in /metrics', async () => {
  const receiver = await startReceiver(() => ({ status: 503, body: 'down' }));
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-reports-'));
  const c = await startTestCollector(
    {
      alerts: JSON.stringify({ channels: [{ name: 'slack', type: 'slack', url: `${receiver.url}/slack` }] }),
      reportSchedule: '0 6 * * 1',
      reportDir: dir,
      reportChannels: 'slack',
    },
    { jobs: false },
  );
  try {
    const run = await c.jobs.run('scheduled-report');
    assert.equal(run.outcome, 'ok', run.detail ?? '');
    await delivered(c);
    let d = (await c.admin('/api/v1/alerts/deliveries?channel=slack')).json.deliveries[0];
    assert.deepEqual([d.state, d.attempts, d.lastStatus], ['pending', 1, 503]);
    assert.ok(existsSync(String(run.report?.['file'])), 'the file stays');
    receiver.behave(() => ({ status: 200 }));
    c.clock.advance(5 * S);
    await delivered(c);
    d = (await c.admin('/api/v1/alerts/deliveries?channel=slack')).json.deliveries[0];
    assert.deepEqual([d.state, d.attempts], ['delivered', 2]);
    assert.equal(receiver.received.length, 2);
    assert.equal(receiver.received[0]?.body, receiver.received[1]?.body, 'the same message again');
    const m = await c.request('GET', '/metrics');
    assert.match(m.text, /tokenwatch_alert_attempts_total\{channel="slack",outcome="retry"\} 1/);
    assert.match(m.text, /tokenwatch_alert_attempts_total\{channel="slack",outcome="delivered"\} 1/);
    assert.match(m.text, /tokenwatch_alert_events_total\{type="report"\} 1/);
  } finally {
    await c.stop();
    await receiver.close();
  }
});

test('reportChannels naming no configured channel, or without a schedule, stops the start with one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-reports-'));
  const slack = JSON.stringify({
    channels: [{ name: 'slack', type: 'slack', url: 'https://hooks.example.com/x' }],
  });
  const cases: [Record<string, string>, RegExp][] = [
    [
      { alerts: slack, reportSchedule: '0 6 * * 1', reportDir: dir, reportChannels: 'slack,pager' },
      /^reportChannels names "pager", not an alert channel \(configured: slack\)$/,
    ],
    [{ alerts: slack, reportChannels: 'slack' }, /^reportChannels is set but reportSchedule is not/],
  ];
  for (const [settings, why] of cases)
    await assert.rejects(
      () => startTestCollector(settings, { jobs: false }),
      (e: Error) => e instanceof ConfigError && why.test(e.message),
      JSON.stringify(settings),
    );
});
