// The `alerts` setting (collector/config.ts declares it with ALERTS_SCHEMA) and the TOKENWATCH_WEBHOOK_URL /
// TOKENWATCH_WEBHOOK_SECRET shortcut, read into channels ready to use: each channel's secrets taken from
// where the file says (inline, an environment variable, a file), its routing, its digest schedule checked.
// Every problem names the channel and the field. The environment and files come in as functions: only
// main.ts and cli.ts hand in the real ones.
import { createHash } from 'node:crypto';
import Type from 'typebox';
import { RULE_IDS, SEVERITIES } from '../rules/types.ts';
import type { Severity } from '../rules/types.ts';
import { IDENTITY_CONFLICT } from './event.ts';
import { CronError, knownTimeZone, parseCron } from './cron.ts';
import type { Cron } from './cron.ts';

export const CHANNEL_TYPES = ['webhook', 'slack', 'teams', 'pagerduty', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

const SecretRef = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Object({ env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }) }, { additionalProperties: false }),
  Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
]);
export type SecretRef = Type.Static<typeof SecretRef>;

const ChannelSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' }),
    type: Type.Enum([...CHANNEL_TYPES]),
    url: Type.Optional(SecretRef),
    secret: Type.Optional(Type.Union([SecretRef, Type.Array(SecretRef, { minItems: 1, maxItems: 4 })])),
    routingKey: Type.Optional(SecretRef),
    smtp: Type.Optional(
      Type.Object(
        {
          host: Type.String({ minLength: 1 }),
          port: Type.Integer({ minimum: 1, maximum: 65535 }),
          secure: Type.Optional(Type.Boolean()),
          requireTLS: Type.Optional(Type.Boolean()),
          user: Type.Optional(Type.String({ minLength: 1 })),
          password: Type.Optional(SecretRef),
        },
        { additionalProperties: false },
      ),
    ),
    from: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
    to: Type.Optional(
      Type.Array(Type.String({ minLength: 3, maxLength: 320 }), { minItems: 1, maxItems: 50 }),
    ),
    minSeverity: Type.Optional(Type.Enum([...SEVERITIES])),
    rules: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    immediate: Type.Optional(Type.Boolean()),
    digest: Type.Optional(Type.String({ minLength: 9, maxLength: 100 })),
    timezone: Type.Optional(Type.String({ minLength: 1 })),
    reminderDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  },
  { additionalProperties: false },
);
export type ChannelInput = Type.Static<typeof ChannelSchema>;

/** THE schema of the `alerts` setting (its keys, types and ranges; the defaults below). */
export const ALERTS_SCHEMA = Type.Object(
  {
    channels: Type.Array(ChannelSchema, { maxItems: 50 }),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    retryBaseSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    retryMaxSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 300 })),
    retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
  },
  { additionalProperties: false },
);
export type AlertsInput = Type.Static<typeof ALERTS_SCHEMA>;

/** What the `alerts` setting leaves out. */
export const ALERT_DEFAULTS = {
  maxAttempts: 48,
  retryBaseSeconds: 5,
  retryMaxSeconds: 1800,
  timeoutSeconds: 10,
  retentionDays: 30,
  minSeverity: 'low' as Severity,
  concurrency: 8,
  timezone: 'UTC',
};

/** The channel TOKENWATCH_WEBHOOK_URL adds. */
export const ENV_CHANNEL = 'webhook';

export interface Routing {
  minSeverity: Severity;
  /** null: every rule (and identity conflicts). */
  rules: string[] | null;
  /** Each incident event as it happens (besides or instead of a digest). */
  immediate: boolean;
  digest: { cron: Cron; timezone: string } | null;
  /** Remind of an incident still open every N days (0: never). */
  reminderDays: number;
}

export type ChannelTarget =
  | { type: 'webhook'; url: string; secrets: string[] }
  | { type: 'slack'; url: string }
  | { type: 'teams'; url: string }
  | { type: 'pagerduty'; url: string; routingKey: string }
  | {
      type: 'email';
      smtp: {
        host: string;
        port: number;
        secure: boolean;
        requireTLS: boolean;
        user: string | null;
        password: string | null;
      };
      from: string;
      to: string[];
    };

export interface ChannelSettings {
  name: string;
  target: ChannelTarget;
  routing: Routing;
  concurrency: number;
  /** A digest of the target (where it sends, not how it signs): a new one clears a 410's disabling. */
  fingerprint: string;
}

export interface AlertSettings {
  channels: ChannelSettings[];
  maxAttempts: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  timeoutSeconds: number;
  retentionDays: number;
  /** Where admins open the collector: links to devices in the messages ('' = none). */
  publicUrl: string;
}

/** PagerDuty's Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export class AlertConfigError extends Error {
  override name = 'AlertConfigError';
}

export interface SecretSources {
  env: Record<string, string | undefined>;
  readFile: (path: string) => string;
}

const MASK = '********';
const masked = (ref: unknown): unknown => (typeof ref === 'string' ? MASK : ref);

/**
 * The `alerts` setting as `tokenwatch config` shows it: every secret given inline (a url, a signing secret,
 * a routing key, an SMTP password) masked; references to an environment variable or a file kept.
 */
