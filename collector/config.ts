// The collector's settings: THE declaration (SETTINGS below). Each setting's type and range (a TypeBox
// schema), default, description, config-file key, `TOKENWATCH_*` environment name and `--flag` are here and
// nowhere else: loading checks values against it, `tokenwatch config` lists it, and the README's settings
// table and collector/config.example.json are generated from it (test/collector/config.test.ts checks
// them, and the defaults the documents state). Precedence: defaults < config file (JSON) < environment <
// flags. Each resolved value remembers where it came from, so `tokenwatch config` can show it. Only this
// module (and main.ts/cli.ts) read the environment, argv and files.
import { readFileSync } from 'node:fs';
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { RULE_IDS } from './rules/types.ts';
import { ALERTS_SCHEMA, maskAlertSecrets } from './alerts/config.ts';

/** Admin-supplied durations are bounded: an instant computed from one stays one RFC 3339 can write. */
export const MAX_DURATION_SECONDS = 3650 * 86400;
const MAX_RETENTION_DAYS = 36500;
const duration = (minimum: number) => Type.Integer({ minimum, maximum: MAX_DURATION_SECONDS });
const retentionDays = () => Type.Integer({ minimum: 0, maximum: MAX_RETENTION_DAYS });
const timeout = () => Type.Integer({ minimum: 1, maximum: 3600 });

interface Declared<S extends Type.TSchema> {
  /** The type and range of the value. */
  schema: S;
  default: Type.Static<S>;
  description: string;
  /** Never printed: `tokenwatch config` masks it, the example file leaves it to the environment. */
  secret: boolean;
  /** What config.example.json shows, where the default is no example (an empty path, no grace windows). */
  example: Type.Static<S> | undefined;
}

function setting<S extends Type.TSchema>(
  schema: S,
  defaultValue: Type.Static<S>,
  description: string,
  more: { secret?: boolean; example?: Type.Static<S> } = {},
): Declared<S> {
  return { schema, default: defaultValue, description, secret: more.secret === true, example: more.example };
}

