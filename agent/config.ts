// The agent's settings: one table, five layers, and where each value came from.
//
//   defaults < /Library/Preferences/com.tokenwatch.agent.plist < environment (TOKENWATCH_*) < flags
//            < /Library/Managed Preferences/com.tokenwatch.agent.plist (an MDM profile wins, as in munki)
//
// Pure: argv (already parsed), the environment and a readFile function come in as parameters
// (main.ts passes readPrefsFile from agent/prefs/file.ts). A bad value never stops the agent: it is
// recorded as a problem naming the key, the layer and the file, and the next lower layer's value is
// used. Refusing to run on a bad managed value would take a whole fleet offline with one typo in a
// profile; `tokenwatch-agent config` and `status` show the problem instead.
import { isAbsolute, resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { parsePlist, plistTypeName } from './prefs/read-plist.ts';
import type { PlistValue } from './prefs/read-plist.ts';
import { resolveUnderSysroot } from './sysroot.ts';
import { endpointProblem } from './upload/endpoint.ts';
import { parsePin } from './upload/pin.ts';
import type { Pin } from './upload/pin.ts';

export const PREFERENCES_DOMAIN = 'com.tokenwatch.agent';
export const PREFERENCES_PLIST = `/Library/Preferences/${PREFERENCES_DOMAIN}.plist`;
export const MANAGED_PREFERENCES_PLIST = `/Library/Managed Preferences/${PREFERENCES_DOMAIN}.plist`;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AgentConfigValues {
  ServerURL: string | null;
  EnrollSecret: string | null;
  /** Pins of the collector's public key (base64 SHA-256 of the SPKI); empty: the system trust store. */
  PinSHA256: Pin[];
  /** Allow http:// to a host other than loopback. */
  AllowInsecureHTTP: boolean;
  SplaySeconds: number;
  MinIntervalSeconds: number;
  ExcludeUsers: string[];
  CollectTimeoutSeconds: number;
  UploadTimeoutSeconds: number;
  MaxCachedSnapshots: number;
  MaxCacheBytes: number;
  LogLevel: LogLevel;
  /** Resolved: under --sysroot unless it came from the environment or a flag. */
  StateDir: string;
  LogFile: string;
}
export type ConfigKey = keyof AgentConfigValues;

/** Lowest to highest precedence. */
export const CONFIG_SOURCES = ['default', 'preferences', 'environment', 'flag', 'managed'] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];

export interface ConfigProblem {
  /** null: the problem is about a whole file (unreadable, not a plist, not a dictionary). */
  key: ConfigKey | null;
  source: ConfigSource;
  /** The plist file (resolved under --sysroot), or null for the environment and flags. */
  file: string | null;
  /** A complete sentence naming the key, the source, the file or variable, and what was used instead. */
  message: string;
  /**
   * true: the agent refuses to upload until this is corrected (an unreadable pin, plain http:// to another
   * host). Falling back to a lower layer there would mean less checking than the admin configured.
   */
  blocksUpload?: true;
  /** The values are fine one by one; together they are not (http:// with a pin, say). */
  combination?: true;
}

/** A value set in a layer that a higher layer replaced (shown so an admin sees why a setting has no effect). */
export interface OverriddenValue {
  source: ConfigSource;
  display: string;
}

export interface PreferencesFileStatus {
  path: string;
  state: 'read' | 'absent' | 'unreadable';
}

export interface AgentConfig {
  values: AgentConfigValues;
  sources: Record<ConfigKey, ConfigSource>;
  problems: ConfigProblem[];
  overridden: Partial<Record<ConfigKey, OverriddenValue[]>>;
  files: { preferences: PreferencesFileStatus; managed: PreferencesFileStatus };
  sysroot: string | null;
}

export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface LoadConfigInput {
  /** parseArgs values (options from AGENT_CONFIG_FLAGS; other keys are ignored). */
  flags: FlagValues;
  env: Record<string, string | undefined>;
  sysroot: string | null;
  /** The file's bytes or null when absent; may throw (recorded as a problem). */
  readFile: (path: string) => Buffer | null;
  /** Relative paths given in a flag or the environment are resolved against this; without it they are a problem. */
  cwd?: string | null;
}

