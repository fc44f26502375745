// THE agent's settings, declared once: key, type (with its range and plist element), default, environment
// variable, flag, description, and what a configuration profile should do with it. Everything else is
// derived from this table: the TypeScript type of the values, the command-line flags, the layered
// loading (load.ts), `tokenwatch-agent config` (render.ts), the settings tables of README.md and
// launchd/README.md and the usage text (docs.ts), and the checks of the example profile
// (test/launchd/plist-files.ts). Order is the display order.
import type { ParseArgsConfig } from 'node:util';
import type { ValueType } from './value-types.ts';
import {
  boolType,
  intType,
  logLevelType,
  pathType,
  pinListType,
  secretType,
  urlType,
  userListType,
} from './value-types.ts';

export const PREFERENCES_DOMAIN = 'com.tokenwatch.agent';
export const PREFERENCES_PLIST = `/Library/Preferences/${PREFERENCES_DOMAIN}.plist`;
export const MANAGED_PREFERENCES_PLIST = `/Library/Managed Preferences/${PREFERENCES_DOMAIN}.plist`;

/**
 * What a configuration profile does with a setting:
 *  - example: the example profile (launchd/*.mobileconfig, managed-preferences.example.plist) sets it;
 *  - optional: a profile may set it; the examples keep the default;
 *  - local: better left unmanaged, so that an admin can change it on one Mac while debugging.
 */
export type ProfileAdvice = 'example' | 'optional' | 'local';

export interface Setting<T> {
  type: ValueType<T>;
  default: T;
  /** The environment twin. */
  env: string;
  /** The long flag, without the dashes. */
  flag: string;
  /** Never shown: `config` and problems say only whether it is set and its length. */
  secret: boolean;
  /** A filesystem path: resolved under --sysroot when it comes from the defaults or a plist. */
  path: boolean;
  /** One sentence for an admin (the documentation tables print it). */
  description: string;
  profile: ProfileAdvice;
  /** A bad value refuses uploads instead of falling back (a pin that cannot be read is never "no pin"). */
  failClosed?: true;
}

/** A setting with its value type inferred from its type. */
const setting = <T>(s: Setting<T>): Setting<T> => s;

const MB = 1024 * 1024;