const DECLARED = {
  db: setting(
    Type.String(),
    '',
    'SQLite database file (serve creates it in an existing directory; every other command opens an existing one only)',
    {
      example: '/var/lib/tokenwatch/collector.db',
    },
  ),
  databaseUrl: setting(
    Type.String({ pattern: '^(|postgres(ql)?://.*)$' }),
    '',
    'PostgreSQL instead of SQLite: postgres://user:password@host:5432/name (libpq URL parameters such as sslmode=verify-full work); set, db is not used',
    { secret: true },
  ),
  databasePoolSize: setting(
    Type.Integer({ minimum: 1, maximum: 1000 }),
    10,
    "PostgreSQL connections this collector keeps at most (mind the server's max_connections across every collector)",
  ),
  databaseStatementTimeoutSeconds: setting(
    timeout(),
    10,
    'a PostgreSQL statement running longer is cancelled and the request answered 503 (the work is retried by the agent)',
  ),
  host: setting(Type.String({ minLength: 1 }), '127.0.0.1', 'address to listen on'),
  port: setting(
    Type.Integer({ minimum: 0, maximum: 65535 }),
    8443,
    'TCP port to listen on (0 = any free port)',
  ),
  adminToken: setting(
    Type.String(),
    '',
    'Bearer token for every /api/v1 read and admin action, and the dashboard sign-in',
    {
      secret: true,
    },
  ),
  enrollSecret: setting(Type.String(), '', 'shared secret agents present to enroll', { secret: true }),
  tlsCert: setting(Type.String(), '', 'PEM certificate file; with tlsKey serves HTTPS'),
  tlsKey: setting(Type.String(), '', 'PEM private key file'),
  insecureHttp: setting(
    Type.Boolean(),
    false,
    "acknowledge plain HTTP on an address other than loopback (agents' tokens and the enroll secret cross the network in clear); without it such a start logs a warning",
  ),
  bodyLimitBytes: setting(
    Type.Integer({ minimum: 1024 }),
    1048576,
    'largest accepted request body; larger gets 413',
  ),
  staleAfterSeconds: setting(
    duration(1),
    7 * 86400,
    'a device without uploads or check-ins this long fails the stale rule',
  ),
  reenrollAfterSeconds: setting(
    duration(1),
    30 * 86400,
    'a device silent this long may be enrolled again without its token',
  ),
  graceSeconds: setting(
    Type.Record(Type.String(), duration(0)),
    {},
    'per-rule grace windows: a fresh failure stays pending this long (rule=seconds,...; 0/absent = off)',
    {
      example: {
        'no-securetoken-holder': 86400,
        'user-without-securetoken': 259200,
        'no-volume-owner': 86400,
        'bootstrap-not-escrowed': 86400,
        stale: 86400,
      },
    },
  ),
  historyRetentionDays: setting(
    retentionDays(),
    365,
    'keep changed snapshots this long (the current one always stays)',
  ),
  receiptRetentionDays: setting(retentionDays(), 30, 'remember snapshot ids (idempotent retries) this long'),
  auditRetentionDays: setting(
    retentionDays(),
    365,
    'keep enrollment audit entries this long (a counted row: from its latest repeat)',
  ),
  auditMaxRows: setting(
    Type.Integer({ minimum: 10 }),
    100000,
    'hard cap on enrollment audit rows; past it the oldest go, unauthenticated attempts first',
  ),
  reportSchedule: setting(
    Type.String(),
    '',
    'cron expression (node-cron, UTC; e.g. "0 6 * * 1" Mondays 06:00) on which the collector writes a fleet report into reportDir; empty: no scheduled report',
  ),
  reportDir: setting(
    Type.String(),
    '',
    'directory the scheduled report is written to (must exist and be writable)',
    {
      example: '/var/lib/tokenwatch/reports',
    },
  ),
  reportFormat: setting(
    Type.Enum(['json', 'csv', 'table', 'html']),
    'json',
    'format of the scheduled report (as tokenwatch report --format)',
  ),
  reportChannels: setting(
    Type.String({ pattern: '^[a-z0-9, -]*$' }),
    '',
    'alert channels the scheduled report is sent to once written, comma-separated names (of alerts.channels, or webhook for webhookUrl): email attaches the file, the others get its summary; sent and retried as alerts are (docs/alerts.md)',
    { example: 'it-slack' },
  ),
  requestTimeoutSeconds: setting(
    timeout(),
    30,
    'a request (headers and body) must arrive within this; slower ones get 408 and are closed',
  ),
  headersTimeoutSeconds: setting(
    timeout(),
    10,
    'request headers must arrive within this of the connection opening (or of the previous answer)',
  ),
  keepAliveTimeoutSeconds: setting(
    timeout(),
    5,
    "an idle kept-alive connection is closed after this; behind a load balancer set it above the balancer's idle timeout (AWS ALB: 60)",
  ),
  idleTimeoutSeconds: setting(
    timeout(),
    60,
    'a connection with no traffic in either direction for this long is closed (slow readers)',
  ),
  maxConnections: setting(
    Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    4096,
    "open connections at most; more are closed at once (keep it below the process's open-files limit)",
  ),
  authCacheSize: setting(
    Type.Integer({ minimum: 0 }),
    50000,
    'device tokens kept in the in-memory auth cache',
  ),
  authCacheSeconds: setting(
    Type.Integer({ minimum: 0, maximum: 3600 }),
    60,
    'a device token found valid is trusted this long before the database is asked again: how long a token revoked elsewhere (tokenwatch devices revoke on the database, another collector on SQLite or with PostgreSQL notifications down) keeps working here; on PostgreSQL a revocation reaches every collector as it commits (LISTEN/NOTIFY)',
  ),
  trustProxy: setting(Type.Boolean(), false, 'trust X-Forwarded-* from a reverse proxy'),
  dashboard: setting(Type.Boolean(), true, 'serve the dashboard at / (sign in with the admin token)'),
  dashboardSessionSeconds: setting(
    Type.Integer({ minimum: 60, maximum: 7 * 86400 }),
    8 * 3600,
    'a dashboard session ends this long after sign-in',
  ),
  dashboardIdleSeconds: setting(
    Type.Integer({ minimum: 60, maximum: 7 * 86400 }),
    30 * 60,
    'a dashboard session ends after this long without a request',
  ),
  dashboardRefreshSeconds: setting(
    Type.Integer({ minimum: 1, maximum: 3600 }),
    60,
    "the dashboard's summary page shows the fleet's counts and today's trend as this collector last read them (never read for a page): read again this often, and after this collector's own writes within 10 s (or this, if shorter)",
  ),
  logLevel: setting(
    Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    'info',
    'how much the collector logs (a pino level)',
  ),
  publicUrl: setting(
    Type.String(),
    '',
    'the URL admins open the collector at: alerts link each device to publicUrl/devices/SERIAL',
    { example: 'https://tokenwatch.example.com' },
  ),
  webhookUrl: setting(
    Type.String(),
    '',
    'adds one generic webhook channel (Standard Webhooks, signed with webhookSecret) that takes every alert event (docs/alerts.md)',
    { secret: true },
  ),
  webhookSecret: setting(
    Type.String(),
    '',
    "the webhook channel's whsec_ signing secret (several, space-separated, while rotating)",
    { secret: true },
  ),
  alerts: setting(
    ALERTS_SCHEMA,
    { channels: [] },
    'alert channels (webhook, Slack, Teams, PagerDuty, email), their routing, digests and reminders, and delivery retries (docs/alerts.md)',
    {
      example: {
        channels: [
          {
            name: 'it-slack',
            type: 'slack',
            url: { env: 'TOKENWATCH_SLACK_URL' },
            minSeverity: 'high',
            digest: '0 9 * * 1-5',
            timezone: 'Europe/Berlin',
            reminderDays: 3,
          },
          {
            name: 'on-call',
            type: 'pagerduty',
            routingKey: { file: '/etc/tokenwatch/pagerduty.key' },
            minSeverity: 'critical',
          },
        ],
        maxAttempts: 48,
        retentionDays: 30,
      },
    },
  ),
};