export function maskAlertSecrets(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as AlertsInput).channels))
    return value;
  const a = value as AlertsInput;
  return {
    ...a,
    channels: a.channels.map((c) => ({
      ...c,
      ...(c.url !== undefined ? { url: masked(c.url) } : {}),
      ...(c.secret !== undefined
        ? { secret: Array.isArray(c.secret) ? c.secret.map(masked) : masked(c.secret) }
        : {}),
      ...(c.routingKey !== undefined ? { routingKey: masked(c.routingKey) } : {}),
      ...(c.smtp?.password !== undefined ? { smtp: { ...c.smtp, password: masked(c.smtp.password) } } : {}),
    })),
  };
}

/** A secret as the file gives it: the text itself, `{"env": NAME}` or `{"file": PATH}` (trailing newline dropped). */
export function resolveSecret(ref: SecretRef, where: string, src: SecretSources): string {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const v = src.env[ref.env];
    if (v === undefined || v === '')
      throw new AlertConfigError(`${where}: environment variable ${ref.env} is not set`);
    return v;
  }
  let text: string;
  try {
    text = src.readFile(ref.file);
  } catch (e) {
    throw new AlertConfigError(`${where}: cannot read ${ref.file}: ${(e as Error).message}`);
  }
  const v = text.replace(/\r?\n$/, '');
  if (v === '') throw new AlertConfigError(`${where}: ${ref.file} is empty`);
  return v;
}

/** A Standard Webhooks secret: whsec_ and the base64 of 24 to 64 random bytes. */
export function webhookSecretProblem(secret: string): string | null {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!m)
    return 'is not a Standard Webhooks secret (whsec_ and base64; make one: echo "whsec_$(openssl rand -base64 32)")';
  const bytes = Buffer.from(m[1] as string, 'base64').length;
  if (bytes < 24 || bytes > 64)
    return `holds ${bytes} bytes: a secret has 24 to 64 (openssl rand -base64 32)`;
  return null;
}