export const SETTINGS = {
  ServerURL: setting({
    type: urlType,
    default: null,
    env: 'TOKENWATCH_SERVER_URL',
    flag: 'server-url',
    secret: false,
    path: false,
    profile: 'example',
    description:
      'The collector, e.g. https://tokenwatch.example.com; unset: collect and cache only, no upload',
  }),
  EnrollSecret: setting({
    type: secretType,
    default: null,
    env: 'TOKENWATCH_ENROLL_SECRET',
    flag: 'enroll-secret',
    secret: true,
    path: false,
    profile: 'example',
    description:
      "The collector's enroll secret, exchanged on the first run for a per-device token (a flag is visible in ps: " +
      'prefer the profile; local users can read a profile, but the secret only enrolls, it cannot take over an ' +
      'enrolled device)',
  }),
  PinSHA256: setting({
    type: pinListType,
    default: [],
    env: 'TOKENWATCH_PIN_SHA256',
    flag: 'pin-sha256',
    secret: false,
    path: false,
    profile: 'example',
    failClosed: true,
    description:
      "Pins of the collector's public key (SHA-256 of its SubjectPublicKeyInfo, base64 or hex; a list: the current " +
      'and a backup key); the agent then talks to no other server. `tokenwatch pin --cert FILE` prints one. ' +
      'Unset: the system trust store verifies the collector',
  }),
  AllowInsecureHTTP: setting({
    type: boolType,
    default: false,
    env: 'TOKENWATCH_ALLOW_INSECURE_HTTP',
    flag: 'allow-insecure-http',
    secret: false,
    path: false,
    profile: 'optional',
    description: 'Allow a plain http:// ServerURL to a host other than this Mac (loopback is always allowed)',
  }),
  SplaySeconds: setting({
    type: intType(0, 86400),
    default: 0,
    env: 'TOKENWATCH_SPLAY_SECONDS',
    flag: 'splay',
    secret: false,
    path: false,
    profile: 'optional',
    description:
      'A run started with --splay N (the LaunchDaemon passes --splay 300) first waits a random 0..N seconds; a ' +
      "profile's SplaySeconds replaces N. A run started without --splay (typed by hand) never waits",
  }),
  MinIntervalSeconds: setting({
    type: intType(0, 7 * 86400),
    default: 900,
    env: 'TOKENWATCH_MIN_INTERVAL_SECONDS',
    flag: 'min-interval',
    secret: false,
    path: false,
    profile: 'example',
    description:
      'A run sooner than this after the last upload only collects and caches (keep it below StartInterval minus ' +
      'the splay)',
  }),
  StartIntervalSeconds: setting({
    type: intType(60, 7 * 86400),
    default: 3600,
    env: 'TOKENWATCH_START_INTERVAL_SECONDS',
    flag: 'start-interval',
    secret: false,
    path: false,
    profile: 'optional',
    description:
      "The LaunchDaemon's StartInterval: a last collection older than twice this is Stale in the EA summary and " +
      '`ea`, and `status` says the agent has not been running (set it when you change StartInterval)',
  }),
  ExcludeUsers: setting({
    type: userListType,
    default: [],
    env: 'TOKENWATCH_EXCLUDE_USERS',
    flag: 'exclude-user',
    secret: false,
    path: false,
    profile: 'example',
    description: 'Service accounts the rules skip (environment: comma-separated; flag: repeatable)',
  }),
  CollectTimeoutSeconds: setting({
    type: intType(1, 3600),
    default: 30,
    env: 'TOKENWATCH_COLLECT_TIMEOUT_SECONDS',
    flag: 'collect-timeout',
    secret: false,
    path: false,
    profile: 'local',
    description:
      "The whole collection's budget (each command also has its own timeout, in the README's command table): a " +
      'command still running then is killed with its process group and recorded as timed out',
  }),
  UploadTimeoutSeconds: setting({
    type: intType(1, 3600),
    default: 30,
    env: 'TOKENWATCH_UPLOAD_TIMEOUT_SECONDS',
    flag: 'upload-timeout',
    secret: false,
    path: false,
    profile: 'optional',
    description: 'Time a run may spend uploading before it exits (the outbox keeps the rest)',
  }),
  MaxCachedSnapshots: setting({
    type: intType(1, 1_000_000),
    default: 720,
    env: 'TOKENWATCH_MAX_CACHED_SNAPSHOTS',
    flag: 'max-cached-snapshots',
    secret: false,
    path: false,
    profile: 'optional',
    description: 'Changed snapshots kept in the local cache (and queued in the outbox while offline)',
  }),
  MaxCacheBytes: setting({
    type: intType(1 * MB, 10_240 * MB),
    default: 50 * MB,
    env: 'TOKENWATCH_MAX_CACHE_BYTES',
    flag: 'max-cache-bytes',
    secret: false,
    path: false,
    profile: 'optional',
    description: 'Size bound of the local cache, in bytes',
  }),
  LogLevel: setting({
    type: logLevelType,
    default: 'info',
    env: 'TOKENWATCH_LOG_LEVEL',
    flag: 'log-level',
    secret: false,
    path: false,
    profile: 'local',
    description: 'pino level of the agent log',
  }),
  StateDir: setting({
    type: pathType,
    default: '/Library/Application Support/tokenwatch',
    env: 'TOKENWATCH_STATE_DIR',
    flag: 'state-dir',
    secret: false,
    path: true,
    profile: 'optional',
    description: 'Root-only directory of the cache database and the device token',
  }),
  LogFile: setting({
    type: pathType,
    default: '/Library/Logs/tokenwatch/agent.log',
    env: 'TOKENWATCH_LOG_FILE',
    flag: 'log-file',
    secret: false,
    path: true,
    profile: 'optional',
    description: 'The agent log (rotated by newsyslog)',
  }),
};

export type ConfigKey = keyof typeof SETTINGS;
/** The value of every setting, typed by its declaration. */
export type AgentConfigValues = {
  [K in ConfigKey]: (typeof SETTINGS)[K] extends Setting<infer T> ? T : never;
};

export const CONFIG_KEYS = Object.keys(SETTINGS) as ConfigKey[];

/** A setting whose value type is not known statically (for code that handles every key alike). */
export const settingOf = (key: ConfigKey): Setting<unknown> => SETTINGS[key] as Setting<unknown>;

/** Lists take a repeatable flag; booleans a flag without a value. */
const flagOption = (s: Setting<unknown>) =>
  s.type.plist === 'boolean'
    ? { type: 'boolean' as const }
    : s.type.plist.includes('array')
      ? { type: 'string' as const, multiple: true }
      : { type: 'string' as const };

/**
 * node:util parseArgs options for every setting's flag, plus --sysroot. The main CLI spreads these
 * into its own options and passes the parsed values to loadConfig({ flags: values, sysroot: values.sysroot ?? null }).
 */
export const AGENT_CONFIG_FLAGS: NonNullable<ParseArgsConfig['options']> = {
  sysroot: { type: 'string' },
  ...Object.fromEntries(CONFIG_KEYS.map((key) => [settingOf(key).flag, flagOption(settingOf(key))])),
};