type Declarations = typeof DECLARED;
export type SettingKey = keyof Declarations;

/** camelCase key -> TOKENWATCH_SNAKE_CASE. */
const envOf = (key: string): string => `TOKENWATCH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
/** camelCase key -> kebab-case flag (without the dashes). */
const flagOf = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** THE settings: each declared one with its environment name and flag. */
export const SETTINGS = Object.fromEntries(
  Object.entries(DECLARED).map(([key, d]) => [key, { ...d, env: envOf(key), flag: flagOf(key) }]),
) as { [K in SettingKey]: Declarations[K] & { env: string; flag: string } };

export const SETTING_KEYS = Object.keys(DECLARED) as SettingKey[];

export const ConfigSchema = Type.Object(
  Object.fromEntries(SETTING_KEYS.map((k) => [k, DECLARED[k].schema])) as {
    [K in SettingKey]: Declarations[K]['schema'];
  },
  { additionalProperties: false },
);
export type CollectorConfig = Type.Static<typeof ConfigSchema>;
const configCheck = Compile(ConfigSchema);

export type Source = 'default' | `file:${string}` | `env:${string}` | `flag:--${string}`;
export interface ResolvedSetting {
  key: SettingKey;
  value: unknown;
  source: Source;
  secret: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** How a value given as text (environment, flag) is read: by the type its schema declares. */
function kindOf(schema: Type.TSchema): 'string' | 'integer' | 'boolean' | 'seconds-map' | 'json' {
  const { type, patternProperties } = schema as { type?: unknown; patternProperties?: unknown };
  if (type === 'integer' || type === 'boolean') return type;
  if (type === 'object') return patternProperties ? 'seconds-map' : 'json';
  return 'string';
}

function parseValue(key: SettingKey, raw: string, where: string): unknown {
  switch (kindOf(SETTINGS[key].schema)) {
    case 'string':
      return raw;
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim()))
        throw new ConfigError(`${where}: ${key} must be an integer, got "${raw}"`);
      return Number(raw.trim());
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
      throw new ConfigError(`${where}: ${key} must be true or false, got "${raw}"`);
    }
    case 'json': {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        throw new ConfigError(`${where}: ${key} is not valid JSON`);
      }
    }
    case 'seconds-map': {
      const text = raw.trim();
      if (text.startsWith('{')) {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new ConfigError(`${where}: ${key} is not valid JSON`);
        }
      }
      const out: Record<string, number> = {};
      for (const part of text.split(',').filter((p) => p.trim() !== '')) {
        const m = /^\s*([\w-]+)\s*=\s*(\d+)\s*$/.exec(part);
        if (!m) throw new ConfigError(`${where}: ${key} entries look like rule=seconds, got "${part}"`);
        out[m[1] as string] = Number(m[2]);
      }
      return out;
    }
  }
}

export interface ConfigInputs {
  env: Record<string, string | undefined>;
  /** Flag values by setting key (already split from argv by the CLI). */
  flags: Partial<Record<SettingKey, string>>;
  /** Path of a JSON config file, or undefined. */
  configFile?: string | undefined;
  /** Reads a file (injected for tests); defaults to fs. */
  readFile?: (path: string) => string;
}

export interface LoadedConfig {
  config: CollectorConfig;
  settings: ResolvedSetting[];
}

export function loadConfig(inputs: ConfigInputs): LoadedConfig {
  const read = inputs.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const configFile = inputs.configFile ?? inputs.env['TOKENWATCH_CONFIG'] ?? undefined;
  let file: Record<string, unknown> = {};
  if (configFile) {
    let text: string;
    try {
      text = read(configFile);
    } catch (e) {
      throw new ConfigError(`cannot read config file ${configFile}: ${(e as Error).message}`);
    }
    try {
      file = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`config file ${configFile} is not valid JSON: ${(e as Error).message}`);
    }
    if (file === null || typeof file !== 'object' || Array.isArray(file)) {
      throw new ConfigError(`config file ${configFile} must hold a JSON object`);
    }
    for (const k of Object.keys(file)) {
      if (!(k in SETTINGS) && k !== '$comment')
        throw new ConfigError(`config file ${configFile}: unknown setting "${k}"`);
    }
  }
  const settings: ResolvedSetting[] = [];
  const values: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const spec = SETTINGS[key];
    let value: unknown = spec.default;
    let source: Source = 'default';
    if (key in file) {
      value = file[key];
      source = `file:${configFile}`;
    }
    const env = inputs.env[spec.env];
    if (env !== undefined) {
      value = parseValue(key, env, spec.env);
      source = `env:${spec.env}`;
    }
    const flag = inputs.flags[key];
    if (flag !== undefined) {
      value = parseValue(key, flag, `--${spec.flag}`);
      source = `flag:--${spec.flag}`;
    }
    values[key] = value;
    settings.push({ key, value, source, secret: spec.secret });
  }
  if (!configCheck.Check(values)) {
    const first = [...configCheck.Errors(values)][0];
    const key = (first?.instancePath ?? '').split('/')[1] ?? '';
    const where = settings.find((s) => s.key === key)?.source ?? 'config';
    throw new ConfigError(
      `invalid setting ${first?.instancePath ?? ''} (from ${where}): ${first?.message ?? 'invalid'}`,
    );
  }
  const config = values as CollectorConfig;
  if (config.headersTimeoutSeconds > config.requestTimeoutSeconds) {
    throw new ConfigError(
      `headersTimeoutSeconds (${config.headersTimeoutSeconds}) must not exceed requestTimeoutSeconds (${config.requestTimeoutSeconds}): the headers are part of the request`,
    );
  }
  for (const rule of Object.keys(config.graceSeconds)) {
    if (!(RULE_IDS as readonly string[]).includes(rule))
      throw new ConfigError(`graceSeconds: unknown rule "${rule}"`);
  }
  return { config, settings };
}

export const MIN_ADMIN_TOKEN_LENGTH = 32;
const MIN_ADMIN_TOKEN_DISTINCT = 8;

/**
 * Why an admin token is too weak to serve with (one line), or null. The token guards every read and
 * admin action: at least 32 characters, not a few repeated, and what a Bearer header can carry.
 */
export function adminTokenWeakness(token: string): string | null {
  const name = `adminToken (${SETTINGS.adminToken.env})`;
  const advice = 'make one with: openssl rand -base64 32';
  if (!/^[\x21-\x7e]{0,512}$/.test(token))
    return `${name} must be printable ASCII without spaces, at most 512 characters (it is sent as a Bearer token); ${advice}`;
  if (token.length < MIN_ADMIN_TOKEN_LENGTH)
    return `${name} is ${token.length} characters long: it must have at least ${MIN_ADMIN_TOKEN_LENGTH}; ${advice}`;
  const distinct = new Set(token).size;
  if (distinct < MIN_ADMIN_TOKEN_DISTINCT)
    return `${name} uses only ${distinct} different characters: it must use at least ${MIN_ADMIN_TOKEN_DISTINCT}; ${advice}`;
  return null;
}

/** A value as `tokenwatch config` and the settings table show it: '' is (unset), a secret is masked. */
export function shownValue(value: unknown, secret: boolean): string {
  if (value === '') return '(unset)';
  if (secret) return '********';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Lines for `tokenwatch config`: key, value (secrets masked), source, environment name and flag. */
export function describeConfig(settings: ResolvedSetting[]): string {
  const rows = settings.map(
    (s) =>
      [
        s.key,
        shownValue(s.key === 'alerts' ? maskAlertSecrets(s.value) : s.value, s.secret),
        s.source,
        SETTINGS[s.key].env,
        `--${SETTINGS[s.key].flag}`,
      ] as const,
  );
  const width = (i: number) => Math.max(...rows.map((r) => r[i]?.length ?? 0));
  return (
    rows
      .map((r) => r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(width(i)) : cell)).join('  '))
      .join('\n') + '\n'
  );
}