// ---------------------------------------------------------------------------------------------
// Value types: how a raw plist value or a string (environment, flag) becomes a typed value.

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
type RawText = string | string[];

interface ValueType<T> {
  /** The type as shown to an admin, e.g. "integer 0..86400". */
  name: string;
  fromPlist(value: PlistValue): Parsed<T>;
  fromText(text: RawText): Parsed<T>;
  display(value: T): string;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason });
const single = (text: RawText): string => (Array.isArray(text) ? (text.at(-1) ?? '') : text);
const quoted = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
const wrongPlistType = (value: PlistValue, expected: string): string =>
  `expected ${expected}, got a plist ${plistTypeName(value)}`;

function checkedString<T>(check: (s: string) => Parsed<T>, expected: string) {
  return {
    fromPlist: (value: PlistValue): Parsed<T> =>
      typeof value === 'string' ? check(value) : bad(wrongPlistType(value, expected)),
    fromText: (text: RawText): Parsed<T> => check(single(text)),
  };
}

const urlType: ValueType<string | null> = {
  name: 'http(s) URL',
  ...checkedString((s) => {
    const url = URL.canParse(s) ? new URL(s) : null;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      return bad(`${quoted(s)} is not an http:// or https:// URL`);
    }
    if (url.username || url.password)
      return bad('the URL must not hold credentials (the agent enrolls with EnrollSecret)');
    return ok(s);
  }, 'a string'),
  display: (v) => v ?? '(not set)',
};

// Never echoes the value: a secret's problems and display say only whether it is set and its length.
const secretType: ValueType<string | null> = {
  name: 'secret string',
  ...checkedString((s) => (s.length === 0 ? bad('the secret is empty') : ok(s)), 'a string'),
  display: (v) => (v === null ? '(not set)' : `(set, ${v.length} chars)`),
};

/** Every entry must read as a pin: one bad entry makes the whole list bad (never a shorter list). */
function pinList(entries: string[]): Parsed<Pin[]> {
  const pins: Pin[] = [];
  for (const [i, entry] of entries.entries()) {
    const parsed = parsePin(entry);
    if (!parsed.ok) return bad(entries.length > 1 ? `entry ${i + 1}: ${parsed.reason}` : parsed.reason);
    if (!pins.includes(parsed.pin)) pins.push(parsed.pin);
  }
  return ok(pins);
}
const pinListType: ValueType<Pin[]> = {
  name: 'SHA-256 pins of public keys (base64, or hex)',
  fromPlist: (value) => {
    if (typeof value === 'string') return pinList([value]);
    if (!Array.isArray(value)) return bad(wrongPlistType(value, 'a <string> or an <array> of <string>'));
    const odd = value.find((item) => typeof item !== 'string');
    if (odd !== undefined)
      return bad(`expected an <array> of <string>, it holds a plist ${plistTypeName(odd)}`);
    return pinList(value as string[]);
  },
  // The environment holds one comma-separated string; the flag may be repeated and comma-separated.
  fromText: (text) =>
    pinList(
      (Array.isArray(text) ? text : [text])
        .flatMap((t) => t.split(','))
        .map((t) => t.trim())
        .filter((t) => t !== ''),
    ),
  display: (v) => (v.length === 0 ? '(none: the system trust store verifies the collector)' : v.join(', ')),
};

const TRUE_WORDS = ['true', 'yes', '1'];
const FALSE_WORDS = ['false', 'no', '0'];
const boolType: ValueType<boolean> = {
  name: 'boolean',
  fromPlist: (value) =>
    typeof value === 'boolean' ? ok(value) : bad(wrongPlistType(value, '<true/> or <false/>')),
  fromText: (text) => {
    const t = single(text).trim().toLowerCase();
    if (TRUE_WORDS.includes(t)) return ok(true);
    if (FALSE_WORDS.includes(t)) return ok(false);
    return bad(`${quoted(single(text))} is not true or false`);
  },
  display: (v) => (v ? 'true' : 'false'),
};

