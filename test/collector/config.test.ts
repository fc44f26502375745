// The collector's settings: declared once (collector/config.ts SETTINGS); what the documents say is generated
// from the declaration or checked against it. Admin-supplied durations are bounded (an instant computed from
// one must stay one RFC 3339 can write: a typo of a few digits otherwise reached the reads as an "Invalid
// time value").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Compile } from 'typebox/compile';
import {
  ConfigSchema,
  describeConfig,
  loadConfig,
  MAX_DURATION_SECONDS,
  SETTINGS,
  SETTING_KEYS,
} from '../../collector/config.ts';
import type { SettingKey } from '../../collector/config.ts';
import { defaultPhrases, exampleConfigJson, renderSettingsTable } from '../../collector/config-docs.ts';

test('durations are at most 3650 days and retention at most 36500 days, each refused naming its setting and source', () => {
  const refused: [Record<string, string>, RegExp][] = [
    [
      { staleAfterSeconds: '999999999999' },
      /^invalid setting \/staleAfterSeconds \(from flag:--stale-after-seconds\): must be <= 315360000$/,
    ],
    [
      { reenrollAfterSeconds: String(MAX_DURATION_SECONDS + 1) },
      /\/reenrollAfterSeconds .* must be <= 315360000/,
    ],
    [{ graceSeconds: 'stale=315360001' }, /\/graceSeconds\/stale .* must be <= 315360000/],
    [{ historyRetentionDays: '99999999' }, /\/historyRetentionDays .* must be <= 36500/],
  ];
  for (const [flags, message] of refused)
    assert.throws(() => loadConfig({ env: {}, flags }), { name: 'ConfigError', message });
  const { config } = loadConfig({
    env: {},
    flags: { staleAfterSeconds: String(MAX_DURATION_SECONDS), graceSeconds: `stale=${MAX_DURATION_SECONDS}` },
  });
  assert.equal(config.staleAfterSeconds, 3650 * 86400);
});

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

test("the README's settings table is the declaration's", () => {
  const m = /<!-- settings-table:start -->\n([\s\S]*?)\n<!-- settings-table:end -->/.exec(read('README.md'));
  assert.ok(m, 'README.md has the settings-table markers');
  assert.equal(m[1], renderSettingsTable());
  for (const key of SETTING_KEYS) assert.ok(m[1].includes(`| \`${key}\` |`), key);
});

test('collector/config.example.json is generated from the declaration: every setting but the secrets', () => {
  const file = read('collector/config.example.json');
  assert.equal(file, exampleConfigJson(), 'regenerate it from config-docs.ts exampleConfigJson()');
  const keys = Object.keys(JSON.parse(file) as object).filter((k) => k !== '$comment');
  assert.deepEqual(
    keys,
    SETTING_KEYS.filter((k) => !SETTINGS[k].secret),
  );
});

test('every default a document states is the declared one', () => {
  const docs = [
    'README.md',
    'SECURITY.md',
    ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`),
  ];
  let stated = 0;
  for (const doc of docs.filter((d) => d.endsWith('.md'))) {
    const text = read(doc);
    for (const key of SETTING_KEYS) {
      // "`key` (default 30 days)", "`key` (30)", "`key`, 1 MiB".
      for (const m of text.matchAll(new RegExp(`\`${key}\`(?:, | \\((?:default )?)([0-9][^),;]*)`, 'g'))) {
        stated++;
        const said = (m[1] as string).trim();
        assert.ok(
          defaultPhrases(key).some((p) => said === p || said.startsWith(`${p} `)),
          `${doc} says ${key} is ${said}; it is ${defaultPhrases(key).join(' or ')}`,
        );
      }
    }
  }
  assert.ok(stated >= 8, `${stated} defaults stated`);
});

test('each setting: a default of its own type and range, an environment name and a flag of the convention', () => {
  const defaults = Object.fromEntries(SETTING_KEYS.map((k) => [k, SETTINGS[k].default]));
  assert.ok(Compile(ConfigSchema).Check(defaults));
  for (const key of SETTING_KEYS) {
    const s = SETTINGS[key];
    assert.equal(s.env, `TOKENWATCH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`);
    assert.equal(
      s.flag,
      key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
    );
    assert.ok(s.description.length > 10, key);
  }
});

