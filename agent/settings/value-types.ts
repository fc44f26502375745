// How a setting's raw value becomes a typed one: from a property list (preferences, a profile) or from
// text (the environment, a flag). Each type also says what an admin sees: its name, its plist element and,
// for numbers, its range (the documentation tables are generated from these, agent/settings/docs.ts).
import { plistTypeName } from '../prefs/read-plist.ts';
import type { PlistValue } from '../prefs/read-plist.ts';
import { parsePin } from '../upload/pin.ts';
import type { Pin } from '../upload/pin.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The plist element a value is written as, in a profile or /Library/Preferences. */
export type PlistElement =
  'string' | 'integer' | 'boolean' | 'array of strings' | 'string or array of strings';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
export type RawText = string | string[];

export interface ValueType<T> {
  /** The type as shown to an admin, e.g. "integer 0..86400". */
  name: string;
  plist: PlistElement;
  /** Whole numbers only: the accepted range. */
  range?: { min: number; max: number };
  fromPlist(value: PlistValue): Parsed<T>;
  fromText(text: RawText): Parsed<T>;
  display(value: T): string;
}

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason });
const single = (text: RawText): string => (Array.isArray(text) ? (text.at(-1) ?? '') : text);
export const quoted = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
const wrongPlistType = (value: PlistValue, expected: string): string =>
  `expected ${expected}, got a plist ${plistTypeName(value)}`;

function checkedString<T>(check: (s: string) => Parsed<T>, expected: string) {
  return {
    fromPlist: (value: PlistValue): Parsed<T> =>
      typeof value === 'string' ? check(value) : bad(wrongPlistType(value, expected)),
    fromText: (text: RawText): Parsed<T> => check(single(text)),
  };
}

export const urlType: ValueType<string | null> = {
  name: 'http(s) URL',
  plist: 'string',
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
export const secretType: ValueType<string | null> = {
  name: 'secret string',
  plist: 'string',
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
export const pinListType: ValueType<Pin[]> = {
  name: 'SHA-256 pins of public keys (base64, or hex)',
  plist: 'string or array of strings',
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
export const boolType: ValueType<boolean> = {
  name: 'boolean',
  plist: 'boolean',
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

export function intType(min: number, max: number): ValueType<number> {
  const range = (n: number): Parsed<number> =>
    n < min || n > max ? bad(`${n} is outside ${min}..${max}`) : ok(n);
  return {
    name: `integer ${min}..${max}`,
    plist: 'integer',
    range: { min, max },
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
export const userListType: ValueType<string[]> = {
  name: 'list of user names',
  plist: 'array of strings',
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

export const logLevelType: ValueType<LogLevel> = {
  name: LOG_LEVELS.join('|'),
  plist: 'string',
  ...checkedString((s) => {
    const level = LOG_LEVELS.find((l) => l === s.trim().toLowerCase());
    return level ? ok(level) : bad(`${quoted(s)} is not one of ${LOG_LEVELS.join(', ')}`);
  }, 'a string'),
  display: (v) => v,
};

// Paths are checked here and placed (sysroot, cwd) by loadConfig, which knows the source.
export const pathType: ValueType<string> = {
  name: 'path',
  plist: 'string',
  ...checkedString((s) => (s.length === 0 ? bad('the path is empty') : ok(s)), 'a string'),
  display: (v) => v,
};