function intType(min: number, max: number): ValueType<number> {
  const range = (n: number): Parsed<number> =>
    n < min || n > max ? bad(`${n} is outside ${min}..${max}`) : ok(n);
  return {
    name: `integer ${min}..${max}`,
    fromPlist: (value) => {
      if (typeof value === 'bigint') return bad(`${value} is outside ${min}..${max}`);
      if (typeof value === 'number' && Number.isInteger(value)) return range(value);
      return bad(wrongPlistType(value, 'an <integer>'));
    },
    fromText: (text) => {
      const s = single(text).trim();
      return /^[0-9]+$/.test(s) ? range(Number(s)) : bad(`${quoted(single(text))} is not a whole number`);
    },
    display: (v) => String(v),
  };
}

function uniqueNames(names: string[]): Parsed<string[]> {
  return ok([...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))]);
}
const userListType: ValueType<string[]> = {
  name: 'list of user names',
  fromPlist: (value) => {
    if (!Array.isArray(value)) return bad(wrongPlistType(value, 'an <array> of <string>'));
    const odd = value.find((item) => typeof item !== 'string');
    if (odd !== undefined)
      return bad(`expected an <array> of <string>, it holds a plist ${plistTypeName(odd)}`);
    return uniqueNames(value as string[]);
  },
  // The environment holds one comma-separated string; the flag may be repeated and comma-separated.
  fromText: (text) => uniqueNames((Array.isArray(text) ? text : [text]).flatMap((t) => t.split(','))),
  display: (v) => (v.length === 0 ? '(none)' : v.join(',')),
};

const logLevelType: ValueType<LogLevel> = {
  name: LOG_LEVELS.join('|'),
  ...checkedString((s) => {
    const level = LOG_LEVELS.find((l) => l === s.trim().toLowerCase());
    return level ? ok(level) : bad(`${quoted(s)} is not one of ${LOG_LEVELS.join(', ')}`);
  }, 'a string'),
  display: (v) => v,
};

// Paths are checked here and placed (sysroot, cwd) by loadConfig, which knows the source.
const pathType: ValueType<string> = {
  name: 'path',
  ...checkedString((s) => (s.length === 0 ? bad('the path is empty') : ok(s)), 'a string'),
  display: (v) => v,
};

// ---------------------------------------------------------------------------------------------
// THE table. Order is the display order.

export interface Setting<K extends ConfigKey> {
  type: ValueType<AgentConfigValues[K]>;
  default: AgentConfigValues[K];
  /** The environment twin. */
  env: string;
  /** The long flag, without the dashes. */
  flag: string;
  secret: boolean;
  /** A filesystem path: resolved under --sysroot when it comes from the defaults or a plist. */
  path: boolean;
  description: string;
  /** A bad value refuses uploads instead of falling back (a pin that cannot be read is never "no pin"). */
  failClosed?: true;
}
export type SettingsTable = { [K in ConfigKey]: Setting<K> };

const MB = 1024 * 1024;

