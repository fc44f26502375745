// The agent's settings, loaded in layers, each value remembering where it came from:
//
//   defaults < /Library/Preferences/com.tokenwatch.agent.plist < environment (TOKENWATCH_*) < flags
//            < /Library/Managed Preferences/com.tokenwatch.agent.plist (an MDM profile wins, as in munki)
//
// Pure: argv (already parsed), the environment and a readFile function come in as parameters
// (main.ts passes readPrefsFile from agent/prefs/file.ts). A bad value never stops the agent: it is
// recorded as a problem naming the key, the layer and the file, and the next lower layer's value is
// used. Refusing to run on a bad managed value would take a whole fleet offline with one typo in a
// profile; `tokenwatch-agent config` and `status` show the problem instead. What the settings are:
// declaration.ts.
import { isAbsolute, resolve } from 'node:path';
import { parsePlist, plistTypeName } from '../prefs/read-plist.ts';
import type { PlistValue } from '../prefs/read-plist.ts';
import { resolveUnderSysroot } from '../sysroot.ts';
import { endpointProblem } from '../upload/endpoint.ts';
import type { Pin } from '../upload/pin.ts';
import {
  CONFIG_KEYS,
  MANAGED_PREFERENCES_PLIST,
  PREFERENCES_PLIST,
  SETTINGS,
  settingOf,
} from './declaration.ts';
import type { AgentConfigValues, ConfigKey } from './declaration.ts';
import { bad, ok, quoted } from './value-types.ts';
import type { Parsed, RawText } from './value-types.ts';

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
  /** parseArgs values (options from AGENT_CONFIG_FLAGS, declaration.ts; other keys are ignored). */
  flags: FlagValues;
  env: Record<string, string | undefined>;
  sysroot: string | null;
  /** The file's bytes or null when absent; may throw (recorded as a problem). */
  readFile: (path: string) => Buffer | null;
  /** Relative paths given in a flag or the environment are resolved against this; without it they are a problem. */
  cwd?: string | null;
}

export const SOURCE_LABEL: Record<ConfigSource, string> = {
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
    const setting = settingOf(key);
    const display = (v: unknown) => setting.type.display(v);
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