test('every setting is read from its environment name and its flag, and `tokenwatch config` lists it with both', () => {
  const samples: Record<SettingKey, [string, unknown]> = {
    db: ['/tmp/x.db', '/tmp/x.db'],
    databaseUrl: ['postgres://tw:pw@db.example:5432/tw', 'postgres://tw:pw@db.example:5432/tw'],
    databasePoolSize: ['20', 20],
    databaseStatementTimeoutSeconds: ['5', 5],
    host: ['0.0.0.0', '0.0.0.0'],
    port: ['9443', 9443],
    adminToken: ['a-very-long-admin-token-0123456789', 'a-very-long-admin-token-0123456789'],
    enrollSecret: ['s3cret', 's3cret'],
    tlsCert: ['/etc/c.pem', '/etc/c.pem'],
    tlsKey: ['/etc/k.pem', '/etc/k.pem'],
    insecureHttp: ['yes', true],
    bodyLimitBytes: ['2048', 2048],
    staleAfterSeconds: ['3600', 3600],
    reenrollAfterSeconds: ['7200', 7200],
    graceSeconds: ['stale=60,filevault-off=120', { stale: 60, 'filevault-off': 120 }],
    historyRetentionDays: ['7', 7],
    receiptRetentionDays: ['8', 8],
    auditRetentionDays: ['9', 9],
    auditMaxRows: ['1000', 1000],
    reportSchedule: ['0 6 * * 1', '0 6 * * 1'],
    reportDir: ['/var/reports', '/var/reports'],
    reportFormat: ['csv', 'csv'],
    reportChannels: ['it-slack,on-call', 'it-slack,on-call'],
    requestTimeoutSeconds: ['20', 20],
    headersTimeoutSeconds: ['15', 15],
    keepAliveTimeoutSeconds: ['61', 61],
    idleTimeoutSeconds: ['120', 120],
    maxConnections: ['100', 100],
    authCacheSize: ['0', 0],
    authCacheSeconds: ['5', 5],
    trustProxy: ['true', true],
    dashboard: ['false', false],
    dashboardSessionSeconds: ['3600', 3600],
    dashboardIdleSeconds: ['600', 600],
    dashboardRefreshSeconds: ['15', 15],
    logLevel: ['debug', 'debug'],
    publicUrl: ['https://tw.example.com', 'https://tw.example.com'],
    webhookUrl: ['https://hooks.example.com/tw', 'https://hooks.example.com/tw'],
    webhookSecret: [
      'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0',
      'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0',
    ],
    alerts: [
      '{"channels":[{"name":"ops","type":"slack","url":{"env":"SLACK_URL"}}],"maxAttempts":5}',
      { channels: [{ name: 'ops', type: 'slack', url: { env: 'SLACK_URL' } }], maxAttempts: 5 },
    ],
  };
  const env = Object.fromEntries(SETTING_KEYS.map((k) => [SETTINGS[k].env, samples[k][0]]));
  const fromEnv = loadConfig({ env, flags: {} });
  const fromFlags = loadConfig({
    env: {},
    flags: Object.fromEntries(SETTING_KEYS.map((k) => [k, samples[k][0]])),
  });
  const lines = describeConfig(fromEnv.settings).trimEnd().split('\n');
  assert.equal(lines.length, SETTING_KEYS.length);
  for (const [i, key] of SETTING_KEYS.entries()) {
    assert.deepEqual(fromEnv.config[key], samples[key][1], `${key} from ${SETTINGS[key].env}`);
    assert.deepEqual(fromFlags.config[key], samples[key][1], `${key} from --${SETTINGS[key].flag}`);
    assert.match(
      lines[i] ?? '',
      new RegExp(`^${key} .* env:${SETTINGS[key].env} +${SETTINGS[key].env} +--${SETTINGS[key].flag}$`),
    );
    if (SETTINGS[key].secret) assert.ok(!(lines[i] ?? '').includes(samples[key][0]), `${key} is masked`);
  }
});