// prettier-ignore
export const SETTINGS: SettingsTable = {
  ServerURL:             { type: urlType,                      default: null,                                      env: 'TOKENWATCH_SERVER_URL',              flag: 'server-url',           secret: false, path: false,
    description: 'The collector, e.g. https://tokenwatch.example.com; unset: collect and cache only, no upload' },
  EnrollSecret:          { type: secretType,                   default: null,                                      env: 'TOKENWATCH_ENROLL_SECRET',           flag: 'enroll-secret',        secret: true,  path: false,
    description: 'Shared secret for the first enrollment (a flag is visible in ps: prefer the profile)' },
  PinSHA256:             { type: pinListType,                  default: [],                                        env: 'TOKENWATCH_PIN_SHA256',              flag: 'pin-sha256',           secret: false, path: false, failClosed: true,
    description: "Pins of the collector's public key (SHA-256 of its SubjectPublicKeyInfo, base64 or hex; a list: current and backup key); `tokenwatch pin --cert FILE` prints one" },
  AllowInsecureHTTP:     { type: boolType,                     default: false,                                     env: 'TOKENWATCH_ALLOW_INSECURE_HTTP',     flag: 'allow-insecure-http',  secret: false, path: false,
    description: 'Allow a plain http:// ServerURL to a host other than this Mac (loopback is always allowed)' },
  SplaySeconds:          { type: intType(0, 86400),            default: 0,                                         env: 'TOKENWATCH_SPLAY_SECONDS',           flag: 'splay',                secret: false, path: false,
    description: 'Wait a random 0..N seconds before a run (the LaunchDaemon passes --splay 300, so only a profile overrides it)' },
  MinIntervalSeconds:    { type: intType(0, 7 * 86400),        default: 900,                                       env: 'TOKENWATCH_MIN_INTERVAL_SECONDS',    flag: 'min-interval',         secret: false, path: false,
    description: 'A run sooner than this after the last upload only collects (keep it below StartInterval minus the splay)' },
  ExcludeUsers:          { type: userListType,                 default: [],                                        env: 'TOKENWATCH_EXCLUDE_USERS',           flag: 'exclude-user',         secret: false, path: false,
    description: 'Service accounts the rules skip (environment: comma-separated; flag: repeatable)' },
  CollectTimeoutSeconds: { type: intType(1, 3600),             default: 30,                                        env: 'TOKENWATCH_COLLECT_TIMEOUT_SECONDS', flag: 'collect-timeout',      secret: false, path: false,
    description: 'Budget of a whole collection: a command still running then is killed with its process group and recorded as timed out' },
  UploadTimeoutSeconds:  { type: intType(1, 3600),             default: 30,                                        env: 'TOKENWATCH_UPLOAD_TIMEOUT_SECONDS',  flag: 'upload-timeout',       secret: false, path: false,
    description: 'Time a run may spend uploading before it exits (the outbox keeps the rest)' },
  MaxCachedSnapshots:    { type: intType(1, 1_000_000),        default: 720,                                       env: 'TOKENWATCH_MAX_CACHED_SNAPSHOTS',    flag: 'max-cached-snapshots', secret: false, path: false,
    description: 'Changed snapshots kept in the local cache' },
  MaxCacheBytes:         { type: intType(1 * MB, 10_240 * MB), default: 50 * MB,                                   env: 'TOKENWATCH_MAX_CACHE_BYTES',         flag: 'max-cache-bytes',      secret: false, path: false,
    description: 'Size bound of the local cache, in bytes' },
  LogLevel:              { type: logLevelType,                 default: 'info',                                    env: 'TOKENWATCH_LOG_LEVEL',               flag: 'log-level',            secret: false, path: false,
    description: 'pino level of the agent log' },
  StateDir:              { type: pathType,                     default: '/Library/Application Support/tokenwatch', env: 'TOKENWATCH_STATE_DIR',               flag: 'state-dir',            secret: false, path: true,
    description: 'Root-only directory of the cache database and the device token' },
  LogFile:               { type: pathType,                     default: '/Library/Logs/tokenwatch/agent.log',      env: 'TOKENWATCH_LOG_FILE',                flag: 'log-file',             secret: false, path: true,
    description: 'The agent log (rotated by newsyslog)' },
};

export const CONFIG_KEYS = Object.keys(SETTINGS) as ConfigKey[];

/**
 * node:util parseArgs options for every setting's flag, plus --sysroot. The main CLI spreads these
 * into its own options and passes the parsed values to loadConfig({ flags: values, sysroot: values.sysroot ?? null }).
 */
export const AGENT_CONFIG_FLAGS: NonNullable<ParseArgsConfig['options']> = {
  sysroot: { type: 'string' },
  ...Object.fromEntries(
    CONFIG_KEYS.map((key) => [
      SETTINGS[key].flag,
      key === 'ExcludeUsers' || key === 'PinSHA256'
        ? { type: 'string', multiple: true }
        : SETTINGS[key].type === (boolType as unknown)
          ? { type: 'boolean' }
          : { type: 'string' },
    ]),
  ),
};

// ---------------------------------------------------------------------------------------------

const SOURCE_LABEL: Record<ConfigSource, string> = {
  default: 'default',
  preferences: 'preferences',
  environment: 'environment',
  flag: 'flag',
  managed: 'MANAGED',
};

interface Layer {
  source: Exclude<ConfigSource, 'default'>;
  /** Where a key's raw value came from, for messages: a file, `TOKENWATCH_X`, `--x`. */
  origin: (key: ConfigKey) => string;
  file: string | null;
  raw: (key: ConfigKey) => { plist: PlistValue } | { text: RawText } | undefined;
}

