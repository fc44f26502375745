// The alert settings as read at start: each problem stops the collector with one line naming the channel
// and the field (never the secret); secrets come inline, from the environment or from a file; the
// TOKENWATCH_WEBHOOK_URL channel takes every event; `tokenwatch config` never shows an inline secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAlertSettings, AlertConfigError } from '../../../collector/alerts/config.ts';
import type { AlertsInput } from '../../../collector/alerts/config.ts';
import { describeConfig, loadConfig } from '../../../collector/config.ts';
import { newSecret } from './alert-setup.ts';

const read = (
  alerts: unknown,
  more: { webhookUrl?: string; webhookSecret?: string; env?: Record<string, string> } = {},
  files: Record<string, string> = {},
) =>
  readAlertSettings(
    {
      alerts: alerts as AlertsInput,
      webhookUrl: more.webhookUrl ?? '',
      webhookSecret: more.webhookSecret ?? '',
      publicUrl: '',
    },
    {
      env: more.env ?? {},
      readFile: (p) => {
        const f = files[p];
        if (f === undefined) throw new Error(`ENOENT: no such file, open '${p}'`);
        return f;
      },
    },
  );

test('secrets inline, from the environment or a file; defaults filled in', () => {
  const s = read(
    {
      channels: [
        { name: 'a', type: 'slack', url: { env: 'SLACK_URL' } },
        { name: 'b', type: 'pagerduty', routingKey: { file: '/k' } },
      ],
    },
    { env: { SLACK_URL: 'https://hooks.slack.com/services/T/B/x' } },
    { '/k': 'R0UTING\n' },
  );
  assert.deepEqual(s.channels[0]?.target, { type: 'slack', url: 'https://hooks.slack.com/services/T/B/x' });
  assert.deepEqual(s.channels[1]?.target, {
    type: 'pagerduty',
    url: 'https://events.pagerduty.com/v2/enqueue',
    routingKey: 'R0UTING',
  });
  assert.equal(s.channels[0]?.routing.minSeverity, 'low');
  assert.equal(s.channels[0]?.routing.reminderDays, 0);
  assert.equal(s.maxAttempts, 48);
});

test('TOKENWATCH_WEBHOOK_URL adds a webhook channel that takes every event; it needs its secret', () => {
  const secret = newSecret();
  const s = read(
    { channels: [] },
    { webhookUrl: 'https://hooks.example.com/tw', webhookSecret: `${secret} ${newSecret()}` },
  );
  assert.equal(s.channels.length, 1);
  assert.equal(s.channels[0]?.name, 'webhook');
  assert.equal(s.channels[0]?.routing.minSeverity, 'info');
  assert.equal(s.channels[0]?.routing.immediate, true);
  const t = s.channels[0]?.target;
  assert.ok(t?.type === 'webhook');
  assert.equal(t.secrets.length, 2, 'several secrets while rotating');
  assert.throws(
    () => read({ channels: [] }, { webhookUrl: 'https://hooks.example.com/tw' }),
    /needs TOKENWATCH_WEBHOOK_SECRET/,
  );
});

test('each problem names the channel and the field, never the secret', () => {
  const cases: [unknown, RegExp, Record<string, string>?][] = [
    [
      { channels: [{ name: 'a', type: 'slack', url: { env: 'NOPE' } }] },
      /channels\[0\] \(slack "a"\): url: environment variable NOPE is not set/,
    ],
    [
      { channels: [{ name: 'a', type: 'pagerduty', routingKey: { file: '/missing' } }] },
      /routingKey: cannot read \/missing/,
    ],
    [
      { channels: [{ name: 'a', type: 'webhook', url: 'https://x.example', secret: 'hunter2hunter2' }] },
      /secret\[0\] is not a Standard Webhooks secret/,
    ],
    [
      { channels: [{ name: 'a', type: 'webhook', url: 'ftp://x.example', secret: newSecret() }] },
      /url must be http\(s\), not ftp:/,
    ],
    [
      { channels: [{ name: 'a', type: 'slack', url: 'https://x.example', rules: ['no-such-rule'] }] },
      /rules: unknown rule "no-such-rule"/,
    ],
    [
      { channels: [{ name: 'a', type: 'slack', url: 'https://x.example', digest: '61 9 * * *' }] },
      /digest: minute 61 is outside 0-59/,
    ],
    [
      {
        channels: [
          { name: 'a', type: 'slack', url: 'https://x.example', digest: '0 9 * * *', timezone: 'Mars/Base' },
        ],
      },
      /timezone "Mars\/Base" is not a time zone/,
    ],
    [
      { channels: [{ name: 'a', type: 'slack', url: 'https://x.example', immediate: false }] },
      /immediate is false and there is no digest/,
    ],
    [
      { channels: [{ name: 'a', type: 'slack', url: 'https://x.example', routingKey: 'k' }] },
      /routingKey is not a setting of a slack channel/,
    ],
    [
      { channels: [{ name: 'a', type: 'email', smtp: { host: 'h', port: 25 }, to: ['x@example.com'] }] },
      /from is required for an email channel/,
    ],
    [
      {
        channels: [
          { name: 'a', type: 'slack', url: 'https://x.example' },
          { name: 'a', type: 'teams', url: 'https://y.example' },
        ],
      },
      /the name "a" is used twice/,
    ],
  ];
  for (const [alerts, message] of cases) {
    assert.throws(
      () => read(alerts),
      (e: unknown) => e instanceof AlertConfigError && message.test(e.message),
      String(message),
    );
  }
  assert.throws(
    () =>
      read({
        channels: [{ name: 'a', type: 'webhook', url: 'https://x.example', secret: 'hunter2hunter2' }],
      }),
    (e: unknown) => e instanceof Error && !e.message.includes('hunter2'),
  );
});

test('tokenwatch config masks every secret given inline in the alerts setting, and keeps env and file references', () => {
  const alerts = {
    channels: [
      {
        name: 'a',
        type: 'webhook',
        url: 'https://hooks.example.com/t0ps3cret',
        secret: ['whsec_AAA', { env: 'S2' }],
      },
      { name: 'b', type: 'pagerduty', routingKey: 'R0UTINGKEY' },
      { name: 'c', type: 'slack', url: { file: '/etc/tw/slack' }, minSeverity: 'high' },
      {
        name: 'd',
        type: 'email',
        smtp: { host: 'smtp.example.com', port: 587, user: 'tw', password: 'p4ssw0rd' },
        from: 'tw@example.com',
        to: ['a@example.com'],
      },
    ],
  };
  const text = describeConfig(loadConfig({ env: {}, flags: { alerts: JSON.stringify(alerts) } }).settings);
  for (const secret of ['t0ps3cret', 'whsec_AAA', 'R0UTINGKEY', 'p4ssw0rd'])
    assert.ok(!text.includes(secret), secret);
  assert.match(text, /"env":"S2"/);
  assert.match(text, /"file":"\/etc\/tw\/slack"/);
  assert.match(text, /"minSeverity":"high"/);
  assert.match(text, /smtp\.example\.com/);
});
