// The collector's settings: ONE schema (the table below) gives every setting its type, default, config-file
// key, `TOKENWATCH_*` environment twin and `--flag`. Precedence: defaults < config file (JSON) < environment
// < flags. Each resolved value remembers where it came from, so `tokenwatch config` can show it.
// Only this module (and main.ts/cli.ts) read the environment, argv and files.
import { readFileSync } from 'node:fs';
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { RULE_IDS } from './rules/types.ts';

type Kind = 'string' | 'integer' | 'boolean' | 'seconds-map';

interface SettingSpec {
  kind: Kind;
  default: unknown;
  secret?: boolean;
  description: string;
}

// The table. Keys are camelCase (config file); env = TOKENWATCH_ + SNAKE_CASE; flag = --kebab-case.
export const SETTINGS = {
  db: { kind: 'string', default: '', description: 'SQLite database file (created if missing)' },
  host: { kind: 'string', default: '127.0.0.1', description: 'address to listen on' },
  port: { kind: 'integer', default: 8443, description: 'TCP port to listen on (0 = any free port)' },
  adminToken: {
    kind: 'string',
    default: '',
    secret: true,
    description: 'Bearer token for every /api/v1 read and admin action',
  },
  enrollSecret: {
    kind: 'string',
    default: '',
    secret: true,
    description: 'shared secret agents present to enroll',
  },
  tlsCert: { kind: 'string', default: '', description: 'PEM certificate file; with tlsKey serves HTTPS' },
  tlsKey: { kind: 'string', default: '', description: 'PEM private key file' },
  bodyLimitBytes: {
    kind: 'integer',
    default: 1048576,
    description: 'largest accepted request body; larger gets 413',
  },
  staleAfterSeconds: {
    kind: 'integer',
    default: 7 * 86400,
    description: 'a device without uploads or check-ins this long fails the stale rule',
  },
  reenrollAfterSeconds: {
    kind: 'integer',
    default: 30 * 86400,
    description: 'a device silent this long may be enrolled again without its token',
  },
  graceSeconds: {
    kind: 'seconds-map',
    default: {},
    description:
      'per-rule grace windows: a fresh failure stays pending this long (rule=seconds,...; 0/absent = off)',
  },
  historyRetentionDays: {
    kind: 'integer',
    default: 365,
    description: 'keep changed snapshots this long (the current one always stays)',
  },
  receiptRetentionDays: {
    kind: 'integer',
    default: 30,
    description: 'remember snapshot ids (idempotent retries) this long',
  },
  auditRetentionDays: {
    kind: 'integer',
    default: 365,
    description: 'keep enrollment audit entries this long (a counted row: from its latest repeat)',
  },
  auditMaxRows: {
    kind: 'integer',
    default: 100000,
    description: 'hard cap on enrollment audit rows; past it the oldest go, unauthenticated attempts first',
  },
  requestTimeoutSeconds: {
    kind: 'integer',
    default: 30,
    description: 'a request (headers and body) must arrive within this; slower ones get 408 and are closed',
  },
  headersTimeoutSeconds: {
    kind: 'integer',
    default: 10,
    description:
      'request headers must arrive within this of the connection opening (or of the previous answer)',
  },
  keepAliveTimeoutSeconds: {
    kind: 'integer',
    default: 5,
    description:
      "an idle kept-alive connection is closed after this; behind a load balancer set it above the balancer's idle timeout (AWS ALB: 60)",
  },
  idleTimeoutSeconds: {
    kind: 'integer',
    default: 60,
    description: 'a connection with no traffic in either direction for this long is closed (slow readers)',
  },
  maxConnections: {
    kind: 'integer',
    default: 4096,
    description:
      "open connections at most; more are closed at once (keep it below the process's open-files limit)",
  },
  authCacheSize: {
    kind: 'integer',
    default: 50000,
    description: 'device tokens kept in the in-memory auth cache',
  },
  trustProxy: { kind: 'boolean', default: false, description: 'trust X-Forwarded-* from a reverse proxy' },
  logLevel: {
    kind: 'string',
    default: 'info',
    description: 'pino level: fatal, error, warn, info, debug, trace, silent',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

/** Admin-supplied durations are bounded: an instant computed from one stays one RFC 3339 can write. */
export const MAX_DURATION_SECONDS = 3650 * 86400;
const MAX_RETENTION_DAYS = 36500;
const duration = (minimum: number) => Type.Integer({ minimum, maximum: MAX_DURATION_SECONDS });
const secondsMap = Type.Record(Type.String(), duration(0));
const retentionDays = Type.Integer({ minimum: 0, maximum: MAX_RETENTION_DAYS });
const nonNegative = Type.Integer({ minimum: 0 });

export const ConfigSchema = Type.Object(
  {
    db: Type.String(),
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    adminToken: Type.String(),
    enrollSecret: Type.String(),
    tlsCert: Type.String(),
    tlsKey: Type.String(),
    bodyLimitBytes: Type.Integer({ minimum: 1024 }),
    staleAfterSeconds: duration(1),
    reenrollAfterSeconds: duration(1),
    graceSeconds: secondsMap,
    historyRetentionDays: retentionDays,
    receiptRetentionDays: retentionDays,
    auditRetentionDays: retentionDays,
    auditMaxRows: Type.Integer({ minimum: 10 }),
    requestTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
    headersTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
    keepAliveTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
    idleTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
    maxConnections: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    authCacheSize: nonNegative,
    trustProxy: Type.Boolean(),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    ),
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

export const envName = (key: string): string =>
  `TOKENWATCH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
export const flagName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function parseValue(key: SettingKey, raw: string, where: string): unknown {
  const spec: SettingSpec = SETTINGS[key];
  switch (spec.kind) {
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
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const spec: SettingSpec = SETTINGS[key];
    let value: unknown = spec.default;
    let source: Source = 'default';
    if (key in file) {
      value = file[key];
      source = `file:${configFile}`;
    }
    const env = inputs.env[envName(key)];
    if (env !== undefined) {
      value = parseValue(key, env, envName(key));
      source = `env:${envName(key)}`;
    }
    const flag = inputs.flags[key];
    if (flag !== undefined) {
      value = parseValue(key, flag, `--${flagName(key)}`);
      source = `flag:--${flagName(key)}`;
    }
    values[key] = value;
    settings.push({ key, value, source, secret: spec.secret === true });
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
  const name = `adminToken (${envName('adminToken')})`;
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

/** Lines for `tokenwatch config`: key, value (secrets masked), source. */
export function describeConfig(settings: ResolvedSetting[]): string {
  const rows = settings.map((s) => {
    let shown: string;
    if (s.secret) shown = s.value === '' ? '(unset)' : '********';
    else
      shown = typeof s.value === 'string' ? (s.value === '' ? '(unset)' : s.value) : JSON.stringify(s.value);
    return [s.key, shown, s.source, envName(s.key)] as const;
  });
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const w2 = Math.max(...rows.map((r) => r[2].length));
  return (
    rows.map((r) => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2].padEnd(w2)}  ${r[3]}`).join('\n') + '\n'
  );
}