export function loadConfig(input: LoadConfigInput): AgentConfig {
  const { sysroot } = input;
  const cwd = input.cwd ?? null;
  const problems: ConfigProblem[] = [];
  const preferences = readPreferences(
    resolveUnderSysroot(sysroot, PREFERENCES_PLIST),
    'preferences',
    input.readFile,
    problems,
  );
  const managed = readPreferences(
    resolveUnderSysroot(sysroot, MANAGED_PREFERENCES_PLIST),
    'managed',
    input.readFile,
    problems,
  );

  const plistLayer = (
    source: 'preferences' | 'managed',
    file: { path: string; dict: Record<string, PlistValue> },
  ): Layer => ({
    source,
    file: file.path,
    origin: () => file.path,
    raw: (key) => (Object.hasOwn(file.dict, key) ? { plist: file.dict[key] as PlistValue } : undefined),
  });
  const layers: Layer[] = [
    plistLayer('preferences', preferences),
    {
      source: 'environment',
      file: null,
      origin: (key) => SETTINGS[key].env,
      // An empty variable counts as unset, as a shell's `X= cmd` usually means.
      raw: (key) => {
        const v = input.env[SETTINGS[key].env];
        return v === undefined || v === '' ? undefined : { text: v };
      },
    },
    {
      source: 'flag',
      file: null,
      origin: (key) => `--${SETTINGS[key].flag}`,
      raw: (key) => {
        const v = input.flags[SETTINGS[key].flag];
        if (v === undefined) return undefined;
        return { text: Array.isArray(v) ? v.map(String) : String(v) };
      },
    },
    plistLayer('managed', managed),
  ];

  const values = {} as Record<ConfigKey, unknown>;
  const sources = {} as Record<ConfigKey, ConfigSource>;
  const overridden: Partial<Record<ConfigKey, OverriddenValue[]>> = {};

  for (const key of CONFIG_KEYS) {
    const setting = SETTINGS[key] as Setting<ConfigKey>;
    const display = setting.type.display as (v: unknown) => string;
    let value: unknown = setting.path
      ? resolveUnderSysroot(sysroot, setting.default as string)
      : setting.default;
    let source: ConfigSource = 'default';
    const rejected: { layer: Layer; reason: string }[] = [];
    for (const layer of layers) {
      const raw = layer.raw(key);
      if (raw === undefined) continue;
      const parsed = 'plist' in raw ? setting.type.fromPlist(raw.plist) : setting.type.fromText(raw.text);
      let candidate: unknown = parsed.ok ? parsed.value : undefined;
      let reason = parsed.ok ? null : parsed.reason;
      if (parsed.ok && setting.path) {
        const placed = placePath(parsed.value as string, layer.source, sysroot, cwd);
        candidate = placed.ok ? placed.value : undefined;
        reason = placed.ok ? null : placed.reason;
      }
      if (reason !== null) {
        rejected.push({ layer, reason });
        continue;
      }
      if (source !== 'default') (overridden[key] ??= []).push({ source, display: display(value) });
      value = candidate;
      source = layer.source;
    }
    for (const { layer, reason } of rejected) {
      const where = layer.file ? `in ${layer.file}` : `from ${layer.origin(key)}`;
      const overridden = CONFIG_SOURCES.indexOf(source) > CONFIG_SOURCES.indexOf(layer.source);
      const blocks = !overridden && setting.failClosed === true;
      const outcome = overridden
        ? `ignored; the ${SOURCE_LABEL[source]} value applies anyway`
        : blocks
          ? 'uploads are refused until it is corrected (a value that cannot be read is never taken as unset)'
          : `using the ${SOURCE_LABEL[source]} value ${display(value)}`;
      problems.push({
        key,
        source: layer.source,
        file: layer.file,
        message: `${key} ${where} (${SOURCE_LABEL[layer.source]}): ${reason}; ${outcome}`,
        ...(blocks ? { blocksUpload: true as const } : {}),
      });
    }
    values[key] = value;
    sources[key] = source;
  }

  const typed = values as unknown as AgentConfigValues;
  problems.push(...legacyPinProblems(preferences, managed, input.env, typed.PinSHA256));
  if (typed.ServerURL !== null) {
    const endpoint = endpointProblem({
      serverUrl: typed.ServerURL,
      pinCount: typed.PinSHA256.length,
      allowInsecureHttp: typed.AllowInsecureHTTP,
    });
    if (endpoint !== null) {
      problems.push({
        key: 'ServerURL',
        source: sources.ServerURL,
        file: null,
        message: endpoint,
        blocksUpload: true,
        combination: true,
      });
    }
  }

  return {
    values: typed,
    sources,
    problems,
    overridden,
    files: { preferences: preferences.status, managed: managed.status },
    sysroot,
  };
}