function httpUrl(url: string, where: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AlertConfigError(`${where}: url is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new AlertConfigError(`${where}: url must be http(s), not ${u.protocol}`);
  return url;
}

const KNOWN_RULES = new Set<string>([...RULE_IDS, IDENTITY_CONFLICT]);
const fingerprint = (parts: unknown[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);

function channel(c: ChannelInput, index: number, src: SecretSources): ChannelSettings {
  const where = `alerts.channels[${index}] (${c.type} "${c.name}")`;
  const a = c.type === 'email' ? 'an' : 'a';
  const need = <T>(v: T | undefined, field: string): T => {
    if (v === undefined)
      throw new AlertConfigError(`${where}: ${field} is required for ${a} ${c.type} channel`);
    return v;
  };
  const allowed: Record<ChannelType, string[]> = {
    webhook: ['url', 'secret'],
    slack: ['url'],
    teams: ['url'],
    pagerduty: ['routingKey', 'url'],
    email: ['smtp', 'from', 'to'],
  };
  for (const f of ['url', 'secret', 'routingKey', 'smtp', 'from', 'to'] as const)
    if (c[f] !== undefined && !allowed[c.type].includes(f))
      throw new AlertConfigError(`${where}: ${f} is not a setting of ${a} ${c.type} channel`);
  const secret = (ref: SecretRef, field: string) => resolveSecret(ref, `${where}: ${field}`, src);
  let target: ChannelTarget;
  switch (c.type) {
    case 'webhook': {
      const refs = need(c.secret, 'secret');
      const secrets = (Array.isArray(refs) ? refs : [refs]).map((r, i) => secret(r, `secret[${i}]`));
      for (const [i, s] of secrets.entries()) {
        const problem = webhookSecretProblem(s);
        if (problem) throw new AlertConfigError(`${where}: secret[${i}] ${problem}`);
      }
      target = { type: 'webhook', url: httpUrl(secret(need(c.url, 'url'), 'url'), where), secrets };
      break;
    }
    case 'slack':
    case 'teams':
      target = { type: c.type, url: httpUrl(secret(need(c.url, 'url'), 'url'), where) };
      break;
    case 'pagerduty':
      target = {
        type: 'pagerduty',
        url: httpUrl(c.url === undefined ? PAGERDUTY_EVENTS_URL : secret(c.url, 'url'), where),
        routingKey: secret(need(c.routingKey, 'routingKey'), 'routingKey'),
      };
      break;
    case 'email': {
      const smtp = need(c.smtp, 'smtp');
      if ((smtp.user === undefined) !== (smtp.password === undefined))
        throw new AlertConfigError(`${where}: smtp.user and smtp.password go together`);
      target = {
        type: 'email',
        smtp: {
          host: smtp.host,
          port: smtp.port,
          secure: smtp.secure ?? smtp.port === 465,
          requireTLS: smtp.requireTLS ?? false,
          user: smtp.user ?? null,
          password: smtp.password === undefined ? null : secret(smtp.password, 'smtp.password'),
        },
        from: need(c.from, 'from'),
        to: need(c.to, 'to'),
      };
      break;
    }
  }
  for (const r of c.rules ?? [])
    if (!KNOWN_RULES.has(r))
      throw new AlertConfigError(
        `${where}: rules: unknown rule "${r}" (rules: ${[...KNOWN_RULES].join(', ')})`,
      );
  const timezone = c.timezone ?? ALERT_DEFAULTS.timezone;
  if (!knownTimeZone(timezone))
    throw new AlertConfigError(`${where}: timezone "${timezone}" is not a time zone`);
  let digest: Routing['digest'] = null;
  if (c.digest !== undefined) {
    try {
      digest = { cron: parseCron(c.digest), timezone };
    } catch (e) {
      if (e instanceof CronError) throw new AlertConfigError(`${where}: digest: ${e.message}`);
      throw e;
    }
  }
  const immediate = c.immediate ?? true;
  if (!immediate && digest === null)
    throw new AlertConfigError(
      `${where}: immediate is false and there is no digest: it would never send anything`,
    );
  const t = target;
  return {
    name: c.name,
    target: t,
    routing: {
      minSeverity: c.minSeverity ?? ALERT_DEFAULTS.minSeverity,
      rules: c.rules ?? null,
      immediate,
      digest,
      reminderDays: c.reminderDays ?? 0,
    },
    concurrency: c.concurrency ?? ALERT_DEFAULTS.concurrency,
    fingerprint: fingerprint(
      t.type === 'email'
        ? [t.type, t.smtp.host, t.smtp.port, t.to]
        : t.type === 'pagerduty'
          ? [t.type, t.url, t.routingKey]
          : [t.type, t.url],
    ),
  };
}

/**
 * The channels of the `alerts` setting, plus the generic webhook of TOKENWATCH_WEBHOOK_URL (with its
 * TOKENWATCH_WEBHOOK_SECRET; several secrets separated by spaces while rotating), which takes every event.
 */
export function readAlertSettings(
  input: {
    alerts: AlertsInput;
    webhookUrl: string;
    webhookSecret: string;
    publicUrl: string;
  },
  src: SecretSources,
): AlertSettings {
  const inputs: ChannelInput[] = [...input.alerts.channels];
  if (input.webhookUrl !== '') {
    if (input.webhookSecret === '')
      throw new AlertConfigError(
        'TOKENWATCH_WEBHOOK_URL needs TOKENWATCH_WEBHOOK_SECRET: a Standard Webhooks secret the receiver verifies with (make one: echo "whsec_$(openssl rand -base64 32)")',
      );
    if (inputs.some((c) => c.name === ENV_CHANNEL))
      throw new AlertConfigError(
        `TOKENWATCH_WEBHOOK_URL adds a channel named "${ENV_CHANNEL}", and the alerts setting has one too: rename it`,
      );
    const secrets = input.webhookSecret.split(/\s+/).filter((s) => s !== '');
    inputs.push({
      name: ENV_CHANNEL,
      type: 'webhook',
      url: input.webhookUrl,
      secret: secrets,
      minSeverity: 'info',
    });
  }
  const channels = inputs.map((c, i) => channel(c, i, src));
  const names = new Set<string>();
  for (const c of channels) {
    if (names.has(c.name)) throw new AlertConfigError(`alerts.channels: the name "${c.name}" is used twice`);
    names.add(c.name);
  }
  if (input.publicUrl !== '') httpUrl(input.publicUrl, 'publicUrl');
  const a = input.alerts;
  return {
    channels,
    maxAttempts: a.maxAttempts ?? ALERT_DEFAULTS.maxAttempts,
    retryBaseSeconds: a.retryBaseSeconds ?? ALERT_DEFAULTS.retryBaseSeconds,
    retryMaxSeconds: a.retryMaxSeconds ?? ALERT_DEFAULTS.retryMaxSeconds,
    timeoutSeconds: a.timeoutSeconds ?? ALERT_DEFAULTS.timeoutSeconds,
    retentionDays: a.retentionDays ?? ALERT_DEFAULTS.retentionDays,
    publicUrl: input.publicUrl,
  };
}

/** Whether a channel's routing takes an incident event of this rule and severity as it happens. */
export function routes(r: Routing, rule: string | null, severity: Severity | null): boolean {
  if (!r.immediate) return false;
  if (r.rules !== null && (rule === null || !r.rules.includes(rule))) return false;
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return severity === null || rank(severity) >= rank(r.minSeverity);
}

/** Whether a channel's digests and reminders include an incident of this rule and severity. */
export function covers(r: Routing, rule: string, severity: Severity): boolean {
  return routes({ ...r, immediate: true }, rule, severity);
}