/** The setting a certificate pin used to be read from (SHA-256 of a certificate's DER). */
const LEGACY_PIN_KEY = 'CAPinSHA256';
const LEGACY_PIN_ENV = 'TOKENWATCH_CA_PIN_SHA256';

/**
 * A CAPinSHA256 left in a profile or the environment: it pinned a certificate, which is no longer
 * supported. Ignoring it silently would run with less checking than configured, so without a PinSHA256
 * it refuses uploads, and names the replacement.
 */
function legacyPinProblems(
  preferences: { path: string; dict: Record<string, PlistValue> },
  managed: { path: string; dict: Record<string, PlistValue> },
  env: Record<string, string | undefined>,
  pins: Pin[],
): ConfigProblem[] {
  const found: { source: ConfigSource; file: string | null; where: string }[] = [];
  if (Object.hasOwn(preferences.dict, LEGACY_PIN_KEY))
    found.push({ source: 'preferences', file: preferences.path, where: `in ${preferences.path}` });
  if (env[LEGACY_PIN_ENV]) found.push({ source: 'environment', file: null, where: `from ${LEGACY_PIN_ENV}` });
  if (Object.hasOwn(managed.dict, LEGACY_PIN_KEY))
    found.push({ source: 'managed', file: managed.path, where: `in ${managed.path}` });
  return found.map(({ source, file, where }) => {
    const base = `${LEGACY_PIN_KEY} ${where} (${SOURCE_LABEL[source]}) is no longer read: it pinned a certificate; PinSHA256 pins the collector's public key (tokenwatch pin --cert FILE prints it)`;
    return pins.length > 0
      ? { key: 'PinSHA256' as const, source, file, message: `${base}; ignored, PinSHA256 applies` }
      : {
          key: 'PinSHA256' as const,
          source,
          file,
          message: `${base}; uploads are refused until PinSHA256 is set or ${LEGACY_PIN_KEY} is removed`,
          blocksUpload: true as const,
        };
  });
}

/** What the agent must not upload past: every problem that refuses uploads, as sentences. */
export function uploadRefusals(config: AgentConfig): string[] {
  return config.problems.filter((p) => p.blocksUpload === true).map((p) => p.message);
}

/**
 * Paths from the defaults and the plists describe the Mac, so they go under --sysroot; a path given
 * in the environment or a flag is the operator's own and is taken as given (relative: against cwd).
 */
function placePath(
  path: string,
  source: ConfigSource,
  sysroot: string | null,
  cwd: string | null,
): Parsed<string> {
  if (source === 'environment' || source === 'flag') {
    if (isAbsolute(path)) return ok(path);
    return cwd ? ok(resolve(cwd, path)) : bad(`${quoted(path)} is not an absolute path`);
  }
  return isAbsolute(path)
    ? ok(resolveUnderSysroot(sysroot, path))
    : bad(`${quoted(path)} is not an absolute path`);
}

function readPreferences(
  path: string,
  source: 'preferences' | 'managed',
  readFile: (path: string) => Buffer | null,
  problems: ConfigProblem[],
): { path: string; dict: Record<string, PlistValue>; status: PreferencesFileStatus } {
  const unreadable = (why: string) => {
    problems.push({
      key: null,
      source,
      file: path,
      message: `${path} (${SOURCE_LABEL[source]}) is ignored: ${why}`,
    });
    return { path, dict: {}, status: { path, state: 'unreadable' as const } };
  };
  let bytes: Buffer | null;
  try {
    bytes = readFile(path);
  } catch (error) {
    return unreadable(`cannot read it (${error instanceof Error ? error.message : String(error)})`);
  }
  if (bytes === null) return { path, dict: {}, status: { path, state: 'absent' } };
  let root: PlistValue;
  try {
    root = parsePlist(bytes);
  } catch (error) {
    return unreadable(error instanceof Error ? error.message : String(error));
  }
  if (plistTypeName(root) !== 'dict')
    return unreadable(`its root is a plist ${plistTypeName(root)}, expected a dictionary`);
  const dict = root as Record<string, PlistValue>;
  // Unknown keys (PayloadUUID and the like that MDMs add) are ignored; a known key in the wrong case
  // (serverURL) would be silently ignored too, so it is reported.
  for (const name of Object.keys(dict)) {
    const known = CONFIG_KEYS.find((key) => key.toLowerCase() === name.toLowerCase());
    if (known && known !== name) {
      problems.push({
        key: known,
        source,
        file: path,
        message: `${name} in ${path} (${SOURCE_LABEL[source]}) is ignored: keys are case-sensitive, did you mean ${known}?`,
      });
    }
  }
  return { path, dict, status: { path, state: 'read' } };
}

// ---------------------------------------------------------------------------------------------
// `tokenwatch-agent config`

export interface ConfigReport {
  settings: {
    key: ConfigKey;
    /** Secrets: "(set, N chars)" or null, never the value. */
    value: unknown;
    source: ConfigSource;
    overridden: OverriddenValue[];
  }[];
  files: AgentConfig['files'];
  sysroot: string | null;
  problems: ConfigProblem[];
}

/** The JSON form: what `config --json` prints (secrets masked). */
export function configReport(config: AgentConfig): ConfigReport {
  return {
    settings: CONFIG_KEYS.map((key) => {
      const setting = SETTINGS[key] as Setting<ConfigKey>;
      const value = config.values[key];
      return {
        key,
        value: setting.secret
          ? value === null
            ? null
            : (setting.type.display as (v: unknown) => string)(value)
          : value,
        source: config.sources[key],
        overridden: config.overridden[key] ?? [],
      };
    }),
    files: config.files,
    sysroot: config.sysroot,
    problems: config.problems,
  };
}

/** One line per key (key, value, source; MANAGED for profile values), then the files and any problems. */
export function renderConfig(
  config: AgentConfig,
  options: {
    json?: boolean;
    /** A misconfiguration the collector's last answer showed (a redirect, a 404), from the cache. */
    serverAnswer?: string | null;
  } = {},
): string {
  if (options.json) {
    const report = {
      ...configReport(config),
      uploadsRefused: uploadRefusals(config),
      serverAnswer: options.serverAnswer ?? null,
    };
    return `${JSON.stringify(report, null, 2)}\n`;
  }
  const rows = CONFIG_KEYS.map((key) => {
    const setting = SETTINGS[key] as Setting<ConfigKey>;
    const shown = (setting.type.display as (v: unknown) => string)(config.values[key]);
    const over = (config.overridden[key] ?? []).map((o) => `${SOURCE_LABEL[o.source]}: ${o.display}`);
    const source =
      SOURCE_LABEL[config.sources[key]] + (over.length ? `  (overrides ${over.join('; ')})` : '');
    return { key, shown, source };
  });
  const keyWidth = Math.max(...rows.map((r) => r.key.length));
  const valueWidth = Math.min(64, Math.max(...rows.map((r) => r.shown.length)));
  const lines = rows.map((r) => `${r.key.padEnd(keyWidth)}  ${r.shown.padEnd(valueWidth)}  ${r.source}`);
  lines.push('');
  for (const [label, file] of [
    ['preferences', config.files.preferences],
    ['MANAGED', config.files.managed],
  ] as const) {
    lines.push(`${label} file: ${file.path} (${file.state})`);
  }
  if (config.sysroot) lines.push(`sysroot: ${config.sysroot}`);
  if (config.problems.length) {
    lines.push('', `${config.problems.length} configuration problem(s):`);
    for (const p of config.problems) lines.push(`  - ${p.message}`);
  }
  const refusals = uploadRefusals(config);
  if (refusals.length > 0) {
    lines.push('', `UPLOADS ARE REFUSED until ${refusals.length === 1 ? 'this is' : 'these are'} corrected:`);
    for (const r of refusals) lines.push(`  - ${r}`);
  }
  if (options.serverAnswer) lines.push('', `The collector's last answer: ${options.serverAnswer}`);
  return `${lines.join('\n')}\n`;
}
